#include "pipeline/model_loader.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pipeline/pipeline_errors.h"
#include "tensor/packed_weight.h"
#include "tensor/weight_loading.h"
#include "weights/checkpoint.h"

namespace fd {

namespace {

std::string readText(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

uint64_t bytesOf(const ComponentFiles& c) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& f : c.files) {
    auto size = std::filesystem::file_size(f, ec);
    if (!ec) total += size;
  }
  return total;
}

std::string joined(const std::vector<std::string>& files) {
  std::string out;
  for (const auto& f : files) out += (out.empty() ? "" : ", ") + f;
  return out;
}

// Reports loading progress as a fraction of the bytes to read.
class LoadProgress {
 public:
  LoadProgress(const ProgressCallback& callback, uint64_t totalBytes)
      : callback_(callback), total_(totalBytes) {}
  void report(const std::string& message) const {
    if (!callback_) return;
    Progress p;
    p.stage = Stage::Loading;
    p.fraction = total_ ? std::min(1.0, double(done_) / double(total_)) : 0.0;
    p.message = message;
    callback_(p);
  }
  void advance(uint64_t bytes) { done_ += bytes; }

 private:
  const ProgressCallback& callback_;
  uint64_t total_;
  uint64_t done_ = 0;
};

struct MappedWeights {
  Checkpoint checkpoint;
  WeightMap map;
  std::string configJson;
};

using MapFunction = Result<WeightMap> (*)(const Checkpoint&);

Result<MappedWeights> openAndMap(const ComponentFiles& c, MapFunction map) {
  auto checkpoint = Checkpoint::open(c.path);
  if (!checkpoint) return checkpoint.error();
  auto weights = map(*checkpoint);
  if (!weights) return weights.error();
  return MappedWeights{std::move(checkpoint.value()), std::move(weights.value()),
                       readText(c.configPath)};
}

// The storage type that holds most of a component's bytes when it is kept
// packed (ggml blocks, float8), e.g. "q4_K"; else nullopt.
std::optional<DType> packedStorage(const WeightMap& weights) {
  std::map<DType, uint64_t> bytes;
  for (const auto& [name, recipe] : weights.recipes())
    for (const auto& part : recipe.parts) bytes[part.info->dtype] += part.info->byteSize();
  std::optional<DType> top;
  for (const auto& [type, count] : bytes)
    if (!top || count > bytes[*top]) top = type;
  if (top && keepsPacked(*top)) return top;
  return std::nullopt;
}

ComponentReport reportFor(const std::string& name, const ComponentFiles& c,
                          const torch::Device& device, torch::ScalarType dtype,
                          torch::ScalarType compute, const WeightMap& weights) {
  if (auto packed = packedStorage(weights))  // e.g. "q4_K", computed in bfloat16
    return ComponentReport{name,
                           joined(c.files),
                           deviceName(device),
                           dtypeDisplayName(*packed),
                           dtypeName(compute),
                           weights.parameterCount()};
  return ComponentReport{name,
                         joined(c.files),
                         deviceName(device),
                         dtypeName(dtype),
                         compute == dtype ? std::string() : dtypeName(compute),
                         weights.parameterCount()};
}

// Loading touched the pages of every tensor it converted (and, for a GPU,
// copied): hand them back. Tensors used in place as views of the mapping
// fault their pages in again when first used.
void releaseLoadedPages(const MappedWeights& w) { w.checkpoint.releasePages(); }

Error mismatch(const std::string& what) {
  return makeError(ErrorKind::ModelInvalid, what + " (are all files from the same model?)");
}

// Components must agree on the sizes they hand each other.
Status checkCompatible(const LoadedModels& m) {
  const auto& flux = m.flux->params();
  const auto& t5 = m.t5->params();
  const auto& clip = m.clip->params();
  const auto& ae = m.autoencoder->params();
  if (flux.context_in_dim != t5.d_model)
    return mismatch("the transformer expects T5 features of " +
                    std::to_string(flux.context_in_dim) + " values, but the T5 encoder gives " +
                    std::to_string(t5.d_model));
  if (flux.vec_in_dim != clip.hidden_size)
    return mismatch("the transformer expects a pooled CLIP vector of " +
                    std::to_string(flux.vec_in_dim) + " values, but the CLIP encoder gives " +
                    std::to_string(clip.hidden_size));
  if (flux.in_channels != 4 * ae.z_channels || flux.out_channels != 4 * ae.z_channels)
    return mismatch("the transformer works on " + std::to_string(flux.in_channels) +
                    " packed latent channels, but the autoencoder has " +
                    std::to_string(ae.z_channels) +
                    " latent channels (x4 = " + std::to_string(4 * ae.z_channels) + ")");
  if (m.t5Tokenizer->vocabularySize() > t5.vocab_size)
    return mismatch("the T5 tokenizer has " + std::to_string(m.t5Tokenizer->vocabularySize()) +
                    " ids, but the T5 encoder embeds only " + std::to_string(t5.vocab_size));
  if (m.clipTokenizer->endId() >= clip.vocab_size || m.clipTokenizer->startId() >= clip.vocab_size)
    return mismatch("the CLIP tokenizer's special ids (" +
                    std::to_string(m.clipTokenizer->startId()) + ", " +
                    std::to_string(m.clipTokenizer->endId()) + ") are outside the CLIP encoder's " +
                    std::to_string(clip.vocab_size) + " embeddings");
  return Status::success();
}

std::string spieceFile(const ComponentFiles& c) {
  for (const auto& f : c.files)
    if (std::filesystem::path(f).filename() == "spiece.model") return f;
  return (std::filesystem::path(c.path) / "spiece.model").string();
}

Result<LoadedModels> loadAll(const ModelLocation& location, Placement& placement, MemoryMode memory,
                             const ProgressCallback& callback, FailureContext& context) {
  LoadedModels m;
  context.stage = "finding the model files";
  if (callback) {
    Progress p;
    p.message = "finding model files in " +
                (location.folder.empty() ? std::string("the given files") : location.folder);
    callback(p);
  }
  auto files = discoverModelFiles(location);
  if (!files) return files.error();
  m.files = std::move(files.value());
  if (!m.files.modelIndexPath.empty()) m.card = readModelCard(readText(m.files.modelIndexPath));

  LoadProgress progress(callback, bytesOf(m.files.transformer) + bytesOf(m.files.autoencoder) +
                                      bytesOf(m.files.clip) + bytesOf(m.files.t5));
  resolveMemoryMode(placement, memory,
                    WeightBytes{bytesOf(m.files.transformer), bytesOf(m.files.autoencoder),
                                bytesOf(m.files.clip) + bytesOf(m.files.t5)});
  context.memory = placement.memory;

  context.stage = "loading the tokenizers";
  progress.report("loading tokenizers");
  auto clipTokenizer = ClipTokenizer::fromFolder(m.files.clipTokenizer.path);
  if (!clipTokenizer) return clipTokenizer.error();
  m.clipTokenizer.emplace(std::move(clipTokenizer.value()));
  auto t5Tokenizer = T5Tokenizer::fromModelFile(spieceFile(m.files.t5Tokenizer));
  if (!t5Tokenizer) return t5Tokenizer.error();
  m.t5Tokenizer.emplace(std::move(t5Tokenizer.value()));

  // CLIP, then T5: on the device they wait on between requests.
  {
    context.stage = "loading the CLIP text encoder";
    progress.report("loading clip (" + dtypeName(placement.clipDtype) + ", " +
                    deviceName(placement.textHome) + ")");
    auto w = openAndMap(m.files.clip, mapClipText);
    if (!w) return w.error();
    auto params = detectClipTextParams(w->map, w->configJson);
    if (!params) return params.error();
    m.clip = ClipTextModel(*params);
    if (auto s = loadModuleWeights(*m.clip, w->map, placement.clipDtype, placement.textHome); !s)
      return s.error();
    m.clip->eval();
    m.clip->setComputeDtype(placement.computeDtype(placement.clipDtype));
    m.reports.push_back(reportFor("clip", m.files.clip, placement.textHome, placement.clipDtype,
                                  placement.computeDtype(placement.clipDtype), w->map));
    releaseLoadedPages(*w);
    m.textCheckpoints.push_back(w->checkpoint);
    progress.advance(bytesOf(m.files.clip));
  }
  {
    context.stage = "loading the T5 text encoder";
    progress.report("loading t5 (" + dtypeName(placement.t5Dtype) + ", " +
                    deviceName(placement.textHome) + ")");
    auto w = openAndMap(m.files.t5, mapT5Encoder);
    if (!w) return w.error();
    auto params = detectT5Params(w->map, w->configJson);
    if (!params) return params.error();
    m.t5 = T5Encoder(*params);
    if (auto s = loadModuleWeights(*m.t5, w->map, placement.t5Dtype, placement.textHome); !s)
      return s.error();
    m.t5->eval();
    m.t5->setComputeDtype(placement.computeDtype(placement.t5Dtype));
    m.reports.push_back(reportFor("t5", m.files.t5, placement.textHome, placement.t5Dtype,
                                  placement.computeDtype(placement.t5Dtype), w->map));
    releaseLoadedPages(*w);
    m.textCheckpoints.push_back(w->checkpoint);
    progress.advance(bytesOf(m.files.t5));
  }
  {
    // Stream-blocks mode keeps the transformer on the CPU; setBlockStreaming
    // then moves what stays resident (embedders, final layer) to the GPU.
    const torch::Device home =
        placement.streamBlocksTo ? torch::Device(torch::kCPU) : placement.device;
    context.stage = "loading the transformer";
    progress.report("loading transformer (" + dtypeName(placement.fluxDtype) + ", " +
                    deviceName(placement.device) +
                    (placement.streamBlocksTo ? ", blocks streamed from the CPU" : "") + ")");
    auto w = openAndMap(m.files.transformer, mapFluxTransformer);
    if (!w) return w.error();
    auto params = detectFluxParams(w->map, w->configJson);
    if (!params) return params.error();
    m.flux = FluxModel(*params, torch::TensorOptions().dtype(placement.fluxDtype).device(home));
    if (auto s = loadModuleWeights(*m.flux, w->map, placement.fluxDtype, home); !s)
      return s.error();
    m.flux->eval();
    m.flux->setComputeDtype(placement.computeDtype(placement.fluxDtype));
    if (placement.streamBlocksTo) m.flux->setBlockStreaming(*placement.streamBlocksTo);
    m.reports.push_back(reportFor("transformer", m.files.transformer, placement.device,
                                  placement.fluxDtype, placement.computeDtype(placement.fluxDtype),
                                  w->map));
    if (placement.streamBlocksTo) m.reports.back().device += " (blocks streamed from cpu)";
    releaseLoadedPages(*w);
    m.transformerCheckpoints.push_back(w->checkpoint);
    progress.advance(bytesOf(m.files.transformer));
  }
  {
    context.stage = "loading the autoencoder";
    progress.report("loading autoencoder (" + dtypeName(placement.autoencoderDtype) + ", " +
                    deviceName(placement.device) + ")");
    auto w = openAndMap(m.files.autoencoder, mapAutoencoder);
    if (!w) return w.error();
    auto params = detectAutoencoderParams(w->map, w->configJson);
    if (!params) return params.error();
    m.autoencoder = AutoEncoder(*params);
    if (auto s =
            loadModuleWeights(*m.autoencoder, w->map, placement.autoencoderDtype, placement.device);
        !s)
      return s.error();
    m.autoencoder->eval();
    m.autoencoder->setComputeDtype(placement.computeDtype(placement.autoencoderDtype));
    m.reports.push_back(reportFor("autoencoder", m.files.autoencoder, placement.device,
                                  placement.autoencoderDtype,
                                  placement.computeDtype(placement.autoencoderDtype), w->map));
    releaseLoadedPages(*w);
    progress.advance(bytesOf(m.files.autoencoder));
  }
  if (auto s = checkCompatible(m); !s) return s.error();
  progress.report("model loaded");
  return m;
}

}  // namespace

Result<LoadedModels> loadModels(const ModelLocation& location, Placement& placement,
                                MemoryMode memory, const ProgressCallback& progress) {
  FailureContext context;
  context.device = deviceName(placement.device);
  context.memory = placement.memory;
  try {
    torch::NoGradGuard noGrad;
    return loadAll(location, placement, memory, progress, context);
  } catch (const std::invalid_argument& e) {
    // Model constructors reject parameters that cannot describe the model.
    return makeError(ErrorKind::ModelInvalid, context.stage + ": " + e.what());
  } catch (const std::exception& e) {
    return errorFromException(e, context);
  }
}

}  // namespace fd
