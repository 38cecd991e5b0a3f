# Where an installed FluxDesk keeps its private libraries (LibTorch, the
# sentencepiece shim, the CUDA backend), under the install prefix. The
# packages (FluxDeskPackaging.cmake) install there and set RUNPATH to it;
# the engine opens the shim and the CUDA backend from there
# (core/common/install_layout.cpp). Defined once, here.
#
# Debian's multiarch folder for private libraries, /usr/lib/<triplet>/fluxdesk
# (Debian Policy 10.2: a subfolder of /usr/lib). Outside the dynamic
# loader's default folders, so the package needs no ldconfig call: CPack adds
# one for any library directly below /usr/lib/<name>, and those maintainer
# scripts would also keep the package from installing into a scratch root as
# an ordinary user.
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(FLUXDESK_PRIVATE_LIBDIR lib/${CMAKE_LIBRARY_ARCHITECTURE}/fluxdesk)
else()
  set(FLUXDESK_PRIVATE_LIBDIR lib/fluxdesk)
endif()
