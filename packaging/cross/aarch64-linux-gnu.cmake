# CMake toolchain file: build kdump-failover for arm64 (aarch64) on another Debian machine with
# Debian's multiarch cross toolchain (crossbuild-essential-arm64) and the :arm64 -dev packages.
#   cmake -S . -B build-arm64 -G Ninja --toolchain packaging/cross/aarch64-linux-gnu.cmake \
#         -DCMAKE_INSTALL_PREFIX=/usr -DKDF_BUILD_TESTS=OFF
# tools/build-arm64-deb.sh does that, installs what it needs and runs cpack.
#
# Multiarch puts the arm64 headers and libraries beside the host's (/usr/include/aarch64-linux-gnu,
# /usr/lib/aarch64-linux-gnu), so no sysroot is needed; the cross compiler searches those paths.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# Plugins under lib/aarch64-linux-gnu, where an arm64 Debian system keeps them and where a native
# build there puts them: GNUInstallDirs picks that multiarch directory only when not cross-building.
set(CMAKE_INSTALL_LIBDIR "lib/aarch64-linux-gnu" CACHE PATH "object code libraries (lib/aarch64-linux-gnu)")

# pkg-config must answer with the arm64 .pc files only: a host .pc file would link x86_64 paths.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Programs run at build time are the host's; libraries and headers are the target's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
