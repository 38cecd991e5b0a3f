#include "demo/demo_model.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/atomic_file.h"
#include "demo/demo_corpus.h"
#include "demo/demo_tokenizers.h"
#include "demo/demo_weights.h"
#include "demo/random_gguf.h"
#include "text/t5_tokenizer.h"
#include "weights/ggml_quants.h"
#include "weights/weight_map.h"

namespace fd {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr int kClipMerges = 400;
constexpr int kT5Pieces = 400;
const std::map<std::string, std::string> kSafetensorsMetadata{{"format", "pt"}};

Status writeJson(const fs::path& path, const Json& json) {
  return writeFileAtomically(path.string(), json.dump(2) + "\n");
}

using Specs = std::vector<RandomTensorSpec>;

uint64_t bytesOf(const Specs& tensors) {
  uint64_t total = 0;
  for (const auto& t : tensors) total += t.byteCount();
  return total;
}

// One weights file; `root` only to name it to the progress callback.
Status writeWeights(const fs::path& root, const fs::path& path, const Specs& tensors,
                    const DemoModelOptions& options) {
  if (options.onWeightsFile)
    options.onWeightsFile(fs::relative(path, root).string(), bytesOf(tensors));
  return writeRandomSafetensors(path.string(), tensors, kSafetensorsMetadata);
}

// Two shards and an index.json, as the Hugging Face snapshot stores its
// transformer and T5: exercises sharded loading with the demo.
Status writeSharded(const fs::path& root, const fs::path& folder, const std::string& stem,
                    Specs tensors, const DemoModelOptions& options) {
  const size_t half = tensors.size() / 2;
  Specs shards[2];
  shards[0].assign(std::make_move_iterator(tensors.begin()),
                   std::make_move_iterator(tensors.begin() + long(half)));
  shards[1].assign(std::make_move_iterator(tensors.begin() + long(half)),
                   std::make_move_iterator(tensors.end()));
  std::map<std::string, std::string> weightMap;  // sorted, like the real index files
  uint64_t totalSize = 0;
  for (int s = 0; s < 2; ++s) {
    const std::string file = stem + "-0000" + std::to_string(s + 1) + "-of-00002.safetensors";
    for (const auto& t : shards[s]) {
      weightMap[t.name] = file;
      totalSize += t.byteCount();
    }
    if (auto status = writeWeights(root, folder / file, shards[s], options); !status) return status;
  }
  Json index;
  index["metadata"] = {{"total_size", totalSize}};
  index["weight_map"] = Json(weightMap);
  return writeJson(folder / (stem + ".safetensors.index.json"), index);
}

GgufQuantRule transformerQuantRule(DType wanted) {
  return ggufQuantRuleFor(ComponentKind::Transformer, wanted);
}
GgufQuantRule t5QuantRule(DType wanted) {
  return ggufQuantRuleFor(ComponentKind::T5Encoder, wanted);
}

// The T5 specs under llama.cpp's names (the rename rules of weight_names.cpp).
Specs renamedForGguf(Specs tensors) {
  for (auto& t : tensors) t.name = t5GgufNameFromHf(t.name);
  return tensors;
}

Status writeGgufWeights(const fs::path& root, const fs::path& path, const Specs& tensors,
                        const GgufQuantRule& rule, const std::string& architecture,
                        const DemoModelOptions& options) {
  if (options.onWeightsFile)
    options.onWeightsFile(fs::relative(path, root).string(), randomGgufBytes(tensors, rule));
  return writeRandomGguf(
      path.string(), tensors, rule,
      {{"general.architecture", architecture}, {"general.name", std::string("FluxDesk demo")}});
}

Json modelIndex(const ModelCard& card) {
  return Json{{"_class_name", "FluxPipeline"},
              {"_diffusers_version", "0.30.0"},
              {kModelCardKey, Json::parse(modelCardJson(card))},
              {"scheduler", {"diffusers", "FlowMatchEulerDiscreteScheduler"}},
              {"text_encoder", {"transformers", "CLIPTextModel"}},
              {"text_encoder_2", {"transformers", "T5EncoderModel"}},
              {"tokenizer", {"transformers", "CLIPTokenizer"}},
              {"tokenizer_2", {"transformers", "T5TokenizerFast"}},
              {"transformer", {"diffusers", "FluxTransformer2DModel"}},
              {"vae", {"diffusers", "AutoencoderKL"}}};
}

Json transformerConfig(const FluxParams& p) {
  return Json{{"_class_name", "FluxTransformer2DModel"},
              {"_diffusers_version", "0.30.0"},
              {"attention_head_dim", p.hidden_size / p.num_heads},
              {"axes_dims_rope", p.axes_dim},
              {"guidance_embeds", p.guidance_embed},
              {"in_channels", p.in_channels},
              {"joint_attention_dim", p.context_in_dim},
              {"num_attention_heads", p.num_heads},
              {"num_layers", p.depth},
              {"num_single_layers", p.depth_single_blocks},
              {"out_channels", p.out_channels},
              {"patch_size", 1},
              {"pooled_projection_dim", p.vec_in_dim}};
}

Json vaeConfig(const AutoEncoderParams& p) {
  Json channels = Json::array();
  Json down = Json::array();
  Json up = Json::array();
  for (int64_t m : p.ch_mult) {
    channels.push_back(p.ch * m);
    down.push_back("DownEncoderBlock2D");
    up.push_back("UpDecoderBlock2D");
  }
  return Json{{"_class_name", "AutoencoderKL"},
              {"_diffusers_version", "0.30.0"},
              {"act_fn", "silu"},
              {"block_out_channels", channels},
              {"down_block_types", down},
              {"force_upcast", true},
              {"in_channels", p.in_channels},
              {"latent_channels", p.z_channels},
              {"latents_mean", nullptr},
              {"latents_std", nullptr},
              {"layers_per_block", p.num_res_blocks},
              {"mid_block_add_attention", true},
              {"norm_num_groups", 32},
              {"out_channels", p.out_ch},
              {"sample_size", p.resolution},
              {"scaling_factor", p.scale_factor},
              {"shift_factor", p.shift_factor},
              {"up_block_types", up},
              {"use_post_quant_conv", false},
              {"use_quant_conv", false}};
}

Json clipConfig(const ClipTextParams& p, const char* torchDtype) {
  return Json{{"architectures", {"CLIPTextModel"}},
              {"attention_dropout", 0.0},
              {"bos_token_id", p.vocab_size - 2},
              {"eos_token_id", p.eos_token_id},  // FLUX's legacy 2: pool at argmax(ids)
              {"hidden_act", p.hidden_act},
              {"hidden_size", p.hidden_size},
              {"intermediate_size", p.intermediate_size},
              {"layer_norm_eps", p.layer_norm_eps},
              {"max_position_embeddings", p.max_position_embeddings},
              {"model_type", "clip_text_model"},
              {"num_attention_heads", p.num_attention_heads},
              {"num_hidden_layers", p.num_hidden_layers},
              {"pad_token_id", 1},
              {"projection_dim", p.hidden_size},
              {"torch_dtype", torchDtype},
              {"vocab_size", p.vocab_size}};
}

Json t5Config(const T5Params& p) {
  return Json{{"architectures", {"T5EncoderModel"}},
              {"d_ff", p.d_ff},
              {"d_kv", p.d_kv},
              {"d_model", p.d_model},
              {"dense_act_fn", p.dense_act_fn},
              {"eos_token_id", 1},
              {"feed_forward_proj", "gated-gelu"},
              {"is_encoder_decoder", true},
              {"is_gated_act", p.is_gated_act},
              {"layer_norm_epsilon", p.layer_norm_epsilon},
              {"model_type", "t5"},
              {"num_heads", p.num_heads},
              {"num_layers", p.num_layers},
              {"pad_token_id", 0},
              {"relative_attention_max_distance", p.relative_attention_max_distance},
              {"relative_attention_num_buckets", p.relative_attention_num_buckets},
              {"tie_word_embeddings", false},
              {"torch_dtype", "bfloat16"},
              {"vocab_size", p.vocab_size}};
}

Status writeTokenizers(const fs::path& root, const BpeVocabulary& clip, const std::string& spiece) {
  const fs::path clipDir = root / "tokenizer";
  const fs::path t5Dir = root / "tokenizer_2";
  if (auto s = writeFileAtomically((clipDir / "vocab.json").string(), clipVocabJson(clip)); !s)
    return s;
  if (auto s = writeFileAtomically((clipDir / "merges.txt").string(), clipMergesText(clip)); !s)
    return s;
  Json clipSpecial{{"bos_token", "<|startoftext|>"},
                   {"eos_token", "<|endoftext|>"},
                   {"pad_token", "<|endoftext|>"},
                   {"unk_token", "<|endoftext|>"}};
  if (auto s = writeJson(clipDir / "special_tokens_map.json", clipSpecial); !s) return s;
  Json clipConfigJson = clipSpecial;
  clipConfigJson["model_max_length"] = 77;
  clipConfigJson["do_lower_case"] = true;
  clipConfigJson["tokenizer_class"] = "CLIPTokenizer";
  if (auto s = writeJson(clipDir / "tokenizer_config.json", clipConfigJson); !s) return s;

  if (auto s = writeFileAtomically((t5Dir / "spiece.model").string(), spiece); !s) return s;
  Json t5Special{{"eos_token", "</s>"}, {"pad_token", "<pad>"}, {"unk_token", "<unk>"}};
  if (auto s = writeJson(t5Dir / "special_tokens_map.json", t5Special); !s) return s;
  Json t5ConfigJson = t5Special;
  t5ConfigJson["model_max_length"] = 512;
  t5ConfigJson["extra_ids"] = 0;
  t5ConfigJson["tokenizer_class"] = "T5Tokenizer";
  return writeJson(t5Dir / "tokenizer_config.json", t5ConfigJson);
}

// Revision 1 marked the folder with "_fluxdesk_demo": true instead of a card.
constexpr int kDemoModelRevision = 2;
const char* kTinyReadme =
    "FluxDesk demo model\n"
    "===================\n\n"
    "Written by `fluxdesk-cli make-demo-model`. It has the layout of the Hugging Face\n"
    "black-forest-labs/FLUX.1-schnell snapshot, but tiny random weights: it draws\n"
    "colourful abstract patterns, not pictures of the prompt. Use it to try FluxDesk\n"
    "without downloading FLUX.1 weights; point FluxDesk at a real snapshot for images.\n";

std::string depthText(const DemoModelOptions& o) {
  return std::to_string(o.doubleBlocks) + " double blocks, " + std::to_string(o.singleBlocks) +
         " single blocks, " + std::to_string(o.t5Layers) + " T5 layers";
}

std::string readSmallFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string realWidthsReadme(const DemoModelOptions& o) {
  return "FluxDesk benchmark model (real widths)\n"
         "======================================\n\n"
         "Written by `fluxdesk-cli make-demo-model --scale real`. It has the layout and the\n"
         "real widths of the Hugging Face black-forest-labs/FLUX.1-schnell snapshot (transformer\n"
         "3072 wide, 24 heads; the real autoencoder; CLIP-L and T5-XXL widths) with random\n"
         "bfloat16 weights and fewer layers: " +
         depthText(o) +
         " (FLUX.1: 19, 38, 24).\n"
         "The tokenizers are the demo's small ones. Use it to time `fluxdesk-cli bench` where\n"
         "the real weights are not available; it draws noise, not pictures.\n";
}

Status checkDepth(const char* what, int value, int max) {
  if (value >= 1 && value <= max) return Status::success();
  return makeError(ErrorKind::BadRequest, std::string(what) + " must be 1 to " +
                                              std::to_string(max) + ", not " +
                                              std::to_string(value));
}

Status checkOptions(const DemoModelOptions& o) {
  for (const auto& quant : {o.transformerQuant, o.t5Quant})
    if (quant && (!isQuantized(*quant) || !canQuantize(*quant)))
      return makeError(ErrorKind::BadRequest,
                       std::string("FluxDesk cannot quantize to ") + dtypeDisplayName(*quant));
  if (o.scale == DemoScale::Tiny) return Status::success();
  if (auto s = checkDepth("double blocks", o.doubleBlocks, 19); !s) return s;
  if (auto s = checkDepth("single blocks", o.singleBlocks, 38); !s) return s;
  return checkDepth("T5 layers", o.t5Layers, 24);
}

// Real-width weights take GBs: say so before writing half of them.
Status checkFreeSpace(const fs::path& root, uint64_t needed) {
  std::error_code ec;
  const auto space = fs::space(root, ec);
  if (ec || space.available >= needed) return Status::success();
  const auto gib = [](uint64_t bytes) { return std::to_string((bytes + (1ull << 29)) >> 30); };
  return makeError(ErrorKind::Io, "not enough disk space in '" + root.string() +
                                      "': the weights need about " + gib(needed) + " GiB, " +
                                      gib(space.available) + " GiB are free");
}

}  // namespace

ModelCard demoModelCard(const DemoModelOptions& options) {
  ModelCard card;
  card.ownedBy = "fluxdesk";
  card.randomWeights = true;
  card.revision = kDemoModelRevision;
  if (options.scale == DemoScale::Tiny) {
    card.name = "FluxDesk demo";
    card.id = "fluxdesk-demo";
    card.description = "demo model: random weights, draws abstract patterns, not FLUX.1 images";
  } else {
    card.name = "FluxDesk benchmark model";
    card.id = "fluxdesk-demo-real-widths";
    card.description = "benchmark model: FLUX.1-schnell's real widths with random weights (" +
                       depthText(options) + "), draws noise, not FLUX.1 images";
  }
  return card;
}

bool isCurrentDemoModel(const std::string& folder) {
  const fs::path index = fs::path(folder) / "model_index.json";
  std::error_code ec;
  if (!fs::is_regular_file(index, ec)) return false;
  const std::optional<ModelCard> card = readModelCard(readSmallFile(index));
  const ModelCard current = demoModelCard();
  return card && card->id == current.id && card->revision == current.revision;
}

Status ensureDemoModel(const std::string& folder) {
  if (isCurrentDemoModel(folder)) return Status::success();
  return writeDemoModel(folder);
}

Status writeDemoModel(const std::string& folder, const DemoModelOptions& options) {
  if (auto s = checkOptions(options); !s) return s;
  const bool tiny = options.scale == DemoScale::Tiny;
  const DemoWeightStyle style = tiny ? DemoWeightStyle::Tiny : DemoWeightStyle::RealWidths;
  const fs::path root(folder);
  std::error_code ec;
  for (const char* sub : {"transformer", "vae", "text_encoder", "text_encoder_2", "tokenizer",
                          "tokenizer_2", "scheduler"}) {
    fs::create_directories(root / sub, ec);
    if (ec)
      return makeError(ErrorKind::Io,
                       "cannot create folder '" + (root / sub).string() + "': " + ec.message());
  }

  const BpeVocabulary clipVocabulary = learnClipStyleBpe(demoCorpusText(), kClipMerges);
  auto spiece = trainDemoSentencePiece(demoCorpusText(), kT5Pieces);
  if (!spiece) return spiece.error();
  auto pieces = sentencePieceSize(*spiece);
  if (!pieces) return pieces.error();
  // T5 embeds the pieces and the <extra_id_N> ids the tokenizer appends.
  const auto clipVocab = static_cast<int64_t>(clipVocabulary.tokens.size());
  const int64_t t5Vocab = *pieces + T5Tokenizer::kExtraIdCount;
  const DemoArchitecture arch =
      tiny ? demoArchitecture(clipVocab, t5Vocab)
           : realWidthArchitecture(clipVocab, t5Vocab,
                                   {options.doubleBlocks, options.singleBlocks, options.t5Layers});
  // Only specs so far: the values are drawn file by file while writing.
  Specs transformer = options.transformerQuant ? demoTransformerTensorsOfficial(arch.flux, style)
                                               : demoTransformerTensors(arch.flux, style);
  Specs autoencoder = demoAutoencoderTensors(arch.autoencoder, style);
  Specs clip = demoClipTensors(arch.clip, style);
  Specs t5 = demoT5Tensors(arch.t5, style);
  if (options.t5Quant) t5 = renamedForGguf(std::move(t5));
  if (!tiny) {
    const uint64_t transformerBytes =
        options.transformerQuant
            ? randomGgufBytes(transformer, transformerQuantRule(*options.transformerQuant))
            : bytesOf(transformer);
    const uint64_t t5Bytes =
        options.t5Quant ? randomGgufBytes(t5, t5QuantRule(*options.t5Quant)) : bytesOf(t5);
    if (auto s =
            checkFreeSpace(root, transformerBytes + bytesOf(autoencoder) + bytesOf(clip) + t5Bytes);
        !s)
      return s;
  }
  // A quantized component replaces the safetensors of an earlier run.
  auto removeOld = [&](const fs::path& folder, const std::string& keepExtension) {
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(folder, ignored)) {
      const std::string name = entry.path().filename().string();
      const bool weights =
          name.find(".safetensors") != std::string::npos || entry.path().extension() == ".gguf";
      if (weights && entry.path().extension() != keepExtension) fs::remove(entry.path(), ignored);
    }
  };
  removeOld(root / "transformer", options.transformerQuant ? ".gguf" : ".safetensors");
  removeOld(root / "text_encoder_2", options.t5Quant ? ".gguf" : ".safetensors");

  // model_index.json is written last: a folder that has one is complete
  // (isCurrentDemoModel), so an interrupted rewrite must not keep the old.
  if (fs::remove(root / "model_index.json", ec); ec)
    return makeError(ErrorKind::Io, "cannot replace '" + (root / "model_index.json").string() +
                                        "': " + ec.message());
  if (auto s = writeFileAtomically((root / "README.md").string(),
                                   tiny ? std::string(kTinyReadme) : realWidthsReadme(options));
      !s)
    return s;
  Json scheduler{{"_class_name", "FlowMatchEulerDiscreteScheduler"},
                 {"_diffusers_version", "0.30.0"},
                 {"base_image_seq_len", 256},
                 {"base_shift", 0.5},
                 {"max_image_seq_len", 4096},
                 {"max_shift", 1.15},
                 {"num_train_timesteps", 1000},
                 {"shift", 1.0},
                 {"use_dynamic_shifting", false}};
  if (auto s = writeJson(root / "scheduler" / "scheduler_config.json", scheduler); !s) return s;

  if (auto s = writeJson(root / "transformer" / "config.json", transformerConfig(arch.flux)); !s)
    return s;
  if (options.transformerQuant) {
    const std::string file =
        std::string("flux1-schnell-") + dtypeDisplayName(*options.transformerQuant) + ".gguf";
    if (auto s = writeGgufWeights(root, root / "transformer" / file, transformer,
                                  transformerQuantRule(*options.transformerQuant), "flux", options);
        !s)
      return s;
  } else if (auto s = writeSharded(root, root / "transformer", "diffusion_pytorch_model",
                                   std::move(transformer), options);
             !s) {
    return s;
  }
  if (auto s = writeJson(root / "vae" / "config.json", vaeConfig(arch.autoencoder)); !s) return s;
  if (auto s = writeWeights(root, root / "vae" / "diffusion_pytorch_model.safetensors", autoencoder,
                            options);
      !s)
    return s;
  if (auto s = writeJson(root / "text_encoder" / "config.json",
                         clipConfig(arch.clip, tiny ? "float16" : "bfloat16"));
      !s)
    return s;
  if (auto s = writeWeights(root, root / "text_encoder" / "model.safetensors", clip, options); !s)
    return s;
  if (auto s = writeJson(root / "text_encoder_2" / "config.json", t5Config(arch.t5)); !s) return s;
  if (options.t5Quant) {
    const std::string file =
        std::string("t5-v1_1-xxl-encoder-") + dtypeDisplayName(*options.t5Quant) + ".gguf";
    if (auto s = writeGgufWeights(root, root / "text_encoder_2" / file, t5,
                                  t5QuantRule(*options.t5Quant), "t5encoder", options);
        !s)
      return s;
  } else if (auto s = writeSharded(root, root / "text_encoder_2", "model", std::move(t5), options);
             !s) {
    return s;
  }
  if (auto s = writeTokenizers(root, clipVocabulary, *spiece); !s) return s;
  return writeJson(root / "model_index.json", modelIndex(demoModelCard(options)));
}

}  // namespace fd
