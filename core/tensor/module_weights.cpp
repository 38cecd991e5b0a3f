// loadModuleWeights (declared in weight_loading.h): strict filling of a
// module's parameters and buffers from a WeightMap.

#include <map>
#include <new>
#include <set>
#include <sstream>

#include "common/out_of_memory.h"
#include "tensor/layers.h"
#include "tensor/packed_weight.h"
#include "tensor/weight_loading.h"

namespace fd {

namespace {

// Error messages name at most this many of each kind of problem (then "and N more").
constexpr size_t kMaxListed = 20;

std::string shapeText(c10::IntArrayRef shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

void appendList(std::ostringstream& out, const char* what, const std::vector<std::string>& items) {
  if (items.empty()) return;
  out << "; " << items.size() << ' ' << what << ": ";
  for (size_t i = 0; i < items.size() && i < kMaxListed; ++i) out << (i ? ", " : "") << items[i];
  if (items.size() > kMaxListed) out << ", and " << items.size() - kMaxListed << " more";
}

// "a.safetensors" or "a.safetensors, b.safetensors" for error messages.
std::string sourceFiles(const WeightMap& weights) {
  std::set<std::string> files;
  for (const auto& [name, recipe] : weights.recipes())
    for (const auto& part : recipe.parts)
      if (part.file) files.insert(part.file->path());
  if (files.empty()) return "the weights";
  std::string text;
  size_t shown = 0;
  for (const auto& file : files) {
    if (shown == 3) {
      text += ", ...";
      break;
    }
    text += (shown++ ? ", " : "") + file;
  }
  return text;
}

// "<module path>.weight" -> the Dense layer that owns it.
std::map<std::string, DenseImpl*> denseWeights(torch::nn::Module& module) {
  std::map<std::string, DenseImpl*> out;
  // include_self needs the module to be owned by a shared_ptr; look at it here.
  if (auto* self = dynamic_cast<DenseImpl*>(&module)) out["weight"] = self;
  for (const auto& item : module.named_modules(/*name_prefix=*/"", /*include_self=*/false)) {
    if (auto* dense = dynamic_cast<DenseImpl*>(item.value().get()))
      out[item.key() + ".weight"] = dense;
  }
  return out;
}

struct ModuleTensor {
  std::string name;
  torch::Tensor tensor;  // the module's parameter or buffer (shares its impl)
};

}  // namespace

Status loadModuleWeights(torch::nn::Module& module, const WeightMap& weights,
                         torch::ScalarType dtype, torch::Device device,
                         const std::vector<std::string>& nonPersistent) {
  const std::set<std::string> computed(nonPersistent.begin(), nonPersistent.end());
  std::vector<ModuleTensor> targets;
  std::set<std::string> moduleNames;
  for (const auto& item : module.named_parameters(/*recurse=*/true))
    targets.push_back({item.key(), item.value()});
  for (const auto& item : module.named_buffers(/*recurse=*/true))
    targets.push_back({item.key(), item.value()});
  for (const auto& target : targets) moduleNames.insert(target.name);

  // Check everything first, so one error lists every problem.
  std::vector<std::string> missing, unexpected, mismatched;
  for (const auto& target : targets) {
    if (computed.count(target.name)) continue;
    const WeightRecipe* recipe = weights.find(target.name);
    if (!recipe) {
      missing.push_back(target.name);
    } else if (c10::IntArrayRef(recipe->shape) != target.tensor.sizes()) {
      mismatched.push_back(target.name + " (checkpoint " + shapeText(recipe->shape) + ", model " +
                           shapeText(target.tensor.sizes()) + ")");
    }
  }
  for (const auto& [name, recipe] : weights.recipes())
    if (!moduleNames.count(name)) unexpected.push_back(name);
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    std::ostringstream out;
    out << sourceFiles(weights) << " does not match the model";
    appendList(out, "missing", missing);
    appendList(out, "unexpected", unexpected);
    appendList(out, "with a different shape", mismatched);
    return makeError(ErrorKind::ModelInvalid, out.str());
  }

  torch::NoGradGuard noGrad;
  const auto dense = denseWeights(module);
  std::string current;
  try {
    for (auto& target : targets) {
      if (computed.count(target.name)) continue;
      current = target.name;
      const WeightRecipe& recipe = *weights.find(target.name);
      auto layer = dense.find(target.name);
      if (layer != dense.end() && keepsPacked(recipe.parts.front().info->dtype)) {
        // Quantized / float8 weights of linear layers stay as stored.
        auto packed = loadPacked(recipe, device);
        if (!packed.ok()) return packed.error();
        layer->second->setPackedWeight(packed.value(), recipe.parts.front().info->dtype);
        continue;
      }
      // Floating tensors take the requested dtype; integer and bool buffers
      // (e.g. position ids) keep the module's dtype.
      const torch::ScalarType type =
          c10::isFloatingType(target.tensor.scalar_type()) ? dtype : target.tensor.scalar_type();
      // On the CPU a tensor stored as it is used stays in the mapped file:
      // no copy, and its pages can be handed back (memory mode offload-text).
      if (device.is_cpu()) {
        if (auto view = viewCanonical(recipe, type)) {
          target.tensor.set_data(*view);
          continue;
        }
      }
      auto loaded = loadCanonical(recipe, type);  // CPU, converted once
      if (!loaded.ok()) return loaded.error();
      if (target.tensor.scalar_type() == type && target.tensor.device() == device) {
        target.tensor.copy_(loaded.value());
      } else {
        // Replaces the storage in place: the module keeps the same
        // Parameter objects, now with the requested dtype and device.
        target.tensor.set_data(loaded.value().to(device));
      }
    }
  } catch (const std::bad_alloc&) {
    return makeError(ErrorKind::OutOfMemory, "out of memory while loading '" + current + "'");
  } catch (const std::exception& e) {
    const std::string what = e.what();
    const bool oom = isOutOfMemoryMessage(what);
    return makeError(
        oom ? ErrorKind::OutOfMemory : ErrorKind::Internal,
        "loading '" + current + "' into the model failed: " + what.substr(0, what.find('\n')));
  }
  return Status::success();
}

}  // namespace fd
