// libfluxdesk_spm.so: sentencepiece behind a function table (see spm_api.h
// for why). Built with hidden visibility; only fd_spm_api is exported.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <mutex>

#include "spm_shim/spm_api.h"

// Exported by libsentencepiece (src/common.h) but not in its installed
// headers: quiets the trainer, including the line it logs before it reads
// --minloglevel.
namespace sentencepiece::logging {
void SetMinLogLevel(int level);
int GetMinLogLevel();
}  // namespace sentencepiece::logging

namespace {

using sentencepiece::SentencePieceProcessor;

SentencePieceProcessor* P(void* p) { return static_cast<SentencePieceProcessor*>(p); }
const SentencePieceProcessor* P(const void* p) {
  return static_cast<const SentencePieceProcessor*>(p);
}

bool check(const sentencepiece::util::Status& status, std::string* error) {
  if (status.ok()) return true;
  if (error) *error = status.ToString();
  return false;
}

class Lines : public sentencepiece::SentenceIterator {
 public:
  explicit Lines(const std::vector<std::string>& lines) : lines_(lines) {}
  bool done() const override { return next_ >= lines_.size(); }
  void Next() override { ++next_; }
  const std::string& value() const override { return lines_[next_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& lines_;
  size_t next_ = 0;
};

bool train(const std::string& args, const std::vector<std::string>& lines, unsigned seed,
           std::string* model, std::string* error) {
  // The trainer's seed and log level are process-wide: one training at a time.
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  sentencepiece::SetRandomGeneratorSeed(seed);
  const int logLevel = sentencepiece::logging::GetMinLogLevel();
  sentencepiece::logging::SetMinLogLevel(2);
  Lines iterator(lines);
  const bool ok = check(sentencepiece::SentencePieceTrainer::Train(args, &iterator, model), error);
  sentencepiece::logging::SetMinLogLevel(logLevel);
  return ok;
}

const FdSpmApi kApi = {
    kFdSpmApiVersion,
    [] { return static_cast<void*>(new SentencePieceProcessor()); },
    [](void* p) { delete P(p); },
    [](void* p, const std::string& path, std::string* error) {
      return check(P(p)->Load(path), error);
    },
    [](void* p, const std::string& bytes, std::string* error) {
      return check(P(p)->LoadFromSerializedProto(bytes), error);
    },
    [](const void* p) { return P(p)->GetPieceSize(); },
    [](const void* p) { return P(p)->eos_id(); },
    [](const void* p) { return P(p)->pad_id(); },
    [](const void* p) { return P(p)->unk_id(); },
    [](const void* p) { return P(p)->bos_id(); },
    [](const void* p, int id) { return P(p)->IdToPiece(id); },
    [](const void* p, const std::string& text, std::vector<int>* ids, std::string* error) {
      return check(P(p)->Encode(text, ids), error);
    },
    train,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const FdSpmApi* fd_spm_api() { return &kApi; }
