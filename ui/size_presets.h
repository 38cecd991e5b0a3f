#pragma once
// The aspect-ratio presets offered next to custom width/height. Every size
// is a multiple of 16 within 256..2048 and close to one megapixel, the
// resolution FLUX.1 was trained around.

#include <QList>
#include <QString>

namespace fd::ui {

struct SizePreset {
  QString label;  // "16:9 (1360x768)"
  int width;
  int height;
};

const QList<SizePreset>& sizePresets();
// Index of the preset with exactly this size, or -1 (custom).
int presetIndexFor(int width, int height);

constexpr int kMinSide = 256;
constexpr int kMaxSide = 2048;
constexpr int kSideStep = 16;

}  // namespace fd::ui
