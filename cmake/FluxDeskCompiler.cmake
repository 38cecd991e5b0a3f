# Compiler settings shared by every target: warnings, ccache.

find_program(FLUXDESK_CCACHE ccache)
if(FLUXDESK_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  # The sloppiness flags let ccache cache translation units built with a
  # precompiled header; base_dir lets build folders share the cache.
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      CCACHE_BASEDIR=${CMAKE_SOURCE_DIR} CCACHE_NOHASHDIR=1
      ${FLUXDESK_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${CMAKE_CXX_COMPILER_LAUNCHER})
endif()

# Warnings for our own targets only (third-party headers come in as SYSTEM).
function(fluxdesk_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
      -Wno-unused-parameter -Wno-missing-field-initializers)
  endif()
endfunction()
