# cmake -DSRC=<shared>/vmcore-6.1-a.zst -DDST=<build>/fixtures/vmcore-6.1-a -DSIZE=725254144 -P decompress_fixture.cmake
#
# CTest fixture setup (FIXTURES_SETUP real_vmcores): decompress a real vmcore from the shared,
# read-only fixtures directory into the build tree, once. The repository never holds a copy.
# A missing source is a failure, not a skip: the tests that need it must not pass vacuously.
foreach(var SRC DST SIZE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "decompress_fixture.cmake: -D${var}=... is required")
  endif()
endforeach()

if(EXISTS "${DST}")
  file(SIZE "${DST}" have)
  if(have EQUAL SIZE)
    message(STATUS "${DST}: already there (${have} bytes)")
    return()
  endif()
  message(STATUS "${DST}: ${have} bytes, want ${SIZE}: decompressing again")
endif()

if(NOT EXISTS "${SRC}")
  message(FATAL_ERROR "real vmcore fixture ${SRC} is missing: the shared fixtures directory (KDF_SHARED_DIR) must hold it")
endif()
find_program(ZSTD zstd)
if(NOT ZSTD)
  message(FATAL_ERROR "zstd is not installed: it is needed to decompress ${SRC} (apt-get install zstd)")
endif()

get_filename_component(dir "${DST}" DIRECTORY)
file(MAKE_DIRECTORY "${dir}")
# Into a temporary name first, so an interrupted run never leaves a short file under the real name.
execute_process(COMMAND "${ZSTD}" -q -d --long=27 -f -o "${DST}.part" "${SRC}" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  file(REMOVE "${DST}.part")
  message(FATAL_ERROR "zstd -d ${SRC} failed (${rc}): ${err}")
endif()
file(SIZE "${DST}.part" got)
if(NOT got EQUAL SIZE)
  file(REMOVE "${DST}.part")
  message(FATAL_ERROR "${SRC} decompressed to ${got} bytes, expected ${SIZE}: damaged fixture?")
endif()
file(RENAME "${DST}.part" "${DST}")
