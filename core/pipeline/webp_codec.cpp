#include "pipeline/webp_codec.h"

#include <cstring>
#include <string>

#if FLUXDESK_HAVE_WEBP
#include <webp/decode.h>
#include <webp/encode.h>
#endif

namespace fd {

namespace {
// WebP's own limit: 14 bits per side.
constexpr int kMaxWebpSide = 16383;
}  // namespace

bool looksLikeWebp(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 12 && std::memcmp(bytes.data(), "RIFF", 4) == 0 &&
         std::memcmp(bytes.data() + 8, "WEBP", 4) == 0;
}

#if FLUXDESK_HAVE_WEBP

bool webpAvailable() { return true; }

Result<std::vector<uint8_t>> encodeWebp(const uint8_t* rgb, int width, int height, int quality) {
  if (!rgb || width < 1 || height < 1 || width > kMaxWebpSide || height > kMaxWebpSide)
    return makeError(ErrorKind::BadRequest, "WebP images are 1 to 16383 pixels a side, not " +
                                                std::to_string(width) + "x" +
                                                std::to_string(height));
  if (quality < 0 || quality > 100)
    return makeError(ErrorKind::BadRequest,
                     "WebP quality " + std::to_string(quality) + " is not in 0..100");
  uint8_t* output = nullptr;
  const size_t size = WebPEncodeRGB(rgb, width, height, width * 3, float(quality), &output);
  if (size == 0 || !output) {
    WebPFree(output);
    return makeError(ErrorKind::OutOfMemory, "the WebP encoder failed (out of memory)");
  }
  std::vector<uint8_t> bytes(output, output + size);
  WebPFree(output);
  return bytes;
}

Result<std::vector<uint8_t>> decodeWebp(const std::vector<uint8_t>& bytes, int& width,
                                        int& height) {
  if (!WebPGetInfo(bytes.data(), bytes.size(), &width, &height))
    return makeError(ErrorKind::Io, "cannot decode the WebP image (damaged file)");
  std::vector<uint8_t> rgb(size_t(width) * size_t(height) * 3);
  if (!WebPDecodeRGBInto(bytes.data(), bytes.size(), rgb.data(), rgb.size(), width * 3))
    return makeError(ErrorKind::Io, "cannot decode the WebP image (damaged file)");
  return rgb;
}

Result<std::vector<uint8_t>> decodeWebpRgba(const std::vector<uint8_t>& bytes, int& width,
                                            int& height, bool& hasAlpha) {
  WebPBitstreamFeatures features;
  if (WebPGetFeatures(bytes.data(), bytes.size(), &features) != VP8_STATUS_OK)
    return makeError(ErrorKind::Io, "cannot decode the WebP image (damaged file)");
  width = features.width;
  height = features.height;
  hasAlpha = features.has_alpha != 0;
  std::vector<uint8_t> rgba(size_t(width) * size_t(height) * 4);
  if (!WebPDecodeRGBAInto(bytes.data(), bytes.size(), rgba.data(), rgba.size(), width * 4))
    return makeError(ErrorKind::Io, "cannot decode the WebP image (damaged file)");
  return rgba;
}

#else

bool webpAvailable() { return false; }

Result<std::vector<uint8_t>> decodeWebpRgba(const std::vector<uint8_t>&, int&, int&, bool&) {
  return makeError(ErrorKind::Io,
                   "this build of FluxDesk cannot read WebP images (built without libwebp)");
}

Result<std::vector<uint8_t>> encodeWebp(const uint8_t*, int, int, int) {
  return makeError(ErrorKind::BadRequest,
                   "this build of FluxDesk has no WebP support (built without libwebp)");
}

Result<std::vector<uint8_t>> decodeWebp(const std::vector<uint8_t>&, int&, int&) {
  return makeError(ErrorKind::Io,
                   "this build of FluxDesk cannot read WebP images (built without libwebp)");
}

#endif

}  // namespace fd
