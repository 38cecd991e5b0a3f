#pragma once
// The private library folder of an installed FluxDesk
// (cmake/FluxDeskInstallLayout.cmake), found from the running executable:
// <prefix>/bin/fluxdesk -> <prefix>/lib/<triplet>/fluxdesk.

#include <filesystem>

namespace fd {

// <folder of the executable>/../<that folder>; empty when /proc/self/exe
// cannot be read. It exists only in an installed FluxDesk.
std::filesystem::path installedPrivateLibraryDir();

}  // namespace fd
