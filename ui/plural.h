#pragma once
// "1 image" / "3 images" without a translation file (tr's %n leaves
// "image(s)" as it is when no English plural forms are loaded).

#include <QString>

namespace fd::ui {

// `many` holds %1 for the number.
inline QString countOf(int n, const QString& one, const QString& many) {
  return n == 1 ? one : many.arg(n);
}

}  // namespace fd::ui
