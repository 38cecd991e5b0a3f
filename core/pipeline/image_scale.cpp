#include "pipeline/image_scale.h"

#include <algorithm>
#include <cmath>

namespace fd {

namespace {

// For each output coordinate: the two source indices and the weight of the second.
struct Tap {
  int lo, hi;
  float weight;
};

std::vector<Tap> taps(int inSize, int outSize) {
  std::vector<Tap> result(size_t(std::max(outSize, 0)));
  const float scale = float(inSize) / float(outSize);
  for (int o = 0; o < outSize; ++o) {
    const float centre = std::clamp((float(o) + 0.5f) * scale - 0.5f, 0.0f, float(inSize - 1));
    const int lo = int(std::floor(centre));
    result[size_t(o)] = {lo, std::min(lo + 1, inSize - 1), centre - float(lo)};
  }
  return result;
}

}  // namespace

std::vector<uint8_t> scaleRgbBilinear(const uint8_t* rgb, int width, int height, int outWidth,
                                      int outHeight) {
  if (!rgb || width < 1 || height < 1 || outWidth < 1 || outHeight < 1) return {};
  const std::vector<Tap> xs = taps(width, outWidth), ys = taps(height, outHeight);
  std::vector<uint8_t> out(size_t(outWidth) * size_t(outHeight) * 3);
  const size_t stride = size_t(width) * 3;
  for (int y = 0; y < outHeight; ++y) {
    const Tap& ty = ys[size_t(y)];
    const uint8_t* top = rgb + size_t(ty.lo) * stride;
    const uint8_t* bottom = rgb + size_t(ty.hi) * stride;
    uint8_t* row = out.data() + size_t(y) * size_t(outWidth) * 3;
    for (int x = 0; x < outWidth; ++x) {
      const Tap& tx = xs[size_t(x)];
      for (int c = 0; c < 3; ++c) {
        const float a = float(top[tx.lo * 3 + c]) +
                        (float(top[tx.hi * 3 + c]) - float(top[tx.lo * 3 + c])) * tx.weight;
        const float b = float(bottom[tx.lo * 3 + c]) +
                        (float(bottom[tx.hi * 3 + c]) - float(bottom[tx.lo * 3 + c])) * tx.weight;
        row[x * 3 + c] = uint8_t(std::clamp(std::lround(a + (b - a) * ty.weight), 0L, 255L));
      }
    }
  }
  return out;
}

}  // namespace fd
