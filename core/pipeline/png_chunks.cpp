#include "pipeline/png_chunks.h"

#include <array>
#include <cstring>

#include "pipeline/stb_wrappers.h"

namespace fd {

namespace png {

namespace {

constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

std::array<uint32_t, 256> makeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t n = 0; n < 256; ++n) {
    uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}

void appendU32(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

uint32_t readU32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

bool isPlainAscii(const std::string& text) {
  for (unsigned char c : text)
    if (c >= 0x80 || (c < 0x20 && c != '\n')) return false;
  return true;
}

bool isValidKeyword(const std::string& k) {
  if (k.empty() || k.size() > 79 || k.front() == ' ' || k.back() == ' ') return false;
  for (unsigned char c : k)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

// One chunk: length, type, data, CRC over type + data.
void appendChunk(std::vector<uint8_t>& out, const char type[4], const std::vector<uint8_t>& data) {
  appendU32(out, static_cast<uint32_t>(data.size()));
  size_t typeStart = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  appendU32(out, crc32(out.data() + typeStart, 4 + data.size()));
}

std::vector<uint8_t> textChunkData(const PngTextChunk& chunk, bool international) {
  std::vector<uint8_t> data(chunk.keyword.begin(), chunk.keyword.end());
  data.push_back(0);
  if (international) {
    data.push_back(0);  // not compressed
    data.push_back(0);  // compression method
    data.push_back(0);  // empty language tag
    data.push_back(0);  // empty translated keyword
  }
  data.insert(data.end(), chunk.text.begin(), chunk.text.end());
  return data;
}

std::string latin1ToUtf8(const uint8_t* p, size_t n) {
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    uint8_t c = p[i];
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xc0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
  }
  return out;
}

Result<std::string> inflate(const uint8_t* p, size_t n, const std::string& keyword) {
  int length = 0;
  char* raw = fd_stb_zlib_decode(reinterpret_cast<const char*>(p), static_cast<int>(n), &length);
  if (!raw)
    return makeError(ErrorKind::Io, "PNG text chunk '" + keyword + "': cannot inflate its text");
  std::string text(raw, static_cast<size_t>(length));
  fd_stb_free(raw);
  return text;
}

// keyword -> text of one tEXt / zTXt / iTXt chunk body.
Result<std::pair<std::string, std::string>> parseTextChunk(const std::string& type,
                                                           const uint8_t* p, size_t n) {
  const uint8_t* nul = static_cast<const uint8_t*>(std::memchr(p, 0, n));
  if (!nul) return makeError(ErrorKind::Io, "PNG " + type + " chunk without a keyword terminator");
  std::string keyword(reinterpret_cast<const char*>(p), static_cast<size_t>(nul - p));
  const uint8_t* rest = nul + 1;
  size_t left = n - static_cast<size_t>(rest - p);
  if (type == "tEXt") return std::make_pair(keyword, latin1ToUtf8(rest, left));
  if (type == "zTXt") {
    if (left < 1) return makeError(ErrorKind::Io, "PNG zTXt chunk '" + keyword + "' is truncated");
    auto text = inflate(rest + 1, left - 1, keyword);
    if (!text) return text.error();
    return std::make_pair(
        keyword, latin1ToUtf8(reinterpret_cast<const uint8_t*>(text->data()), text->size()));
  }
  // iTXt: compression flag, method, language\0, translated keyword\0, text.
  if (left < 2) return makeError(ErrorKind::Io, "PNG iTXt chunk '" + keyword + "' is truncated");
  bool compressed = rest[0] != 0;
  const uint8_t* q = rest + 2;
  const uint8_t* end = p + n;
  for (int field = 0; field < 2; ++field) {
    const uint8_t* z = static_cast<const uint8_t*>(std::memchr(q, 0, static_cast<size_t>(end - q)));
    if (!z) return makeError(ErrorKind::Io, "PNG iTXt chunk '" + keyword + "' is truncated");
    q = z + 1;
  }
  if (!compressed)
    return std::make_pair(
        keyword, std::string(reinterpret_cast<const char*>(q), static_cast<size_t>(end - q)));
  auto text = inflate(q, static_cast<size_t>(end - q), keyword);
  if (!text) return text.error();
  return std::make_pair(keyword, std::move(text.value()));
}

}  // namespace

uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc) {
  static const std::array<uint32_t, 256> table = makeCrcTable();
  uint32_t c = crc ^ 0xffffffffu;
  for (size_t i = 0; i < size; ++i) c = table[(c ^ data[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

Result<std::vector<uint8_t>> insertTextChunks(const std::vector<uint8_t>& image,
                                              const std::vector<PngTextChunk>& chunks) {
  // Signature (8) + IHDR (4 length + 4 type + 13 data + 4 CRC).
  constexpr size_t kAfterIhdr = 8 + 25;
  if (image.size() < kAfterIhdr || std::memcmp(image.data(), kSignature, 8) != 0 ||
      std::memcmp(image.data() + 12, "IHDR", 4) != 0)
    return makeError(ErrorKind::Internal,
                     "PNG encoder output does not start with a signature and IHDR");
  std::vector<uint8_t> out(image.begin(), image.begin() + kAfterIhdr);
  for (const auto& chunk : chunks) {
    if (!isValidKeyword(chunk.keyword))
      return makeError(ErrorKind::BadRequest, "PNG text keyword '" + chunk.keyword +
                                                  "' is not 1-79 printable ASCII characters");
    bool international = !isPlainAscii(chunk.text);
    appendChunk(out, international ? "iTXt" : "tEXt", textChunkData(chunk, international));
  }
  out.insert(out.end(), image.begin() + kAfterIhdr, image.end());
  return out;
}

Result<std::vector<uint8_t>> insertJpegComment(const std::vector<uint8_t>& jpeg,
                                               const std::string& comment) {
  if (jpeg.size() < 4 || jpeg[0] != 0xff || jpeg[1] != 0xd8)
    return makeError(ErrorKind::Internal, "JPEG encoder output does not start with SOI");
  if (comment.size() > 65533)
    return makeError(
        ErrorKind::BadRequest,
        "JPEG comment longer than 65533 bytes (prompt too long for JPEG; save as PNG)");
  size_t at = 2;
  if (jpeg[2] == 0xff && jpeg[3] == 0xe0 && jpeg.size() >= 6) {
    size_t appLength = (size_t(jpeg[4]) << 8) | jpeg[5];
    if (2 + 2 + appLength <= jpeg.size()) at = 2 + 2 + appLength;
  }
  std::vector<uint8_t> out(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(at));
  size_t length = comment.size() + 2;
  out.push_back(0xff);
  out.push_back(0xfe);
  out.push_back(static_cast<uint8_t>(length >> 8));
  out.push_back(static_cast<uint8_t>(length & 0xff));
  out.insert(out.end(), comment.begin(), comment.end());
  out.insert(out.end(), jpeg.begin() + static_cast<std::ptrdiff_t>(at), jpeg.end());
  return out;
}

}  // namespace png

Result<std::map<std::string, std::string>> parsePngTextChunks(const std::vector<uint8_t>& bytes) {
  if (bytes.size() < 8 || std::memcmp(bytes.data(), png::kSignature, 8) != 0)
    return makeError(ErrorKind::Io, "not a PNG file (bad signature)");
  std::map<std::string, std::string> texts;
  size_t pos = 8;
  while (true) {
    if (bytes.size() - pos < 12)
      return makeError(ErrorKind::Io, "PNG file is truncated (no IEND chunk)");
    uint32_t length = png::readU32(&bytes[pos]);
    std::string type(reinterpret_cast<const char*>(&bytes[pos + 4]), 4);
    if (length > bytes.size() - pos - 12)
      return makeError(ErrorKind::Io, "PNG chunk '" + type + "' runs past the end of the file");
    const uint8_t* data = &bytes[pos + 8];
    uint32_t stored = png::readU32(data + length);
    if (png::crc32(&bytes[pos + 4], 4 + size_t(length)) != stored)
      return makeError(ErrorKind::Io, "PNG chunk '" + type + "' has a wrong CRC (file damaged)");
    if (type == "tEXt" || type == "zTXt" || type == "iTXt") {
      auto entry = png::parseTextChunk(type, data, length);
      if (!entry) return entry.error();
      texts.emplace(std::move(entry->first), std::move(entry->second));
    }
    pos += 12 + size_t(length);
    if (type == "IEND") break;
  }
  return texts;
}

Result<std::map<std::string, std::string>> readPngTextChunks(const std::string& path) {
  auto bytes = readFileBytes(path);
  if (!bytes) return bytes.error();
  auto texts = parsePngTextChunks(*bytes);
  if (!texts) return makeError(texts.error().kind, path + ": " + texts.error().message);
  return texts;
}

Result<std::string> parseJpegComment(const std::vector<uint8_t>& jpeg) {
  if (jpeg.size() < 2 || jpeg[0] != 0xff || jpeg[1] != 0xd8)
    return makeError(ErrorKind::Io, "not a JPEG file (no SOI marker)");
  size_t pos = 2;
  // Marker segments up to the start of scan; each has a 2-byte length.
  while (pos + 4 <= jpeg.size() && jpeg[pos] == 0xff) {
    uint8_t marker = jpeg[pos + 1];
    if (marker == 0xda || marker == 0xd9) break;  // SOS / EOI: no comment before the data
    size_t length = (size_t(jpeg[pos + 2]) << 8) | jpeg[pos + 3];
    if (length < 2 || pos + 2 + length > jpeg.size())
      return makeError(ErrorKind::Io, "JPEG segment runs past the end of the file");
    if (marker == 0xfe)
      return std::string(reinterpret_cast<const char*>(&jpeg[pos + 4]), length - 2);
    pos += 2 + length;
  }
  return std::string();
}

}  // namespace fd
