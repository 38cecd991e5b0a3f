#pragma once
// Resampling 8-bit RGB images (bilinear, pixel centres aligned as in
// OpenCV's and PIL's resize), e.g. the sampler's eighth-size previews to
// the size of the image they stand for. Torch-free.

#include <cstdint>
#include <vector>

namespace fd {

// `rgb`: width*height*3 bytes, row-major -> outWidth*outHeight*3 bytes.
std::vector<uint8_t> scaleRgbBilinear(const uint8_t* rgb, int width, int height, int outWidth,
                                      int outHeight);

}  // namespace fd
