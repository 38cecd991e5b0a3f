# fluxdesk_httplib: cpp-httplib (header-only, or Debian's split build with
# libcpp-httplib.so), for the API server and the tests' mock hub. Included
# by FluxDeskDependencies.cmake.
include_guard(GLOBAL)
if(NOT TARGET fluxdesk_httplib)
  find_path(FLUXDESK_HTTPLIB_INCLUDE httplib.h HINTS ${FLUXDESK_THIRD_PARTY_INCLUDE} REQUIRED)
  add_library(fluxdesk_httplib INTERFACE)
  target_include_directories(fluxdesk_httplib SYSTEM INTERFACE ${FLUXDESK_HTTPLIB_INCLUDE})
  target_link_libraries(fluxdesk_httplib INTERFACE Threads::Threads)
  # Debian's libcpp-httplib-dev: declarations only in httplib.h, the code in
  # libcpp-httplib.so built with OpenSSL, zlib and Brotli; the same macros
  # keep class layouts equal.
  file(STRINGS ${FLUXDESK_HTTPLIB_INCLUDE}/httplib.h _fd_httplib_inline_impl
       REGEX "inline bool Server::listen_internal" LIMIT_COUNT 1)
  if(NOT _fd_httplib_inline_impl)
    find_library(FLUXDESK_HTTPLIB_LIB cpp-httplib REQUIRED)
    target_link_libraries(fluxdesk_httplib INTERFACE ${FLUXDESK_HTTPLIB_LIB})
    target_compile_definitions(fluxdesk_httplib INTERFACE CPPHTTPLIB_OPENSSL_SUPPORT
                               CPPHTTPLIB_ZLIB_SUPPORT CPPHTTPLIB_BROTLI_SUPPORT)
  endif()
endif()
