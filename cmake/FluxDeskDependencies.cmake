# Third-party dependencies. All come from Debian 12 packages on a desktop
# machine; on a GPU box LibTorch comes from CMAKE_PREFIX_PATH and the
# header-only pieces may be given with FLUXDESK_THIRD_PARTY_INCLUDE.

set(FLUXDESK_THIRD_PARTY_INCLUDE "" CACHE PATH
    "Extra include folder for header-only dependencies (nlohmann, stb, httplib)")

find_package(Torch REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3 QUIET)

# LibTorch 1.13 (Debian) and 2.x (CUDA builds) expose TORCH_LIBRARIES with
# different flag sets; wrap them once in an interface target.
add_library(fluxdesk_torch INTERFACE)
target_link_libraries(fluxdesk_torch INTERFACE ${TORCH_LIBRARIES})
target_include_directories(fluxdesk_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
if(TORCH_CXX_FLAGS)
  separate_arguments(_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  target_compile_options(fluxdesk_torch INTERFACE ${_torch_flags})
endif()
# CUDA builds of LibTorch: code that needs CUDA-only headers (allocator
# statistics for `bench`, freeing cached GPU memory) checks this define.
if(TORCH_CUDA_LIBRARIES)
  target_compile_definitions(fluxdesk_torch INTERFACE FLUXDESK_TORCH_CUDA=1)
endif()

add_library(fluxdesk_json INTERFACE)
if(nlohmann_json_FOUND)
  target_link_libraries(fluxdesk_json INTERFACE nlohmann_json::nlohmann_json)
endif()
if(FLUXDESK_THIRD_PARTY_INCLUDE)
  target_include_directories(fluxdesk_json SYSTEM INTERFACE ${FLUXDESK_THIRD_PARTY_INCLUDE})
endif()

# stb: header-only; our own implementation unit (core/pipeline/stb_impl.c)
# compiles the parts we use, so no libstb.so is needed on a GPU box.
find_path(FLUXDESK_STB_INCLUDE stb_image_write.h PATH_SUFFIXES stb
          HINTS ${FLUXDESK_THIRD_PARTY_INCLUDE} REQUIRED)
add_library(fluxdesk_stb INTERFACE)
target_include_directories(fluxdesk_stb SYSTEM INTERFACE ${FLUXDESK_STB_INCLUDE})

# sentencepiece: the T5 tokenizer and the demo model's tokenizer trainer.
find_path(FLUXDESK_SPM_INCLUDE sentencepiece_processor.h
          HINTS ${FLUXDESK_THIRD_PARTY_INCLUDE} REQUIRED)
find_library(FLUXDESK_SPM_LIB sentencepiece REQUIRED)
find_library(FLUXDESK_SPM_TRAIN_LIB sentencepiece_train REQUIRED)
# Only the shim libfluxdesk_spm.so (core/spm_shim) links sentencepiece: its
# bundled protobuf-lite clashes with LibTorch's libprotobuf in one symbol
# scope, so the engine loads the shim with dlopen(RTLD_DEEPBIND) instead.
add_library(fluxdesk_sentencepiece INTERFACE)
target_include_directories(fluxdesk_sentencepiece SYSTEM INTERFACE ${FLUXDESK_SPM_INCLUDE})
target_link_libraries(fluxdesk_sentencepiece INTERFACE ${CMAKE_DL_LIBS})

if(FLUXDESK_WITH_QT)
  find_package(Qt6 6.2 REQUIRED COMPONENTS Core Concurrent Gui Widgets Network Test)
  find_path(FLUXDESK_HTTPLIB_INCLUDE httplib.h HINTS ${FLUXDESK_THIRD_PARTY_INCLUDE} REQUIRED)
  add_library(fluxdesk_httplib INTERFACE)
  target_include_directories(fluxdesk_httplib SYSTEM INTERFACE ${FLUXDESK_HTTPLIB_INCLUDE})
  target_link_libraries(fluxdesk_httplib INTERFACE Threads::Threads)
  # Debian's libcpp-httplib-dev ships a split build: httplib.h holds only the
  # declarations, the code is in libcpp-httplib.so, compiled with OpenSSL,
  # zlib and Brotli. Link it and define the same macros, or class layouts
  # (e.g. Request::ssl) differ between our code and the library.
  file(STRINGS ${FLUXDESK_HTTPLIB_INCLUDE}/httplib.h _fd_httplib_inline_impl
       REGEX "inline bool Server::listen_internal" LIMIT_COUNT 1)
  if(NOT _fd_httplib_inline_impl)
    find_library(FLUXDESK_HTTPLIB_LIB cpp-httplib REQUIRED)
    target_link_libraries(fluxdesk_httplib INTERFACE ${FLUXDESK_HTTPLIB_LIB})
    target_compile_definitions(fluxdesk_httplib INTERFACE CPPHTTPLIB_OPENSSL_SUPPORT
                               CPPHTTPLIB_ZLIB_SUPPORT CPPHTTPLIB_BROTLI_SUPPORT)
  endif()
endif()

if(FLUXDESK_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
