#include "tensor/weight_loading.h"

#include <cstring>
#include <new>
#include <set>
#include <sstream>

#include "common/out_of_memory.h"
#include "tensor/packed_weight.h"
#include "weights/float8.h"

namespace fd {

// Tensor bytes are copied as they are: safetensors data is little-endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "big-endian hosts need byte swapping");

namespace {

std::string describe(const CheckpointEntry& entry) {
  return "tensor '" + entry.info->name + "' in " + entry.file->path();
}

std::string shapeText(c10::IntArrayRef shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

// Turns a LibTorch failure into an Error; allocation failures (host or GPU)
// become OutOfMemory so the UI can suggest a smaller dtype or offloading.
Error torchError(const std::string& context, const std::exception& e) {
  const std::string what = e.what();
  const bool oom = isOutOfMemoryMessage(what);
  // c10 messages carry a long backtrace after the first line.
  const std::string firstLine = what.substr(0, what.find('\n'));
  return makeError(oom ? ErrorKind::OutOfMemory : ErrorKind::Internal, context + ": " + firstLine);
}

// (numel,) float32 -> stored shape; each byte decoded exactly by table.
torch::Tensor decodeFloat8(const uint8_t* bytes, const TensorInfo& info,
                           const std::array<float, 256>& table) {
  torch::Tensor out = torch::empty(info.shape, torch::kFloat32);  // stored shape
  float* values = out.data_ptr<float>();
  const int64_t n = info.numel();
  for (int64_t i = 0; i < n; ++i) values[i] = table[bytes[i]];
  return out;
}

// Bytes other than 0/1 in a BOOL tensor are not valid torch bools; map
// them the way numpy reads them (nonzero is true).
torch::Tensor decodeBool(const uint8_t* bytes, const TensorInfo& info) {
  torch::Tensor out = torch::empty(info.shape, torch::kBool);  // stored shape
  bool* values = out.data_ptr<bool>();
  const int64_t n = info.numel();
  for (int64_t i = 0; i < n; ++i) values[i] = bytes[i] != 0;
  return out;
}

// ggml blocks -> float32 in the stored shape (rows along the last dimension).
torch::Tensor dequantizeToFloat32(const uint8_t* bytes, const TensorInfo& info) {
  const int64_t cols = info.shape.empty() ? 1 : info.shape.back();
  const int64_t rows = cols == 0 ? 0 : info.numel() / cols;
  const auto rowBytes = static_cast<int64_t>(*storageBytes(info.dtype, cols));  // validated at open
  torch::Tensor packed =
      torch::from_blob(const_cast<uint8_t*>(bytes), {rows, rowBytes}, torch::kUInt8);
  return expandPacked(packed, info.dtype, cols, torch::kFloat32).reshape(info.shape);
}

torch::Tensor copyRaw(const uint8_t* bytes, const TensorInfo& info, torch::ScalarType type) {
  torch::Tensor out = torch::empty(info.shape, type);  // stored shape
  if (info.byteSize() > 0) std::memcpy(out.data_ptr(), bytes, info.byteSize());
  return out;
}

}  // namespace

std::optional<torch::ScalarType> torchDtype(DType dtype) {
  switch (dtype) {
    case DType::F64: return torch::kFloat64;
    case DType::F32: return torch::kFloat32;
    case DType::F16: return torch::kFloat16;
    case DType::BF16: return torch::kBFloat16;
    case DType::I64: return torch::kInt64;
    case DType::I32: return torch::kInt32;
    case DType::I16: return torch::kInt16;
    case DType::I8: return torch::kInt8;
    case DType::U8: return torch::kUInt8;
    case DType::BOOL: return torch::kBool;
    case DType::F8_E4M3: return torch::kFloat8_e4m3fn;
    case DType::F8_E5M2: return torch::kFloat8_e5m2;
    default: return std::nullopt;  // ggml block types
  }
}

Result<torch::Tensor> loadTensor(const CheckpointEntry& entry,
                                 std::optional<torch::ScalarType> dtype) {
  if (!entry.file || !entry.info)
    return makeError(ErrorKind::Internal, "loadTensor: empty checkpoint entry");
  const TensorInfo& info = *entry.info;
  const uint8_t* bytes = entry.file->data(info);
  if (!bytes)
    return makeError(ErrorKind::ModelInvalid, describe(entry) + ": byte range outside the file");
  try {
    torch::Tensor tensor;
    if (info.dtype == DType::F8_E4M3) {
      tensor = decodeFloat8(bytes, info, float8E4M3Table());
    } else if (info.dtype == DType::F8_E5M2) {
      tensor = decodeFloat8(bytes, info, float8E5M2Table());
    } else if (info.dtype == DType::BOOL) {
      tensor = decodeBool(bytes, info);
    } else if (isQuantized(info.dtype)) {
      tensor = dequantizeToFloat32(bytes, info);
    } else {
      tensor = copyRaw(bytes, info, *torchDtype(info.dtype));
    }
    if (dtype && tensor.scalar_type() != *dtype) tensor = tensor.to(*dtype);
    return tensor;
  } catch (const std::bad_alloc&) {
    return makeError(ErrorKind::OutOfMemory, describe(entry) + ": out of memory");
  } catch (const std::exception& e) {
    return torchError(describe(entry), e);
  }
}

Result<torch::Tensor> loadCanonical(const WeightRecipe& recipe,
                                    std::optional<torch::ScalarType> dtype) {
  if (recipe.parts.empty())
    return makeError(ErrorKind::Internal, "loadCanonical: recipe has no parts");
  for (const auto& part : recipe.parts)
    if (!part.file || !part.info)
      return makeError(ErrorKind::Internal, "loadCanonical: empty checkpoint entry");
  const std::string context = describe(recipe.parts.front());
  // Parts of mixed stored dtypes are brought to one dtype before `cat`.
  const DType stored = recipe.parts.front().info->dtype;
  const torch::ScalarType target = dtype ? *dtype
                                         : (stored == DType::F8_E4M3 || stored == DType::F8_E5M2
                                                ? torch::kFloat32
                                                : torchDtype(stored).value_or(torch::kFloat32));
  try {
    std::vector<torch::Tensor> parts;
    for (const auto& part : recipe.parts) {
      auto loaded = loadTensor(part, target);
      if (!loaded.ok()) return loaded.error();
      if (loaded.value().dim() == 0 ||
          (!parts.empty() && (loaded.value().dim() != parts.front().dim() ||
                              loaded.value().sizes().slice(1) != parts.front().sizes().slice(1))))
        return makeError(ErrorKind::ModelInvalid,
                         describe(part) + ": shape " + shapeText(loaded.value().sizes()) +
                             " cannot be concatenated with " + context + " " +
                             shapeText(parts.empty() ? c10::IntArrayRef{} : parts.front().sizes()));
      parts.push_back(std::move(loaded.value()));
    }
    torch::Tensor tensor = parts.size() == 1 ? parts.front() : torch::cat(parts, 0);
    if (recipe.swapHalves) {
      const int64_t rows = tensor.dim() > 0 ? tensor.size(0) : 0;
      if (rows % 2 != 0 || tensor.dim() == 0)
        return makeError(ErrorKind::ModelInvalid,
                         context + ": cannot swap halves of shape " + shapeText(tensor.sizes()));
      // [a; b] -> [b; a] along dim 0.
      tensor = torch::cat({tensor.slice(0, rows / 2, rows), tensor.slice(0, 0, rows / 2)}, 0);
    }
    int64_t expected = 1;
    for (int64_t dim : recipe.shape) expected *= dim;
    if (expected != tensor.numel())
      return makeError(ErrorKind::ModelInvalid,
                       context + ": " + std::to_string(tensor.numel()) + " elements cannot form " +
                           "the expected shape " + shapeText(recipe.shape));
    return tensor.reshape(recipe.shape).contiguous();
  } catch (const std::bad_alloc&) {
    return makeError(ErrorKind::OutOfMemory, context + ": out of memory");
  } catch (const std::exception& e) {
    return torchError(context, e);
  }
}

}  // namespace fd

namespace fd {

Result<torch::Tensor> loadPacked(const WeightRecipe& recipe, torch::Device device) {
  if (recipe.parts.empty())
    return makeError(ErrorKind::Internal, "loadPacked: recipe has no parts");
  const TensorInfo& first = *recipe.parts.front().info;
  const std::string context = describe(recipe.parts.front());
  const DType stored = first.dtype;
  if (!keepsPacked(stored) || recipe.shape.size() != 2)
    return makeError(ErrorKind::Internal,
                     context + ": loadPacked needs a 2-D quantized or float8 weight");
  const int64_t cols = recipe.shape[1];
  try {
    std::vector<torch::Tensor> parts;
    int64_t rows = 0;
    for (const auto& part : recipe.parts) {
      const TensorInfo& info = *part.info;
      const int64_t partCols = info.shape.empty() ? 0 : info.shape.back();
      if (info.dtype != stored || partCols != cols || info.shape.size() != 2)
        return makeError(ErrorKind::ModelInvalid,
                         describe(part) + ": " + dtypeDisplayName(info.dtype) +
                             " part does not fit " + context + " (" + dtypeDisplayName(stored) +
                             ", rows of " + std::to_string(cols) + ")");
      const uint8_t* bytes = part.file->data(info);
      if (!bytes)
        return makeError(ErrorKind::ModelInvalid, describe(part) + ": byte range outside the file");
      const int64_t partRows = info.shape[0];
      const auto rowBytes = static_cast<int64_t>(*storageBytes(stored, cols));
      // A view of the mapping; the deleter keeps the file mapped.
      std::shared_ptr<TensorFile> keep = part.file;
      torch::Tensor view = torch::from_blob(
          const_cast<uint8_t*>(bytes), {partRows, rowBytes},
          [keep](void*) mutable { keep.reset(); }, torch::kUInt8);
      if (!isQuantized(stored)) view = view.view(*torchDtype(stored));  // float8 (rows, cols)
      parts.push_back(view);
      rows += partRows;
    }
    if (rows != recipe.shape[0])
      return makeError(ErrorKind::ModelInvalid, context + ": " + std::to_string(rows) +
                                                    " rows, expected " +
                                                    std::to_string(recipe.shape[0]));
    torch::Tensor packed = parts.size() == 1 ? parts.front() : torch::cat(parts, 0);
    if (recipe.swapHalves) {
      if (rows % 2 != 0)
        return makeError(ErrorKind::ModelInvalid,
                         context + ": cannot swap halves of an odd row count");
      packed = torch::cat({packed.slice(0, rows / 2, rows), packed.slice(0, 0, rows / 2)}, 0);
    }
    if (!device.is_cpu()) packed = packed.to(device);
    return packed;
  } catch (const std::bad_alloc&) {
    return makeError(ErrorKind::OutOfMemory, context + ": out of memory");
  } catch (const std::exception& e) {
    return torchError(context, e);
  }
}

}  // namespace fd

namespace fd {

std::optional<torch::Tensor> viewCanonical(const WeightRecipe& recipe, torch::ScalarType dtype) {
  if (recipe.parts.size() != 1 || recipe.swapHalves) return std::nullopt;
  const CheckpointEntry& part = recipe.parts.front();
  if (!part.file || !part.info) return std::nullopt;
  const TensorInfo& info = *part.info;
  const auto stored = torchDtype(info.dtype);
  if (!stored || *stored != dtype || isQuantized(info.dtype) || info.dtype == DType::BOOL)
    return std::nullopt;
  const uint8_t* bytes = part.file->data(info);
  const auto elementSize = static_cast<uintptr_t>(dtypeSize(info.dtype));
  if (!bytes || reinterpret_cast<uintptr_t>(bytes) % elementSize != 0) return std::nullopt;
  int64_t numel = 1;
  for (int64_t d : recipe.shape) numel *= d;
  if (numel != info.numel() || info.byteSize() != static_cast<uint64_t>(numel) * elementSize)
    return std::nullopt;
  std::shared_ptr<TensorFile> keep = part.file;
  return torch::from_blob(
      const_cast<uint8_t*>(bytes), recipe.shape, [keep](void*) mutable { keep.reset(); },
      torch::TensorOptions().dtype(dtype));
}

}  // namespace fd
