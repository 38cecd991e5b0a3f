#pragma once
// 8-bit RGB images in and out: PNG with text chunks carrying the settings,
// JPEG with the settings in a comment, WebP (no settings inside: the
// library keeps the PNG), read-back helpers for tests, the image library
// and the UI. Torch-free (the service and the UI use it).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "pipeline/image_metadata.h"

namespace fd {

enum class ImageFormat { Png, Jpeg, Webp };
const char* imageFormatExtension(ImageFormat format);  // "png", "jpg", "webp"
const char* imageFormatName(ImageFormat format);       // "png", "jpeg", "webp" (the API's names)
std::optional<ImageFormat> imageFormatFromName(const std::string& name);  // png, jpeg, jpg, webp

// One PNG text chunk. Written as tEXt when `text` is plain ASCII, else as
// an uncompressed iTXt (UTF-8). Keywords: 1-79 printable ASCII characters.
struct PngTextChunk {
  std::string keyword;
  std::string text;
};

// The two chunks every FluxDesk PNG carries: `parameters` (A1111 style)
// and `fluxdesk` (JSON, see settingsToJson).
std::vector<PngTextChunk> settingsTextChunks(const ImageSettings& settings);

// `rgb`: width*height*3 bytes, row-major.
Result<std::vector<uint8_t>> encodePng(const uint8_t* rgb, int width, int height,
                                       const std::vector<PngTextChunk>& text = {});
// Baseline JPEG, quality 1..100; `comment` goes into a COM segment.
Result<std::vector<uint8_t>> encodeJpeg(const uint8_t* rgb, int width, int height, int quality,
                                        const std::string& comment = {});

// PNG with settingsTextChunks, JPEG with settingsToJson as its comment, or
// WebP. `quality` (0..100; JPEG's 0 is 1) applies to JPEG and WebP.
Result<std::vector<uint8_t>> encodeImage(const uint8_t* rgb, int width, int height,
                                         ImageFormat format, const ImageSettings& settings,
                                         int quality = 95);
// The same without any metadata (previews, partial images).
Result<std::vector<uint8_t>> encodeImagePlain(const uint8_t* rgb, int width, int height,
                                              ImageFormat format, int quality = 95);
// encodeImage, then written atomically (see common/atomic_file.h).
Status saveImage(const std::string& path, const uint8_t* rgb, int width, int height,
                 ImageFormat format, const ImageSettings& settings, int quality = 95);

// Every tEXt, zTXt and iTXt chunk of a PNG (keyword -> UTF-8 text). Io
// errors name the file; a malformed file (bad signature, chunk past the end,
// CRC mismatch) is an error, never an out-of-bounds read.
Result<std::map<std::string, std::string>> parsePngTextChunks(const std::vector<uint8_t>& png);
Result<std::map<std::string, std::string>> readPngTextChunks(const std::string& path);
// The first COM segment of a JPEG ("" when it has none).
Result<std::string> parseJpegComment(const std::vector<uint8_t>& jpeg);

struct DecodedImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // width*height*3
};
// PNG, JPEG, WebP, BMP, ... converted to 8-bit RGB.
Result<DecodedImage> decodeImage(const std::vector<uint8_t>& bytes);
Result<DecodedImage> readImageFile(const std::string& path);
Result<std::vector<uint8_t>> readFileBytes(const std::string& path);

// "<yyyymmdd-hhmmss>-<seed>-<first prompt words>" (ASCII, lower case, at
// most ~60 characters; "image" when the prompt has no usable word).
std::string imageFileStem(const std::string& localDateTime, uint64_t seed,
                          const std::string& prompt);
// The local time as "yyyymmdd-hhmmss".
std::string localDateTimeStamp();
// folder/stem.ext, or folder/stem-2.ext, -3, ... when taken.
std::string uniqueImagePath(const std::string& folder, const std::string& stem, ImageFormat format);

}  // namespace fd
