# CPack: a .deb and an .rpm from `cmake --install`'s layout.
#   cmake -S . -B build-pkg -G Ninja -DCMAKE_INSTALL_PREFIX=/usr -DKDF_BUILD_TESTS=OFF
#   cmake --build build-pkg && (cd build-pkg && cpack -G "DEB;RPM")
# Packages follow the install components:
#   runtime -> kdump-failover          the command, the plugins, the config example, the packaging files
#   sdk     -> kdump-failover-dev(el)  headers and the CMake package for third-party plugins
# The installed paths are the configured ones (CMAKE_INSTALL_PREFIX), so the plugin directory
# compiled into the binary is where the package puts the plugins.
set(CPACK_PACKAGE_NAME "kdump-failover")
set(CPACK_PACKAGE_VENDOR "kdump-failover project")
set(CPACK_PACKAGE_CONTACT "kdump-failover developers <dev@kdump-failover.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "Saves a Linux crash dump from the crash kernel through a chain of targets (NFS, SSH, local disk,\n"
    "raw device...) tried in order with their own timeouts, in makedumpfile's formats.")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_COMPONENTS_ALL runtime sdk)
# Stripped, whatever the build type: the dracut module copies the binary and plugins into the
# crash kernel's initramfs, which unpacks into half of crashkernel= (docs/sizing.md). Unstripped
# (RelWithDebInfo) the ssh, nfs and local plugins alone are 16 MiB.
set(CPACK_STRIP_FILES TRUE)
set(CPACK_COMPONENT_RUNTIME_DISPLAY_NAME "kdump-failover")
set(CPACK_COMPONENT_SDK_DISPLAY_NAME "kdump-failover SDK")
set(CPACK_COMPONENT_SDK_DEPENDS runtime)

# Debian: one .deb per component; library dependencies from dpkg-shlibdeps.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME "kdump-failover")
set(CPACK_DEBIAN_SDK_PACKAGE_NAME "kdump-failover-dev")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "makedumpfile")
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)  # sdk -> runtime becomes a Depends line
set(CPACK_DEBIAN_SDK_PACKAGE_DEPENDS "libboost-dev (>= 1.74)")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION "devel")
# Removal gives kdump its files back (packaging/deb/prerm: generate --remove while the binary exists).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA
    "${PROJECT_BINARY_DIR}/packaging/deb/prerm;${PROJECT_BINARY_DIR}/packaging/deb/postrm")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

# RPM: the same split, automatic library requirements from rpm's own scanner.
set(CPACK_RPM_COMPONENT_INSTALL ON)
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_RUNTIME_PACKAGE_NAME "kdump-failover")
set(CPACK_RPM_SDK_PACKAGE_NAME "kdump-failover-devel")
set(CPACK_RPM_PACKAGE_LICENSE "unspecified")  # the project has not chosen one yet
set(CPACK_RPM_PACKAGE_GROUP "System Environment/Base")
# Erase (not upgrade) gives kdumpctl its kdump.conf back (packaging/rpm/preun: generate --remove).
set(CPACK_RPM_RUNTIME_PRE_UNINSTALL_SCRIPT_FILE "${PROJECT_BINARY_DIR}/packaging/rpm/preun")
set(CPACK_RPM_RUNTIME_POST_UNINSTALL_SCRIPT_FILE "${PROJECT_BINARY_DIR}/packaging/rpm/postun")
set(CPACK_RPM_SDK_PACKAGE_REQUIRES "boost-devel >= 1.74, kdump-failover = ${PROJECT_VERSION}")
# Directories that belong to the filesystem package must not be claimed by ours.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    /usr/local /usr/local/sbin /usr/local/lib /usr/local/include /usr/local/share /usr/local/share/doc
    /usr/lib/cmake /usr/local/lib/cmake /usr/lib/systemd /usr/lib/systemd/system /usr/lib/dracut
    /usr/lib/dracut/modules.d /etc /etc/init.d)

# A cross build (packaging/cross/, tools/build-arm64-deb.sh) packages for the processor it builds
# for: the host's architecture, which CPack would otherwise write, is the wrong one.
if(CMAKE_CROSSCOMPILING)
  if(CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
    set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "arm64")
    set(CPACK_RPM_PACKAGE_ARCHITECTURE "aarch64")
  else()
    message(WARNING "cross-building for ${CMAKE_SYSTEM_PROCESSOR}: set CPACK_DEBIAN_PACKAGE_ARCHITECTURE and "
                    "CPACK_RPM_PACKAGE_ARCHITECTURE, or the packages will be named after this machine")
  endif()
endif()

set(CPACK_GENERATOR "DEB;RPM")
include(CPack)
