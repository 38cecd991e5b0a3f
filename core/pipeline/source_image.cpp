#include "pipeline/source_image.h"

#include <algorithm>
#include <cmath>

#include "models/autoencoder.h"  // rgb8ToImage

namespace fd {

namespace {

namespace F = torch::nn::functional;

struct CoverCrop {
  int64_t scaledWidth, scaledHeight;  // the input scaled to cover the target
  int64_t left, top;                  // of the target inside it
};

CoverCrop coverCrop(int sourceWidth, int sourceHeight, int width, int height) {
  const double scale = std::max(double(width) / sourceWidth, double(height) / sourceHeight);
  CoverCrop c;
  // Rounded, but never below the target (a pixel short would leave no crop).
  c.scaledWidth = std::max<int64_t>(width, std::llround(sourceWidth * scale));
  c.scaledHeight = std::max<int64_t>(height, std::llround(sourceHeight * scale));
  c.left = (c.scaledWidth - width) / 2;
  c.top = (c.scaledHeight - height) / 2;
  return c;
}

// (1, C, h, w) -> (1, C, H, W) through the cover-and-crop geometry.
torch::Tensor fit(const torch::Tensor& planes, const CoverCrop& c, int width, int height,
                  bool nearest) {
  torch::Tensor scaled = planes;
  if (planes.size(2) != c.scaledHeight || planes.size(3) != c.scaledWidth) {
    auto options =
        F::InterpolateFuncOptions().size(std::vector<int64_t>{c.scaledHeight, c.scaledWidth});
    if (nearest) {
      options.mode(torch::kNearest);
    } else {
      options.mode(torch::kBilinear).align_corners(false).antialias(true);
    }
    scaled = F::interpolate(planes, options);
  }
  return scaled.slice(2, c.top, c.top + height).slice(3, c.left, c.left + width);
}

}  // namespace

PreparedSource prepareSource(const SourceImage& source, int width, int height,
                             int64_t latentFactor) {
  torch::NoGradGuard noGrad;
  const CoverCrop geometry = coverCrop(source.width, source.height, width, height);
  PreparedSource out;
  // uint8 (h, w, 3) -> (1, 3, h, w) in [-1, 1], scaled and cropped.
  auto rgb8 = torch::from_blob(const_cast<uint8_t*>(source.rgb.data()),
                               {source.height, source.width, 3}, torch::kUInt8);
  auto planes = rgb8.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat32);  // (1, 3, h, w) 0..255
  auto fitted = fit(planes, geometry, width, height, false).round().clamp(0, 255);   // (1, 3, H, W)
  auto bytes = fitted.to(torch::kUInt8).squeeze(0).permute({1, 2, 0}).contiguous();  // (H, W, 3)
  out.rgb.assign(bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
  // The encoder sees exactly the pixels that are composited back.
  out.image = rgb8ToImage(bytes);  // (1, 3, H, W) in [-1, 1]

  if (!source.mask.empty()) {
    auto mask8 = torch::from_blob(const_cast<uint8_t*>(source.mask.data()),
                                  {1, 1, source.height, source.width}, torch::kUInt8);
    auto binary = (mask8 != 0).to(torch::kFloat32);                       // (1, 1, h, w)
    auto mask = fit(binary, geometry, width, height, true).contiguous();  // (1, 1, H, W) 0/1
    auto maskBytes = mask.to(torch::kUInt8).flatten();
    out.mask.assign(maskBytes.data_ptr<uint8_t>(),
                    maskBytes.data_ptr<uint8_t>() + maskBytes.numel());
    const int64_t h = height / latentFactor, w = width / latentFactor;
    out.latentMask = F::interpolate(mask, F::InterpolateFuncOptions()
                                              .size(std::vector<int64_t>{h, w})
                                              .mode(torch::kNearest));  // (1, 1, h, w)
  }
  return out;
}

void keepUnmaskedPixels(std::vector<uint8_t>& rgb, const PreparedSource& source) {
  if (source.mask.empty() || rgb.size() != source.rgb.size()) return;
  for (size_t pixel = 0; pixel < source.mask.size(); ++pixel) {
    if (source.mask[pixel]) continue;
    std::copy_n(source.rgb.begin() + long(pixel * 3), 3, rgb.begin() + long(pixel * 3));
  }
}

}  // namespace fd
