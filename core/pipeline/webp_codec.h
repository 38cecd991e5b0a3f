#pragma once
// WebP through Debian's libwebp: lossy encoding at a quality 0..100 and
// decoding to 8-bit RGB. A build without libwebp (engine-only, see
// cmake/FluxDeskDependencies.cmake) answers both with a clear error.
// Torch-free.

#include <cstdint>
#include <vector>

#include "common/result.h"

namespace fd {

bool webpAvailable();
// True when the bytes start like a WebP file (RIFF....WEBP).
bool looksLikeWebp(const std::vector<uint8_t>& bytes);

// `rgb`: width*height*3 bytes, row-major. Lossy, quality 0..100.
Result<std::vector<uint8_t>> encodeWebp(const uint8_t* rgb, int width, int height, int quality);
// Any WebP (lossy, lossless, with alpha: alpha is dropped) to RGB8.
Result<std::vector<uint8_t>> decodeWebp(const std::vector<uint8_t>& bytes, int& width, int& height);
// To RGBA8; `hasAlpha` tells whether the file carries an alpha channel.
Result<std::vector<uint8_t>> decodeWebpRgba(const std::vector<uint8_t>& bytes, int& width,
                                            int& height, bool& hasAlpha);

}  // namespace fd
