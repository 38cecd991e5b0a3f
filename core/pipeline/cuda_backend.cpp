#include "pipeline/cuda_backend.h"

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "common/install_layout.h"

namespace fd {

namespace {

constexpr const char* kCudaLibrary = "libtorch_cuda.so";

struct BackendState {
  bool loaded = false;
  std::string status;
};

BackendState load() {
  BackendState state;
  if (const char* off = std::getenv("FLUXDESK_NO_CUDA"); off && *off && std::string(off) != "0") {
    state.status = "disabled by FLUXDESK_NO_CUDA";
    return state;
  }
  // An installed FluxDesk: its private library folder beside bin/ (where
  // the fluxdesk-cuda package puts the backend), and nowhere else: another
  // LibTorch on the system would not match ours. Otherwise (a build tree)
  // the executable's RUNPATH, which the dynamic loader searches for a bare
  // name: LibTorch's lib/.
  std::string path = kCudaLibrary;
  std::error_code ec;
  if (const auto privateDir = installedPrivateLibraryDir();
      !privateDir.empty() && std::filesystem::is_directory(privateDir, ec)) {
    path = (privateDir / kCudaLibrary).string();
    if (::access(path.c_str(), F_OK) != 0) {
      state.status = "not installed";
      return state;
    }
  }
  if (void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL)) {
    struct link_map* map = nullptr;  // where the loader found it
    if (::dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name && *map->l_name)
      path = map->l_name;
    state.loaded = true;
    state.status = "loaded from " + path;
    return state;
  }
  const char* why = ::dlerror();
  const std::string message = why ? why : "cannot load " + path;
  // Absent (a CPU-only installation) is normal; anything else (a library it
  // needs is missing or broken) is worth a line on stderr.
  if (path == kCudaLibrary && message.rfind(std::string(kCudaLibrary) + ":", 0) == 0) {
    state.status = "not installed";
    return state;
  }
  state.status = "failed to load: " + message;
  std::fprintf(stderr, "fluxdesk: the CUDA backend could not be loaded, running on the CPU (%s)\n",
               message.c_str());
  return state;
}

const BackendState& backend() {
  static std::once_flag once;
  static BackendState state;
  std::call_once(once, [] { state = load(); });
  return state;
}

// Before main(): nothing may ask LibTorch about CUDA before the backend is in.
[[maybe_unused]] const bool kLoadedAtStartup = loadCudaBackend();

}  // namespace

bool loadCudaBackend() { return backend().loaded; }

std::string cudaBackendStatus() { return backend().status; }

std::string cudaDeviceName(int index) {
  // The driver's C API is stable across versions; it is loaded already
  // whenever LibTorch has seen a GPU.
  void* driver = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (!driver) return {};
  using DeviceGet = int (*)(int*, int);
  using DeviceGetName = int (*)(char*, int, int);
  auto get = reinterpret_cast<DeviceGet>(::dlsym(driver, "cuDeviceGet"));
  auto getName = reinterpret_cast<DeviceGetName>(::dlsym(driver, "cuDeviceGetName"));
  std::string name;
  int device = 0;
  char text[256] = {};
  if (get && getName && get(&device, index) == 0 &&
      getName(text, int(sizeof text) - 1, device) == 0)
    name = text;
  ::dlclose(driver);
  return name;
}

}  // namespace fd
