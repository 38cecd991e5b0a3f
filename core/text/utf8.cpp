#include "text/utf8.h"

#include <cstdint>
#include <cstdio>

namespace fd::unicode {

namespace {

struct DecodeStep {
  char32_t codePoint = 0;
  size_t length = 0;              // bytes consumed; 0 on error
  const char* problem = nullptr;  // set on error
};

// Decodes the sequence starting at bytes[pos] (pos < size).
DecodeStep decodeOne(std::string_view bytes, size_t pos) {
  const auto byteAt = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  const uint8_t lead = byteAt(pos);
  DecodeStep step;
  if (lead < 0x80) {
    step.codePoint = lead;
    step.length = 1;
    return step;
  }
  size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, value = lead & 0x1F, minimum = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, value = lead & 0x0F, minimum = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, value = lead & 0x07, minimum = 0x10000;
  } else if (lead >= 0x80 && lead <= 0xBF) {
    step.problem = "a continuation byte without a lead byte";
    return step;
  } else if (lead == 0xC0 || lead == 0xC1) {
    step.problem = "an overlong encoding";
    return step;
  } else {
    step.problem = "a byte that never occurs in UTF-8";
    return step;
  }
  for (size_t i = 1; i < length; ++i) {
    if (pos + i >= bytes.size()) {
      step.problem = "a sequence cut off by the end of the text";
      return step;
    }
    const uint8_t next = byteAt(pos + i);
    if ((next & 0xC0) != 0x80) {
      step.problem = "a sequence cut off before its continuation bytes";
      return step;
    }
    value = (value << 6) | (next & 0x3F);
  }
  if (value < minimum) {
    step.problem = "an overlong encoding";
  } else if (value >= 0xD800 && value <= 0xDFFF) {
    step.problem = "an encoded UTF-16 surrogate";
  } else if (value > 0x10FFFF) {
    step.problem = "a code point above U+10FFFF";
  } else {
    step.codePoint = value;
    step.length = length;
  }
  return step;
}

Error invalidUtf8(std::string_view bytes, size_t pos, const char* problem, const char* what) {
  char byteText[8];
  std::snprintf(byteText, sizeof(byteText), "0x%02X",
                static_cast<unsigned>(static_cast<uint8_t>(bytes[pos])));
  return makeError(ErrorKind::BadRequest,
                   std::string("the ") + what + " is not valid UTF-8: " + problem +
                       " at byte offset " + std::to_string(pos) + " (byte " + byteText + ")");
}

}  // namespace

Result<std::u32string> decodeUtf8(std::string_view bytes, const char* what) {
  std::u32string out;
  out.reserve(bytes.size());
  for (size_t pos = 0; pos < bytes.size();) {
    const DecodeStep step = decodeOne(bytes, pos);
    if (step.length == 0) return invalidUtf8(bytes, pos, step.problem, what);
    out.push_back(step.codePoint);
    pos += step.length;
  }
  return out;
}

Status validateUtf8(std::string_view bytes, const char* what) {
  for (size_t pos = 0; pos < bytes.size();) {
    const DecodeStep step = decodeOne(bytes, pos);
    if (step.length == 0) return invalidUtf8(bytes, pos, step.problem, what);
    pos += step.length;
  }
  return Status::success();
}

void appendUtf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encodeUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) appendUtf8(cp, out);
  return out;
}

}  // namespace fd::unicode
