#pragma once
// Inpainting masks as users have them, read into one byte per pixel
// (1 = repaint, 0 = keep):
// - with an alpha channel that has fully transparent pixels (PNG or WebP):
//   OpenAI's convention, alpha 0 marks the area to edit;
// - otherwise (no alpha, or alpha opaque everywhere): black-and-white masks
//   as diffusers, ComfyUI and A1111 use them, light (luminance >= 128) marks
//   the area to edit.
// Torch-free.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace fd {

struct MaskImage {
  int width = 0, height = 0;
  std::vector<uint8_t> repaint;  // width*height, 1 = repaint
  bool fromAlpha = false;        // which convention was read
};

// PNG, JPEG, WebP, BMP, ... A file that cannot be decoded is an Io error.
Result<MaskImage> decodeMaskImage(const std::vector<uint8_t>& bytes);

}  // namespace fd
