#include "demo/random_safetensors.h"

#include <cstring>
#include <set>

#include "weights/safetensors_writer.h"

namespace fd {

namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t hashName(const std::string& name) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// float32 -> bfloat16 / float16 bits, round to nearest even (finite inputs).
uint16_t toBFloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

uint16_t toFloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  uint32_t sign = (bits >> 16) & 0x8000u;
  int32_t exponent = static_cast<int32_t>((bits >> 23) & 0xff) - 127 + 15;
  uint32_t mantissa = bits & 0x7fffffu;
  if (exponent >= 31) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow -> inf
  if (exponent <= 0) {                                               // subnormal or zero
    if (exponent < -10) return static_cast<uint16_t>(sign);
    mantissa |= 0x800000u;
    uint32_t shift = static_cast<uint32_t>(14 - exponent);
    uint32_t half = mantissa >> shift;
    uint32_t rest = mantissa & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1u))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = sign | (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
    ++half;  // may carry into the exponent: still right
  return static_cast<uint16_t>(half);
}

// Draws every value of the tensor; `store(i, v)` puts value i in place. The
// dtype switch stays outside the loop: billions of values at real widths.
template <typename Store>
void drawValues(const RandomTensorSpec& spec, Store store) {
  const int64_t n = spec.numel();
  const double a = spec.halfWidth;
  uint64_t state = hashName(spec.name) ^ 0x5eed0f1d0d3e3001ull;
  if (spec.blur3x3 && spec.shape.size() == 4 && spec.shape[2] == 3 && spec.shape[3] == 3) {
    // Sum of squared taps of (1 2 1)x(1 2 1) is 36; x3/6 keeps each output's
    // variance at what independent taps of the same width would give.
    static const double kTaps[9] = {1, 2, 1, 2, 4, 2, 1, 2, 1};
    const double norm = 3.0 / 6.0;
    double shared = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (i % 9 == 0) {
        double u = double(splitmix64(state) >> 11) * (1.0 / 9007199254740992.0);  // [0, 1)
        shared = (2.0 * u - 1.0) * a;
      }
      store(i, static_cast<float>(spec.mean + shared * kTaps[i % 9] * norm));
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    // Uniform(-a, a) has standard deviation a/sqrt(3): no log/cos needed,
    // so the values cannot depend on the C library.
    double u = double(splitmix64(state) >> 11) * (1.0 / 9007199254740992.0);  // [0, 1)
    store(i, static_cast<float>(spec.mean + (2.0 * u - 1.0) * a));
  }
}

void storeHalf(uint8_t* out, int64_t i, uint16_t h) {
  out[2 * i] = static_cast<uint8_t>(h & 0xff);  // little endian
  out[2 * i + 1] = static_cast<uint8_t>(h >> 8);
}

bool supported(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}

Status validate(const std::string& path, const std::vector<RandomTensorSpec>& tensors) {
  std::set<std::string> names;
  for (const auto& t : tensors) {
    auto bad = [&](const std::string& problem) {
      return makeError(ErrorKind::BadRequest, path + ": " + problem + " (tensor '" + t.name + "')");
    };
    if (t.name.empty() || t.name == "__metadata__") return bad("invalid tensor name");
    if (!names.insert(t.name).second) return bad("duplicate tensor name");
    if (!supported(t.dtype))
      return bad(std::string("random values cannot be drawn as ") + safetensorsName(t.dtype));
    for (int64_t d : t.shape)
      if (d < 0) return bad("negative dimension in shape");
  }
  return Status::success();
}

}  // namespace

int64_t RandomTensorSpec::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

size_t RandomTensorSpec::byteCount() const { return size_t(numel()) * dtypeSize(dtype); }

void fillRandomTensor(const RandomTensorSpec& spec, std::vector<uint8_t>& bytes) {
  bytes.resize(spec.byteCount());
  uint8_t* out = bytes.data();
  switch (spec.dtype) {
    case DType::F32:
      drawValues(spec, [out](int64_t i, float v) { std::memcpy(out + 4 * i, &v, 4); });
      break;
    case DType::BF16:
      drawValues(spec, [out](int64_t i, float v) { storeHalf(out, i, toBFloat16(v)); });
      break;
    case DType::F16:
      drawValues(spec, [out](int64_t i, float v) { storeHalf(out, i, toFloat16(v)); });
      break;
    default: break;  // writeRandomSafetensors rejects other dtypes before drawing
  }
}

Status writeRandomSafetensors(const std::string& path, const std::vector<RandomTensorSpec>& tensors,
                              const std::map<std::string, std::string>& metadata) {
  if (auto s = validate(path, tensors); !s) return s;
  std::vector<TensorLayout> layout;
  layout.reserve(tensors.size());
  for (const auto& t : tensors) layout.push_back({t.name, t.dtype, t.shape, t.byteCount()});
  return writeSafetensorsStreaming(
      path, layout,
      [&](size_t i, std::vector<uint8_t>& bytes) { fillRandomTensor(tensors[i], bytes); },
      metadata);
}

}  // namespace fd
