#pragma once
// Byte-level PNG and JPEG container work: adding text chunks to a PNG that
// stb wrote, and reading them (and JPEG comments) back. Torch-free; the
// public entry points are in image_io.h.

#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/image_io.h"

namespace fd::png {

uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc = 0);

// Inserts the chunks right after IHDR (before the image data, where PIL and
// A1111 put them). `png` must start with a valid signature and IHDR.
Result<std::vector<uint8_t>> insertTextChunks(const std::vector<uint8_t>& png,
                                              const std::vector<PngTextChunk>& chunks);

// Inserts a COM segment after the JFIF APP0 segment (or after SOI).
Result<std::vector<uint8_t>> insertJpegComment(const std::vector<uint8_t>& jpeg,
                                               const std::string& comment);

}  // namespace fd::png
