# Compiler settings shared by every target: warnings, ccache.

find_program(FLUXDESK_CCACHE ccache)
if(FLUXDESK_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  # The sloppiness flags let ccache cache translation units built with a
  # precompiled header; base_dir lets build folders share the cache.
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      CCACHE_BASEDIR=${CMAKE_SOURCE_DIR} CCACHE_NOHASHDIR=1
      # Room for the release and sanitizer builds together (ccache's default
      # 5 GB would evict one for the other).
      CCACHE_MAXSIZE=20G
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

# ASan + UBSan over FluxDesk's own code (preset "sanitize"; CI runs its
# Qt-free and service tests). LibTorch and Qt are not instrumented, which
# ASan allows: it still sees every allocation through its malloc. UBSan stops
# at the first error (no recovery), so a test fails instead of printing.
# The vptr check is left out: it needs the RTTI of every class a pointer may
# point to, and Qt's and LibTorch's hidden-visibility classes trip it.
option(FLUXDESK_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(FLUXDESK_SANITIZE)
  set(FLUXDESK_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize=vptr
      -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  # -g1: line tables for the reports' stacks, without the size of full debug
  # information in the precompiled torch header.
  add_compile_options(${FLUXDESK_SANITIZE_FLAGS} -g1)
  add_link_options(${FLUXDESK_SANITIZE_FLAGS})
endif()
