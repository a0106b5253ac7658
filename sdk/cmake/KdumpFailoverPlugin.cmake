# kdf_add_transport_plugin(<name> <source>...)
# Builds kdf-transport-<name>.so against KdumpFailover::sdk: hidden visibility so the Boost.DLL
# alias is the only exported symbol, no "lib" prefix, -fno-gnu-unique so the library really unloads
# when its last object goes (unloading bugs then show up in tests, not in a crash kernel).
function(kdf_add_transport_plugin name)
  set(target kdf-transport-${name})
  add_library(${target} MODULE ${ARGN})
  if(TARGET kdf_sdk)
    target_link_libraries(${target} PRIVATE kdf_sdk)
  else()
    target_link_libraries(${target} PRIVATE KdumpFailover::sdk)
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${target}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # (gcc only: clang never emits STB_GNU_UNIQUE symbols, and refuses the flag)
  target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-fno-gnu-unique>)
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  if(DEFINED KDF_PLUGIN_BUILD_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${KDF_PLUGIN_BUILD_DIR})
  endif()
endfunction()
