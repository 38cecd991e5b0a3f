#pragma once
// The per-step preview the sampler's callers hand upwards (to the GUI's
// progress panel and the API's partial images). A plain value, torch-free,
// so that pipeline.h can carry it without the sampling layer including
// anything above it.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fd {

struct LatentPreview {
  int width = 0, height = 0;  // pixels of each image (an eighth of the request's sides)
  int count = 0;              // images of the batch, stored one after another
  std::vector<uint8_t> rgb;   // count * width * height * 3, RGB8, row-major

  size_t imageBytes() const { return size_t(width) * size_t(height) * 3; }
  // Image i of the batch (0 = the first, the GUI's preview).
  const uint8_t* image(int i) const { return rgb.data() + size_t(i) * imageBytes(); }
};

}  // namespace fd
