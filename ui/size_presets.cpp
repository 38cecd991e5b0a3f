#include "size_presets.h"

namespace fd::ui {

const QList<SizePreset>& sizePresets() {
  static const QList<SizePreset> presets = [] {
    QList<SizePreset> list;
    auto add = [&list](const char* ratio, int w, int h) {
      list.append(
          {QStringLiteral("%1  (%2x%3)").arg(QString::fromLatin1(ratio)).arg(w).arg(h), w, h});
    };
    add("1:1", 1024, 1024);
    add("4:3", 1152, 864);
    add("3:4", 864, 1152);
    add("16:9", 1360, 768);
    add("9:16", 768, 1360);
    add("3:2", 1216, 832);
    add("2:3", 832, 1216);
    add("21:9", 1536, 656);
    add("1:1 small", 512, 512);
    return list;
  }();
  return presets;
}

int presetIndexFor(int width, int height) {
  const auto& list = sizePresets();
  for (int i = 0; i < list.size(); ++i)
    if (list[i].width == width && list[i].height == height) return i;
  return -1;
}

}  // namespace fd::ui
