#include "text/sentencepiece_library.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "common/install_layout.h"
#include "spm_shim/spm_api.h"

namespace fd {

namespace {

namespace fs = std::filesystem;

constexpr const char* kShimFileName = "libfluxdesk_spm.so";

// Where the shim is looked for: $FLUXDESK_SPM_SHIM, then beside the
// executable (an installed FluxDesk: its private library folder,
// common/install_layout.h; a build tree: app/../lib), then by name through the executable's RUNPATH
// (every program of a build tree has the build's lib/ on it: cmake/FluxDeskDependencies.cmake). No
// path of the build tree is compiled in.
std::vector<std::string> shimCandidates() {
  std::vector<std::string> paths;
  if (const char* env = std::getenv("FLUXDESK_SPM_SHIM"); env && *env) paths.emplace_back(env);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    paths.push_back((installedPrivateLibraryDir() / kShimFileName).string());
    paths.push_back((exe.parent_path() / kShimFileName).string());
    paths.push_back((exe.parent_path().parent_path() / "lib" / kShimFileName).string());
  }
  paths.emplace_back(kShimFileName);
  return paths;
}

int openFlags() {
  // DEEPBIND keeps sentencepiece bound to its own bundled protobuf. The
  // sanitizer runtimes refuse DEEPBIND; their builds do not load LibTorch's
  // protobuf next to it in practice, so plain local loading is enough there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return RTLD_NOW | RTLD_LOCAL;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
  return RTLD_NOW | RTLD_LOCAL;
#else
  return RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND;
#endif
#else
  return RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND;
#endif
}

// Loaded once per process and never unloaded (models may live until exit).
Result<const FdSpmApi*> shimApi() {
  static std::mutex mutex;
  static const FdSpmApi* api = nullptr;
  static std::string failure;
  std::lock_guard<std::mutex> lock(mutex);
  if (api) return api;
  if (!failure.empty()) return makeError(ErrorKind::Internal, failure);
  std::string tried;
  for (const auto& path : shimCandidates()) {
    const bool byName = path.find('/') == std::string::npos;
    if (!byName && ::access(path.c_str(), R_OK) != 0) {
      tried += "\n  " + path + " (absent)";
      continue;
    }
    void* handle = ::dlopen(path.c_str(), openFlags());
    if (!handle) {
      const char* why = ::dlerror();
      tried += "\n  " + path + " (" + (why ? why : "cannot load") + ")";
      continue;
    }
    auto entry = reinterpret_cast<const FdSpmApi* (*)()>(::dlsym(handle, "fd_spm_api"));
    const FdSpmApi* table = entry ? entry() : nullptr;
    if (!table || table->version != kFdSpmApiVersion) {
      tried += "\n  " + path + " (not a FluxDesk sentencepiece shim of this version)";
      continue;
    }
    api = table;
    return api;
  }
  failure = std::string("cannot load FluxDesk's sentencepiece library ") + kShimFileName +
            " (needed by the T5 tokenizer); looked at:" + tried;
  return makeError(ErrorKind::Internal, failure);
}

}  // namespace

Result<std::shared_ptr<const SentencePieceModel>> SentencePieceModel::create(
    const std::string& source, bool isPath) {
  auto api = shimApi();
  if (!api) return api.error();
  void* processor = (*api)->create();
  std::string error;
  const bool loaded = isPath ? (*api)->loadFile(processor, source, &error)
                             : (*api)->loadSerialized(processor, source, &error);
  if (!loaded) {
    (*api)->destroy(processor);
    return makeError(ErrorKind::ModelInvalid, (isPath ? source : std::string("the data")) +
                                                  " is not a sentencepiece model: " + error);
  }
  return std::shared_ptr<const SentencePieceModel>(new SentencePieceModel(*api, processor));
}

Result<std::shared_ptr<const SentencePieceModel>> SentencePieceModel::fromFile(
    const std::string& path) {
  return create(path, true);
}

Result<std::shared_ptr<const SentencePieceModel>> SentencePieceModel::fromSerialized(
    const std::string& bytes) {
  return create(bytes, false);
}

SentencePieceModel::~SentencePieceModel() { api_->destroy(processor_); }

int SentencePieceModel::pieceSize() const { return api_->pieceSize(processor_); }
int SentencePieceModel::eosId() const { return api_->eosId(processor_); }
int SentencePieceModel::padId() const { return api_->padId(processor_); }
int SentencePieceModel::unkId() const { return api_->unkId(processor_); }
int SentencePieceModel::bosId() const { return api_->bosId(processor_); }
std::string SentencePieceModel::idToPiece(int id) const { return api_->idToPiece(processor_, id); }

Status SentencePieceModel::encode(std::string_view text, std::vector<int>& ids) const {
  std::string error;
  if (!api_->encode(processor_, std::string(text), &ids, &error))
    return makeError(ErrorKind::Internal, "sentencepiece could not encode the text: " + error);
  return Status::success();
}

Result<std::string> trainSentencePiece(const std::string& args,
                                       const std::vector<std::string>& lines, unsigned seed) {
  auto api = shimApi();
  if (!api) return api.error();
  std::string model, error;
  if (!(*api)->train(args, lines, seed, &model, &error))
    return makeError(ErrorKind::Internal, "training a sentencepiece model failed: " + error);
  return model;
}

}  // namespace fd
