#pragma once
// The aspect-ratio presets offered next to custom width/height. Every size
// meets the request limits (pipeline/request_limits.h; the size presets
// test checks) and is close to one megapixel, the resolution FLUX.1 was
// trained around.

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

}  // namespace fd::ui
