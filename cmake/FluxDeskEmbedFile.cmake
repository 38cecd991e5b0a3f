# fluxdesk_embed_file(TARGET FILE SYMBOL): compiles FILE's bytes into TARGET as
#   extern "C" const unsigned char SYMBOL[];  extern "C" const unsigned long SYMBOL_size;
# (a generated C file, so no precompiled torch header is involved). Editing
# FILE re-runs CMake, which rewrites the C file only when the bytes changed.
function(fluxdesk_embed_file target file symbol)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
  file(READ ${file} _hex HEX)
  string(LENGTH "${_hex}" _hex_length)
  math(EXPR _size "${_hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_hex}")
  string(REGEX REPLACE "((0x..,){24})" "\\1\n" _bytes "${_bytes}")
  set(_out ${CMAKE_CURRENT_BINARY_DIR}/embedded/${symbol}.c)
  file(CONFIGURE OUTPUT ${_out} CONTENT
"/* Generated from ${file} by fluxdesk_embed_file; do not edit. */
const unsigned char ${symbol}[] = {
${_bytes}0x00};
const unsigned long ${symbol}_size = ${_size};
" @ONLY)
  target_sources(${target} PRIVATE ${_out})
endfunction()
