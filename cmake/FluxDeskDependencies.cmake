# Third-party dependencies. LibTorch comes from PyPI's torch wheel in the
# project's virtual environment (.venv, made by scripts/install-python-env.sh);
# everything else from Debian 12 packages. On another machine LibTorch may
# come from CMAKE_PREFIX_PATH / Torch_DIR instead, and the header-only pieces
# from FLUXDESK_THIRD_PARTY_INCLUDE.

set(FLUXDESK_THIRD_PARTY_INCLUDE "" CACHE PATH
    "Extra include folder for header-only dependencies (nlohmann, stb, httplib)")
set(FLUXDESK_VENV "${CMAKE_SOURCE_DIR}/.venv" CACHE PATH
    "Virtual environment holding the torch wheel (LibTorch) and the Python test clients")
set(FLUXDESK_VENV_PYTHON "${FLUXDESK_VENV}/bin/python")

# The oldest LibTorch the engine is written for: fused scaled_dot_product_attention
# with masks on CPU and CUDA, bfloat16 CPU kernels that accumulate in float32
# where oneDNN is used, and the CXX11 ABI in PyPI's wheels.
set(FLUXDESK_MIN_TORCH_VERSION 2.4)
file(GLOB _fd_venv_torch_cmake "${FLUXDESK_VENV}/lib/python3*/site-packages/torch/share/cmake")
if(_fd_venv_torch_cmake AND NOT Torch_DIR)
  list(GET _fd_venv_torch_cmake 0 _fd_venv_torch_cmake)
  list(PREPEND CMAKE_PREFIX_PATH "${_fd_venv_torch_cmake}")
endif()
# LibTorch's CUDA build looks for the CUDA toolkit (nvcc, cudart, cuBLAS
# headers); the toolkit's default home is /usr/local/cuda.
if(NOT CUDA_TOOLKIT_ROOT_DIR AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CUDA_TOOLKIT_ROOT_DIR /usr/local/cuda CACHE PATH "CUDA toolkit")
endif()
find_package(Torch REQUIRED)
if(Torch_VERSION AND Torch_VERSION VERSION_LESS FLUXDESK_MIN_TORCH_VERSION)
  message(FATAL_ERROR "FluxDesk needs LibTorch >= ${FLUXDESK_MIN_TORCH_VERSION}, found ${Torch_VERSION} "
                      "(${Torch_DIR}); run scripts/install-python-env.sh")
endif()
message(STATUS "FluxDesk: LibTorch ${Torch_VERSION} from ${Torch_DIR}")
find_package(Threads REQUIRED)
find_package(CURL REQUIRED)      # Debian: libcurl4-openssl-dev
find_package(OpenSSL REQUIRED)   # Debian: libssl-dev (sha256 of downloaded files)
find_package(nlohmann_json 3 QUIET)

# Wrap LibTorch's variables once in an interface target.
#
# Link: LibTorch's CPU libraries only (libtorch_cpu, libc10). A CUDA build's
# libtorch_cuda.so (and the CUDA libraries it needs) is loaded at run time
# when present (core/pipeline/cuda_backend.h), so the same binaries run on a
# machine without them (the fluxdesk .deb without fluxdesk-cuda). Engine code
# reaches CUDA only through LibTorch's device-generic API, never CUDA headers.
# Compile: as against the whole of LibTorch (its CUDA targets' definitions
# and include folders too), as LibTorch itself was built.
add_library(fluxdesk_torch INTERFACE)
if(TARGET torch_cpu_library AND TARGET c10)
  target_link_libraries(fluxdesk_torch INTERFACE torch_cpu_library c10)
  target_compile_features(fluxdesk_torch INTERFACE $<TARGET_PROPERTY:torch,INTERFACE_COMPILE_FEATURES>)
  target_compile_options(fluxdesk_torch INTERFACE $<TARGET_PROPERTY:torch,INTERFACE_COMPILE_OPTIONS>)
  if(TARGET torch_cuda)
    target_compile_definitions(fluxdesk_torch INTERFACE $<TARGET_PROPERTY:torch_cuda,INTERFACE_COMPILE_DEFINITIONS>)
  endif()
else()  # a static LibTorch: everything in one link
  target_link_libraries(fluxdesk_torch INTERFACE ${TORCH_LIBRARIES})
endif()
target_include_directories(fluxdesk_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
if(TARGET torch::cudart)
  target_include_directories(fluxdesk_torch SYSTEM INTERFACE $<TARGET_PROPERTY:torch::cudart,INTERFACE_INCLUDE_DIRECTORIES>)
endif()
if(TORCH_CXX_FLAGS)
  separate_arguments(_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  target_compile_options(fluxdesk_torch INTERFACE ${_torch_flags})
endif()
# PyPI's CUDA wheel finds its CUDA libraries (cuBLAS, cuDNN, NCCL, the CUDA
# runtime, from the nvidia-* wheels) through its own RPATH, in folders beside
# torch/. Our binaries must resolve them there too, at link time and at run
# time, ahead of an installed CUDA toolkit's older copies (/usr/local/cuda/lib
# is in ld.so.conf and has, e.g., an older NCCL). The run-time path is the
# build tree's RPATH only (CMAKE_BUILD_RPATH): installed binaries get
# $ORIGIN-relative ones instead (cmake/FluxDeskPackaging.cmake), and the
# folder of FluxDesk's own shared libraries (the sentencepiece shim) is on it
# too, so that programs anywhere in the build tree find them by name.
get_filename_component(_fd_torch_site "${TORCH_INSTALL_PREFIX}/.." ABSOLUTE)
file(GLOB _fd_wheel_cuda_libs LIST_DIRECTORIES true "${_fd_torch_site}/nvidia/*/lib")
list(APPEND CMAKE_BUILD_RPATH "${CMAKE_BINARY_DIR}/lib" "${TORCH_INSTALL_PREFIX}/lib" ${_fd_wheel_cuda_libs})
if(_fd_wheel_cuda_libs)
  list(JOIN _fd_wheel_cuda_libs ":" _fd_wheel_cuda_path)
  target_link_options(fluxdesk_torch INTERFACE "LINKER:-rpath-link,${_fd_wheel_cuda_path}")
endif()
# CUDA builds of LibTorch (libtorch_cuda.so is loaded at run time when present).
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

# libwebp (Debian's libwebp-dev): WebP answers of the HTTP API and WebP
# input images. Required with Qt (the API needs it); an engine-only build
# on a machine without it reads and writes PNG and JPEG only.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(FLUXDESK_WEBP QUIET IMPORTED_TARGET libwebp)
endif()
add_library(fluxdesk_webp INTERFACE)
if(FLUXDESK_WEBP_FOUND)
  target_link_libraries(fluxdesk_webp INTERFACE PkgConfig::FLUXDESK_WEBP)
  target_compile_definitions(fluxdesk_webp INTERFACE FLUXDESK_HAVE_WEBP=1)
elseif(FLUXDESK_WITH_QT)
  message(FATAL_ERROR "libwebp was not found: install libwebp-dev (scripts/install-deps.sh does)")
endif()

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
endif()

# cpp-httplib: the API server (Qt builds) and the tests' mock hub (all builds).
include(FluxDeskHttplib)

if(FLUXDESK_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
