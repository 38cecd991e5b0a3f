#include "common/install_layout.h"

#include <system_error>

#ifndef FLUXDESK_PRIVATE_LIBDIR
#error "FLUXDESK_PRIVATE_LIBDIR comes from cmake/FluxDeskInstallLayout.cmake"
#endif

namespace fd {

std::filesystem::path installedPrivateLibraryDir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path().parent_path() / FLUXDESK_PRIVATE_LIBDIR;
}

}  // namespace fd
