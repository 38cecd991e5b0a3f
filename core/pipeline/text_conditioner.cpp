#include "pipeline/text_conditioner.h"

namespace fd {

namespace {

// Moves the text encoders to the compute device for the duration of one
// encoding, and back to their home (the CPU) even when encoding throws.
class EncodersOnDevice {
 public:
  EncodersOnDevice(LoadedModels& m, const Placement& p)
      : m_(m), p_(p), moved_(p.textHome != p.device) {
    // On the CPU: the transformer's mapped pages make way for the encoders'.
    if (releasesPages()) m_.releaseTransformerPages();
    if (!moved_) return;
    m_.clip->to(p_.device);
    m_.t5->to(p_.device);
  }
  ~EncodersOnDevice() {
    // On the CPU the encoders' weights are (mostly) views of the mapped
    // files: hand their pages back so the transformer's fit beside them.
    if (releasesPages()) m_.releaseTextEncoderPages();
    if (!moved_) return;
    try {
      m_.clip->to(p_.textHome);
      m_.t5->to(p_.textHome);
    } catch (...) {
      // Moving back to the CPU only fails when host memory is exhausted;
      // the next encode moves them again.
    }
  }
  EncodersOnDevice(const EncodersOnDevice&) = delete;
  bool releasesPages() const {
    return p_.memory == MemoryMode::OffloadText && !p_.device.is_cuda();
  }
  EncodersOnDevice& operator=(const EncodersOnDevice&) = delete;

 private:
  LoadedModels& m_;
  const Placement& p_;
  bool moved_;
};

torch::Tensor idsTensor(const std::vector<int64_t>& ids) {
  return torch::tensor(ids, torch::kInt64).unsqueeze(0);  // (1, L)
}

}  // namespace

TextConditioner::TextConditioner(LoadedModels& models, const Placement& placement, int t5MaxLength,
                                 size_t cacheSize)
    : models_(models), placement_(placement), t5MaxLength_(t5MaxLength), cacheSize_(cacheSize) {}

Result<EncodedPrompt> TextConditioner::encode(const std::string& prompt) {
  for (auto it = cache_.begin(); it != cache_.end(); ++it) {
    if (it->first != prompt) continue;
    cache_.splice(cache_.begin(), cache_, it);  // most recently used first
    EncodedPrompt hit = cache_.front().second;
    hit.cacheHit = true;
    return hit;
  }
  auto encoded = runEncoders(prompt);
  if (!encoded) return encoded.error();
  cache_.emplace_front(prompt, encoded.value());
  while (cache_.size() > cacheSize_) cache_.pop_back();
  return encoded;
}

Result<EncodedPrompt> TextConditioner::runEncoders(const std::string& prompt) {
  auto clipIds = models_.clipTokenizer->encode(prompt, ClipTokenizer::kDefaultMaxLength);
  if (!clipIds) return makeError(ErrorKind::BadRequest, "prompt: " + clipIds.error().message);
  auto t5Ids = models_.t5Tokenizer->encode(prompt, t5MaxLength_);
  if (!t5Ids) return makeError(ErrorKind::BadRequest, "prompt: " + t5Ids.error().message);

  EncodedPrompt out;
  out.report.clipTokens = clipIds->untruncatedLength;
  out.report.clipLimit = ClipTokenizer::kDefaultMaxLength;
  out.report.clipTruncated = clipIds->truncated;
  out.report.t5Tokens = t5Ids->untruncatedLength;
  out.report.t5Limit = t5MaxLength_;
  out.report.t5Truncated = t5Ids->truncated;

  torch::NoGradGuard noGrad;
  EncodersOnDevice onDevice(models_, placement_);
  const auto target = torch::TensorOptions()
                          .dtype(placement_.computeDtype(placement_.fluxDtype))
                          .device(placement_.device);
  auto clip = models_.clip->forward(idsTensor(clipIds->ids));
  out.conditioning.vec = clip.pooler_output.to(target);  // (1, clip hidden)
  out.conditioning.txt = models_.t5->forward(idsTensor(t5Ids->ids))
                             .last_hidden_state.to(target);  // (1, L_t5, d_model)
  return out;
}

}  // namespace fd
