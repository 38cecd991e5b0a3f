# Installation layout and the Debian packages (CPack, DEB generator), made by
# scripts/package.sh:
#
#   fluxdesk       fluxdesk and fluxdesk-cli in /usr/bin; LibTorch's CPU
#                  libraries (libtorch_cpu, libc10 and what they need from the
#                  wheels) and the sentencepiece shim in the private folder
#                  /usr/lib/<triplet>/fluxdesk; desktop entry, hicolor icons, AppStream
#                  metainfo, man pages. Runs on the CPU on any amd64 machine.
#   fluxdesk-cuda  LibTorch's CUDA backend (libtorch_cuda, libc10_cuda) and
#                  the NVIDIA libraries it needs (cuBLAS, cuDNN, NCCL, ...),
#                  in the same private folder. The programs load it at start
#                  when it is there (core/pipeline/cuda_backend.h); only
#                  with a CUDA build of LibTorch.
#
# Installed programs find their libraries through RUNPATH
# $ORIGIN/../lib/<triplet>/fluxdesk (FluxDeskInstallLayout.cmake), the
# private libraries each other through $ORIGIN: nothing points into the
# build tree or the virtual environment.
# Depends: is computed by dpkg-shlibdeps from the system libraries the
# files link (Qt, sentencepiece, libcurl, ...).

set(FLUXDESK_APP_ID io.github.fluxdesk.FluxDesk)
set(_fd_pkg ${CMAKE_SOURCE_DIR}/packaging)
set(_fd_site "${_fd_torch_site}")          # site-packages holding torch/ and nvidia/

# --- programs and FluxDesk's own library
set(_fd_programs fluxdesk-cli)
if(TARGET fluxdesk)
  list(APPEND _fd_programs fluxdesk)
endif()
set_target_properties(${_fd_programs} PROPERTIES INSTALL_RPATH "$ORIGIN/../${FLUXDESK_PRIVATE_LIBDIR}")
install(TARGETS ${_fd_programs} RUNTIME DESTINATION bin COMPONENT main)
install(TARGETS fluxdesk_spm_shim LIBRARY DESTINATION ${FLUXDESK_PRIVATE_LIBDIR} COMPONENT main
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# --- LibTorch's libraries from the wheels (at install time: they are read
# where the build found them)
set(_fd_needs_of "")
foreach(_fd_target ${_fd_programs} fluxdesk_spm_shim)
  string(APPEND _fd_needs_of " \"$<TARGET_FILE:${_fd_target}>\"")
endforeach()
install(CODE "include(\"${CMAKE_CURRENT_LIST_DIR}/FluxDeskPrivateLibs.cmake\")
fluxdesk_install_private_libs(DEST \"${FLUXDESK_PRIVATE_LIBDIR}\" DOC share/doc/fluxdesk SITE \"${_fd_site}\"
                              STRIP \"${CMAKE_STRIP}\" BINARIES ${_fd_needs_of})" COMPONENT main)

set(FLUXDESK_PACKAGE_CUDA OFF)
if(TARGET torch_cuda AND EXISTS "${TORCH_INSTALL_PREFIX}/lib/libtorch_cuda.so")
  set(FLUXDESK_PACKAGE_CUDA ON)
  # libtorch_cuda.so and what it needs, plus what LibTorch and the NVIDIA
  # libraries open themselves when used: the CUDA linear algebra and NVRTC
  # parts of LibTorch, cuDNN's engine libraries, NVRTC's builtins, nvJitLink.
  file(GLOB _fd_cuda_roots
       "${TORCH_INSTALL_PREFIX}/lib/libtorch_cuda.so"
       "${TORCH_INSTALL_PREFIX}/lib/libtorch_cuda_linalg.so"
       "${TORCH_INSTALL_PREFIX}/lib/libcaffe2_nvrtc.so"
       "${_fd_site}/nvidia/cudnn/lib/libcudnn_*.so.*"
       "${_fd_site}/nvidia/*/lib/libnvrtc-builtins.so.*"
       "${_fd_site}/nvidia/*/lib/libnvJitLink.so.*")
  set(_fd_cuda_roots_quoted "")
  foreach(_fd_root ${_fd_cuda_roots})
    string(APPEND _fd_cuda_roots_quoted " \"${_fd_root}\"")
  endforeach()
  install(CODE "include(\"${CMAKE_CURRENT_LIST_DIR}/FluxDeskPrivateLibs.cmake\")
fluxdesk_install_private_libs(DEST \"${FLUXDESK_PRIVATE_LIBDIR}\" DOC share/doc/fluxdesk-cuda SITE \"${_fd_site}\"
                              STRIP \"${CMAKE_STRIP}\" ROOTS ${_fd_cuda_roots_quoted} SKIP_NEEDS_OF ${_fd_needs_of})" COMPONENT cuda)
  install(FILES ${_fd_pkg}/debian/copyright DESTINATION share/doc/fluxdesk-cuda COMPONENT cuda)
endif()

# --- desktop integration: desktop entry, AppStream metainfo, icons (PNGs
# rendered from the SVG with rsvg-convert, Debian's librsvg2-bin)
install(FILES ${_fd_pkg}/linux/${FLUXDESK_APP_ID}.desktop DESTINATION share/applications COMPONENT main)
install(FILES ${_fd_pkg}/linux/${FLUXDESK_APP_ID}.metainfo.xml DESTINATION share/metainfo COMPONENT main)
install(FILES ${_fd_pkg}/linux/${FLUXDESK_APP_ID}.svg DESTINATION share/icons/hicolor/scalable/apps COMPONENT main)
find_program(FLUXDESK_RSVG_CONVERT rsvg-convert)
set(_fd_icon_outputs "")
foreach(_fd_size 16 22 24 32 48 64 128 256 512)
  set(_fd_png ${CMAKE_BINARY_DIR}/packaging/icons/${_fd_size}x${_fd_size}/${FLUXDESK_APP_ID}.png)
  if(FLUXDESK_RSVG_CONVERT)
    add_custom_command(OUTPUT ${_fd_png}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging/icons/${_fd_size}x${_fd_size}
      COMMAND ${FLUXDESK_RSVG_CONVERT} -w ${_fd_size} -h ${_fd_size} -o ${_fd_png} ${_fd_pkg}/linux/${FLUXDESK_APP_ID}.svg
      DEPENDS ${_fd_pkg}/linux/${FLUXDESK_APP_ID}.svg
      COMMENT "Rendering the ${_fd_size}x${_fd_size} icon" VERBATIM)
    list(APPEND _fd_icon_outputs ${_fd_png})
  endif()
  install(FILES ${_fd_png} DESTINATION share/icons/hicolor/${_fd_size}x${_fd_size}/apps COMPONENT main OPTIONAL)
endforeach()
if(FLUXDESK_RSVG_CONVERT)
  add_custom_target(fluxdesk_icons ALL DEPENDS ${_fd_icon_outputs})
else()
  add_custom_target(fluxdesk_icons COMMAND ${CMAKE_COMMAND} -E echo
    "rsvg-convert (Debian: librsvg2-bin) is needed to render the icons: scripts/install-deps.sh" COMMAND false)
endif()

# --- man pages (written in roff: packaging/man), compressed as Debian wants,
# and the package documentation
set(_fd_man_outputs "")
foreach(_fd_page fluxdesk.1 fluxdesk-cli.1)
  set(_fd_gz ${CMAKE_BINARY_DIR}/packaging/man/${_fd_page}.gz)
  add_custom_command(OUTPUT ${_fd_gz}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging/man
    COMMAND sh -c "gzip -9n -c '${_fd_pkg}/man/${_fd_page}' > '${_fd_gz}'"
    DEPENDS ${_fd_pkg}/man/${_fd_page} VERBATIM)
  list(APPEND _fd_man_outputs ${_fd_gz})
  install(FILES ${_fd_gz} DESTINATION share/man/man1 COMPONENT main)
endforeach()
set(_fd_changelog ${CMAKE_BINARY_DIR}/packaging/changelog.gz)
add_custom_command(OUTPUT ${_fd_changelog}
  COMMAND sh -c "gzip -9n -c '${_fd_pkg}/debian/changelog' > '${_fd_changelog}'"
  DEPENDS ${_fd_pkg}/debian/changelog VERBATIM)
add_custom_target(fluxdesk_docs ALL DEPENDS ${_fd_man_outputs} ${_fd_changelog})
install(FILES ${_fd_pkg}/debian/copyright DESTINATION share/doc/fluxdesk COMPONENT main)
install(FILES ${_fd_changelog} DESTINATION share/doc/fluxdesk COMPONENT main)
if(FLUXDESK_PACKAGE_CUDA)
  install(FILES ${_fd_changelog} DESTINATION share/doc/fluxdesk-cuda COMPONENT cuda)
endif()

# Everything a package needs built (scripts/package.sh, tests/packaging).
add_custom_target(fluxdesk_package_inputs)
add_dependencies(fluxdesk_package_inputs ${_fd_programs} fluxdesk_spm_shim fluxdesk_icons fluxdesk_docs)

# --- CPack: one .deb per component
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME fluxdesk)
set(CPACK_PACKAGE_VENDOR "FluxDesk")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "FluxDesk developers <fluxdesk@users.noreply.github.com>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)            # our programs, and LibTorch's libraries (not NVIDIA's): FluxDeskPrivateLibs.cmake
set(CPACK_THREADS 0)                 # compress on every core
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL main)
if(FLUXDESK_PACKAGE_CUDA)
  list(APPEND CPACK_COMPONENTS_ALL cuda)
endif()
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/fluxdesk/FluxDesk")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Depends: from dpkg-shlibdeps; the private folder holds libraries it has no
# package information for (our own and the wheels'), which is expected there.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "usr/${FLUXDESK_PRIVATE_LIBDIR}")

set(CPACK_DEBIAN_MAIN_PACKAGE_NAME fluxdesk)
set(CPACK_DEBIAN_MAIN_FILE_NAME DEB-DEFAULT)
# Qt's X11 platform plugin comes with libqt6gui6 (a shlibdeps dependency);
# these add native Wayland windows, the desktop's platform theme and input
# methods, and WebP export.
set(CPACK_DEBIAN_MAIN_PACKAGE_RECOMMENDS "qt6-wayland, qt6-qpa-plugins, qt6-image-formats-plugins")
if(FLUXDESK_PACKAGE_CUDA)
  set(CPACK_DEBIAN_MAIN_PACKAGE_SUGGESTS "fluxdesk-cuda")
endif()
set(CPACK_DEBIAN_MAIN_DESCRIPTION "FLUX.1 [schnell] text-to-image on your own computer
FluxDesk runs Black Forest Labs' FLUX.1 [schnell] text-to-image model
locally: a Qt desktop application, the fluxdesk-cli command-line tool and a
localhost OpenAI-compatible image API, on one C++/LibTorch engine. It reads
the official safetensors weights, ComfyUI single files and GGUF quantized
files, and downloads them from the Hugging Face hub into the shared cache.

This package runs on the CPU. Install fluxdesk-cuda as well to run on an
NVIDIA GPU.")

set(CPACK_DEBIAN_CUDA_PACKAGE_NAME fluxdesk-cuda)
set(CPACK_DEBIAN_CUDA_FILE_NAME DEB-DEFAULT)
# NVIDIA's libraries need only the C and C++ runtimes and the driver's
# libcuda.so.1 (which comes with the NVIDIA driver, packaged in many ways),
# so their dependencies are stated here rather than computed.
set(CPACK_DEBIAN_CUDA_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_CUDA_PACKAGE_DEPENDS "fluxdesk (= ${PROJECT_VERSION}), libc6 (>= 2.34), libstdc++6 (>= 12), libgcc-s1")
set(CPACK_DEBIAN_CUDA_DESCRIPTION "NVIDIA GPU support for FluxDesk
LibTorch's CUDA backend and the NVIDIA CUDA libraries it uses (cuBLAS,
cuDNN, cuFFT, cuSPARSE, NCCL, NVRTC), from the PyPI wheels FluxDesk is
built with, for FluxDesk's private library folder. FluxDesk loads them at
start when this package is installed and runs on the GPU; it needs the
NVIDIA driver (libcuda.so.1) of CUDA 13 or newer.")

include(CPack)
