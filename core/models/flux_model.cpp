#include "models/flux_model.h"

#include <numeric>

namespace fd {

namespace {

// Copies one block's parameters to the compute device for the lifetime of
// this object, then points them back at their CPU storage (no copy back:
// weights never change), so the device copy is freed after the block ran.
class StagedBlock {
 public:
  StagedBlock(torch::nn::Module& block, const std::optional<torch::Device>& device) {
    if (!device) return;
    params_ = block.parameters();
    host_.reserve(params_.size());
    for (auto& p : params_) {
      host_.push_back(p.data());
      p.set_data(p.data().to(*device, /*non_blocking=*/true));
    }
  }
  ~StagedBlock() {
    for (size_t i = 0; i < host_.size(); ++i) params_[i].set_data(host_[i]);
  }
  StagedBlock(const StagedBlock&) = delete;
  StagedBlock& operator=(const StagedBlock&) = delete;

 private:
  std::vector<torch::Tensor> params_, host_;
};

void checkInput(const torch::Tensor& t, const char* name, int64_t dims) {
  TORCH_CHECK(t.defined(), "FluxModel: input ", name, " is missing");
  TORCH_CHECK(t.dim() == dims, "FluxModel: input ", name, " must have ", dims, " dimensions, got ",
              t.sizes());
}

}  // namespace

FluxModelImpl::FluxModelImpl(const FluxParams& params, const torch::TensorOptions& options)
    : params_(params) {
  TORCH_CHECK(params.num_heads > 0 && params.hidden_size % params.num_heads == 0, "hidden_size ",
              params.hidden_size, " must be divisible by num_heads ", params.num_heads);
  const int64_t headDim = params.hidden_size / params.num_heads;
  const int64_t axesSum =
      std::accumulate(params.axes_dim.begin(), params.axes_dim.end(), int64_t{0});
  TORCH_CHECK(axesSum == headDim, "axes_dim must sum to the head dim ", headDim, ", got ", axesSum);
  const int64_t hidden = params.hidden_size;

  imgIn_ = register_module("img_in", Dense(params.in_channels, hidden, true, options));
  timeIn_ = register_module("time_in", MLPEmbedder(256, hidden, options));
  vectorIn_ = register_module("vector_in", MLPEmbedder(params.vec_in_dim, hidden, options));
  if (params.guidance_embed)
    guidanceIn_ = register_module("guidance_in", MLPEmbedder(256, hidden, options));
  txtIn_ = register_module("txt_in", Dense(params.context_in_dim, hidden, true, options));

  auto doubleList = register_module("double_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < params.depth; ++i) {
    doubleBlocks_.emplace_back(hidden, params.num_heads, params.mlp_ratio, params.qkv_bias,
                               options);
    doubleList->push_back(doubleBlocks_.back());
  }
  auto singleList = register_module("single_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < params.depth_single_blocks; ++i) {
    singleBlocks_.emplace_back(hidden, params.num_heads, params.mlp_ratio, options);
    singleList->push_back(singleBlocks_.back());
  }
  finalLayer_ = register_module("final_layer", LastLayer(hidden, params.out_channels, options));
}

torch::ScalarType FluxModelImpl::dtype() const {
  // The bias: a packed (quantized) weight's tensor type says nothing.
  return computeDtype_.value_or(imgIn_->bias.scalar_type());
}
torch::Device FluxModelImpl::device() const { return imgIn_->weight.device(); }

void FluxModelImpl::record(const std::string& name, const torch::Tensor& value) const {
  if (capture_) (*capture_)["intermediate." + name] = value;
}

torch::Tensor FluxModelImpl::forward(const torch::Tensor& img, const torch::Tensor& img_ids,
                                     const torch::Tensor& txt, const torch::Tensor& txt_ids,
                                     const torch::Tensor& timesteps, const torch::Tensor& y,
                                     const torch::Tensor& guidance) {
  checkInput(img, "img", 3);
  checkInput(txt, "txt", 3);
  checkInput(img_ids, "img_ids", 3);
  checkInput(txt_ids, "txt_ids", 3);
  checkInput(timesteps, "timesteps", 1);
  checkInput(y, "y", 2);
  const int64_t batch = img.size(0);
  TORCH_CHECK(img.size(2) == params_.in_channels, "FluxModel: img has ", img.size(2),
              " channels, the model expects ", params_.in_channels);
  TORCH_CHECK(txt.size(2) == params_.context_in_dim, "FluxModel: txt has ", txt.size(2),
              " channels, the model expects ", params_.context_in_dim);
  TORCH_CHECK(y.size(1) == params_.vec_in_dim, "FluxModel: y has ", y.size(1),
              " channels, the model expects ", params_.vec_in_dim);
  TORCH_CHECK(txt.size(0) == batch && y.size(0) == batch && timesteps.size(0) == batch &&
                  img_ids.size(0) == batch && txt_ids.size(0) == batch,
              "FluxModel: inputs disagree on the batch size ", batch);
  TORCH_CHECK(img_ids.size(1) == img.size(1) && txt_ids.size(1) == txt.size(1),
              "FluxModel: position ids do not match the token counts");

  const auto dtype = this->dtype();
  const auto device = this->device();

  auto imgH = imgIn_->forward(img.to(device, dtype));  // (B, L_img, hidden)
  record("img_in", imgH);
  auto timeEmb = timestepEmbedding(timesteps.to(device, dtype), 256);  // (B, 256)
  record("time_in_input", timeEmb);
  auto vec = timeIn_->forward(timeEmb);  // (B, hidden)
  record("time_in", vec);
  if (params_.guidance_embed) {
    TORCH_CHECK(guidance.defined() && guidance.dim() == 1 && guidance.size(0) == batch,
                "FluxModel: a guidance-distilled model needs a guidance strength per image");
    auto guidanceEmb = timestepEmbedding(guidance.to(device, dtype), 256);
    record("guidance_in_input", guidanceEmb);
    auto guidanceVec = guidanceIn_->forward(guidanceEmb);
    record("guidance_in", guidanceVec);
    vec = vec + guidanceVec;
  }
  auto pooled = vectorIn_->forward(y.to(device, dtype));
  record("vector_in", pooled);
  vec = vec + pooled;
  auto txtH = txtIn_->forward(txt.to(device, dtype));  // (B, L_txt, hidden)
  record("txt_in", txtH);

  auto ids =
      torch::cat({txt_ids.to(device, torch::kFloat32), img_ids.to(device, torch::kFloat32)}, 1);
  auto pe = embedPositions(ids, params_.axes_dim, params_.theta);  // (B, 1, L, D/2, 2, 2) float32
  record("pe", pe);

  for (size_t i = 0; i < doubleBlocks_.size(); ++i) {
    StagedBlock staged(*doubleBlocks_[i], streamDevice_);
    std::tie(imgH, txtH) = doubleBlocks_[i]->forward(imgH, txtH, vec, pe);
    record("double_blocks." + std::to_string(i) + ".img", imgH);
    record("double_blocks." + std::to_string(i) + ".txt", txtH);
  }

  const int64_t txtLen = txtH.size(1);
  auto joint = torch::cat({txtH, imgH}, 1);  // (B, L_txt + L_img, hidden)
  for (size_t i = 0; i < singleBlocks_.size(); ++i) {
    StagedBlock staged(*singleBlocks_[i], streamDevice_);
    joint = singleBlocks_[i]->forward(joint, vec, pe);
    record("single_blocks." + std::to_string(i), joint);
  }
  auto imgOut = joint.slice(1, txtLen);  // (B, L_img, hidden)
  record("final_layer_input", imgOut);
  record("vec", vec);
  return finalLayer_->forward(imgOut, vec);  // (B, L_img, out_channels)
}

void FluxModelImpl::setBlockStreaming(std::optional<torch::Device> computeDevice) {
  torch::NoGradGuard noGrad;
  if (computeDevice) {
    for (auto& child : named_children()) {
      if (child.key() == "double_blocks" || child.key() == "single_blocks") continue;
      child.value()->to(*computeDevice);
    }
    auto park = [&](torch::nn::Module& block) {
      block.to(torch::kCPU);
      // Pinned host memory makes the per-block upload asynchronous.
      if (computeDevice->is_cuda())
        for (auto& p : block.parameters()) p.set_data(p.data().pin_memory());
    };
    for (auto& block : doubleBlocks_) park(*block);
    for (auto& block : singleBlocks_) park(*block);
    streamDevice_ = computeDevice;
  } else if (streamDevice_) {
    for (auto& block : doubleBlocks_) block->to(*streamDevice_);
    for (auto& block : singleBlocks_) block->to(*streamDevice_);
    streamDevice_.reset();
  }
}

}  // namespace fd
