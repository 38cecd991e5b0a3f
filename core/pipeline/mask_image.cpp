#include "pipeline/mask_image.h"

#include "pipeline/stb_wrappers.h"
#include "pipeline/webp_codec.h"

namespace fd {

namespace {

MaskImage fromRgba(const uint8_t* rgba, int width, int height, bool hasAlpha) {
  MaskImage mask;
  mask.width = width;
  mask.height = height;
  const size_t pixels = size_t(width) * size_t(height);
  mask.repaint.assign(pixels, 0);
  bool transparent = false;
  if (hasAlpha) {
    for (size_t i = 0; i < pixels && !transparent; ++i) transparent = rgba[i * 4 + 3] == 0;
  }
  mask.fromAlpha = transparent;
  for (size_t i = 0; i < pixels; ++i) {
    const uint8_t* p = rgba + i * 4;
    if (transparent) {
      mask.repaint[i] = p[3] == 0;
    } else {
      // Rec. 601 luma in integers: 0.299 R + 0.587 G + 0.114 B.
      const int luma = (299 * p[0] + 587 * p[1] + 114 * p[2]) / 1000;
      mask.repaint[i] = luma >= 128;
    }
  }
  return mask;
}

}  // namespace

Result<MaskImage> decodeMaskImage(const std::vector<uint8_t>& bytes) {
  if (bytes.empty() || bytes.size() > size_t(INT32_MAX))
    return makeError(ErrorKind::Io, "the mask file is empty or too large");
  int width = 0, height = 0;
  if (looksLikeWebp(bytes)) {
    bool hasAlpha = false;
    auto rgba = decodeWebpRgba(bytes, width, height, hasAlpha);
    if (!rgba) return rgba.error();
    return fromRgba(rgba->data(), width, height, hasAlpha);
  }
  int channels = 0;
  unsigned char* raw =
      fd_stb_decode_rgba(bytes.data(), int(bytes.size()), &width, &height, &channels);
  if (!raw)
    return makeError(ErrorKind::Io, "cannot decode the mask (unknown format or damaged file)");
  MaskImage mask = fromRgba(raw, width, height, channels == 2 || channels == 4);
  fd_stb_free(raw);
  return mask;
}

}  // namespace fd
