#include "pipeline/image_io.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

#include "common/atomic_file.h"
#include "pipeline/png_chunks.h"
#include "pipeline/stb_wrappers.h"
#include "pipeline/webp_codec.h"

namespace fd {

namespace {

Status checkImageArguments(const uint8_t* rgb, int width, int height) {
  if (!rgb || width <= 0 || height <= 0 || width > 65535 || height > 65535)
    return makeError(ErrorKind::BadRequest, "image of " + std::to_string(width) + "x" +
                                                std::to_string(height) +
                                                " pixels cannot be encoded");
  return Status::success();
}

void appendBytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  const auto* bytes = static_cast<const uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

// Every format's encoder; the settings go where the format keeps them
// (WebP: nowhere, see the header).
Result<std::vector<uint8_t>> encodeWithSettings(const uint8_t* rgb, int width, int height,
                                                ImageFormat format, int quality,
                                                const ImageSettings* settings) {
  switch (format) {
    case ImageFormat::Jpeg:
      return encodeJpeg(rgb, width, height, std::max(1, quality),
                        settings ? settingsToJson(*settings) : "");
    case ImageFormat::Webp: return encodeWebp(rgb, width, height, quality);
    case ImageFormat::Png: break;
  }
  return encodePng(rgb, width, height,
                   settings ? settingsTextChunks(*settings) : std::vector<PngTextChunk>{});
}

}  // namespace

const char* imageFormatExtension(ImageFormat format) {
  switch (format) {
    case ImageFormat::Jpeg: return "jpg";
    case ImageFormat::Webp: return "webp";
    case ImageFormat::Png: break;
  }
  return "png";
}

const char* imageFormatName(ImageFormat format) {
  return format == ImageFormat::Jpeg ? "jpeg" : imageFormatExtension(format);
}

std::optional<ImageFormat> imageFormatFromName(const std::string& name) {
  if (name == "png") return ImageFormat::Png;
  if (name == "jpeg" || name == "jpg") return ImageFormat::Jpeg;
  if (name == "webp") return ImageFormat::Webp;
  return std::nullopt;
}

std::vector<PngTextChunk> settingsTextChunks(const ImageSettings& settings) {
  return {{"parameters", parametersText(settings)}, {"fluxdesk", settingsToJson(settings)}};
}

Result<std::vector<uint8_t>> encodePng(const uint8_t* rgb, int width, int height,
                                       const std::vector<PngTextChunk>& text) {
  if (auto s = checkImageArguments(rgb, width, height); !s) return s.error();
  int length = 0;
  unsigned char* raw = fd_stb_png_to_mem(rgb, width, height, &length);
  if (!raw) return makeError(ErrorKind::OutOfMemory, "PNG encoder ran out of memory");
  std::vector<uint8_t> plain(raw, raw + length);
  fd_stb_free(raw);
  if (text.empty()) return plain;
  return png::insertTextChunks(plain, text);
}

Result<std::vector<uint8_t>> encodeJpeg(const uint8_t* rgb, int width, int height, int quality,
                                        const std::string& comment) {
  if (auto s = checkImageArguments(rgb, width, height); !s) return s.error();
  if (quality < 1 || quality > 100)
    return makeError(ErrorKind::BadRequest,
                     "JPEG quality " + std::to_string(quality) + " is not in 1..100");
  std::vector<uint8_t> plain;
  if (!fd_stb_jpeg_to_func(appendBytes, &plain, rgb, width, height, quality))
    return makeError(ErrorKind::Internal, "JPEG encoder failed");
  if (comment.empty()) return plain;
  return png::insertJpegComment(plain, comment);
}

Result<std::vector<uint8_t>> encodeImage(const uint8_t* rgb, int width, int height,
                                         ImageFormat format, const ImageSettings& settings,
                                         int quality) {
  return encodeWithSettings(rgb, width, height, format, quality, &settings);
}

Result<std::vector<uint8_t>> encodeImagePlain(const uint8_t* rgb, int width, int height,
                                              ImageFormat format, int quality) {
  return encodeWithSettings(rgb, width, height, format, quality, nullptr);
}

Status saveImage(const std::string& path, const uint8_t* rgb, int width, int height,
                 ImageFormat format, const ImageSettings& settings, int quality) {
  auto bytes = encodeImage(rgb, width, height, format, settings, quality);
  if (!bytes) return bytes.error();
  return writeFileAtomically(path, *bytes);
}

Result<DecodedImage> decodeImage(const std::vector<uint8_t>& bytes) {
  if (bytes.empty() || bytes.size() > size_t(INT32_MAX))
    return makeError(ErrorKind::Io, "image data is empty or too large");
  DecodedImage image;
  if (looksLikeWebp(bytes)) {  // stb has no WebP reader
    auto rgb = decodeWebp(bytes, image.width, image.height);
    if (!rgb) return rgb.error();
    image.rgb = std::move(*rgb);
    return image;
  }
  unsigned char* raw =
      fd_stb_decode_rgb(bytes.data(), static_cast<int>(bytes.size()), &image.width, &image.height);
  if (!raw)
    return makeError(ErrorKind::Io, "cannot decode the image (unknown format or damaged file)");
  image.rgb.assign(raw, raw + size_t(image.width) * size_t(image.height) * 3);
  fd_stb_free(raw);
  return image;
}

Result<DecodedImage> readImageFile(const std::string& path) {
  auto bytes = readFileBytes(path);
  if (!bytes) return bytes.error();
  auto image = decodeImage(*bytes);
  if (!image) return makeError(ErrorKind::Io, path + ": " + image.error().message);
  return image;
}

Result<std::vector<uint8_t>> readFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorKind::Io, "cannot open '" + path + "': " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) return makeError(ErrorKind::Io, "cannot read '" + path + "'");
  return bytes;
}

std::string imageFileStem(const std::string& localDateTime, uint64_t seed,
                          const std::string& prompt) {
  // Lower-case ASCII words joined by '-', stopping before ~40 characters.
  std::string words;
  std::string word;
  bool full = false;
  auto flush = [&] {
    if (!word.empty() && !full) {
      if (words.size() + word.size() + 1 <= 40)
        words += (words.empty() ? "" : "-") + word;
      else
        full = true;
    }
    word.clear();
  };
  for (unsigned char c : prompt) {
    if (std::isalnum(c) && c < 0x80) {
      word.push_back(static_cast<char>(std::tolower(c)));
      if (word.size() > 20) word.resize(20);
    } else {
      flush();
    }
  }
  flush();
  if (words.empty()) words = "image";
  return localDateTime + "-" + std::to_string(seed) + "-" + words;
}

std::string localDateTimeStamp() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%d-%H%M%S", &local);
  return buffer;
}

std::string uniqueImagePath(const std::string& folder, const std::string& stem,
                            ImageFormat format) {
  const std::string extension = imageFormatExtension(format);
  std::string base = folder.empty() ? stem : folder + "/" + stem;
  std::string path = base + "." + extension;
  struct stat info {};
  for (int n = 2; ::stat(path.c_str(), &info) == 0 && n < 100000; ++n)
    path = base + "-" + std::to_string(n) + "." + extension;
  return path;
}

}  // namespace fd
