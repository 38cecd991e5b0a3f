#include "weights/gguf_quant_rules.h"

#include <algorithm>

namespace fd {

namespace {

bool startsWithAny(const std::string& name, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return name.compare(0, p.size(), p) == 0; });
}

}  // namespace

GgufQuantRule ggufQuantRuleFor(ComponentKind component, DType wanted) {
  switch (component) {
    case ComponentKind::Transformer:
      return {wanted,
              {"img_in.", "txt_in.", "time_in.", "vector_in.", "guidance_in.", "final_layer."},
              {}};
    case ComponentKind::T5Encoder: return {wanted, {}, {"enc.blk.0.attn_rel_b"}};
    case ComponentKind::Autoencoder:
    case ComponentKind::ClipText: break;
  }
  return {wanted, {}, {}};
}

DType ggufStorageFor(const std::string& name, const std::vector<int64_t>& shape,
                     const GgufQuantRule& rule) {
  if (shape.size() < 2 || startsWithAny(name, rule.keepF32)) return DType::F32;
  if (startsWithAny(name, rule.keepF16)) return DType::F16;
  if (shape.back() % blockValues(rule.wanted) != 0) return DType::F16;
  return rule.wanted;
}

}  // namespace fd
