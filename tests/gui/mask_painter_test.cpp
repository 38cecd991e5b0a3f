// The mask brush on its own: which pixels a dab, a stroke, an erase and a
// clear mark, counted from the geometry (pixel centres within the radius).
#include "mask_painter.h"

#include <gtest/gtest.h>

namespace fd::test {
namespace {

using ui::MaskPainter;

TEST(MaskPainter, ADabMarksThePixelsWhoseCentreIsWithinTheRadius) {
  MaskPainter mask;
  mask.reset(32, 32);
  EXPECT_TRUE(mask.isEmpty());
  mask.setBrushDiameter(5);  // radius 2.5 around the centre of pixel (10, 10)
  const QRect changed = mask.stroke({10.5, 10.5}, {10.5, 10.5});
  // Offsets with dx² + dy² <= 6.25: the 5x5 square without its 4 corners.
  EXPECT_EQ(mask.markedCount(), 21);
  EXPECT_TRUE(mask.isMarked(10, 10));
  EXPECT_TRUE(mask.isMarked(8, 10));
  EXPECT_TRUE(mask.isMarked(12, 11));
  EXPECT_FALSE(mask.isMarked(8, 8));    // corner: 2² + 2² > 6.25
  EXPECT_FALSE(mask.isMarked(10, 13));  // 3 away
  EXPECT_TRUE(changed.contains(QRect(8, 8, 5, 5)));
  EXPECT_EQ(mask.bytes().size(), 32u * 32u);
  EXPECT_EQ(mask.bytes()[10 * 32 + 10], 1);
}

TEST(MaskPainter, AStrokeCoversTheSegmentWithRoundEnds) {
  MaskPainter mask;
  mask.reset(40, 40);
  mask.setBrushDiameter(3);  // radius 1.5
  mask.stroke({5.5, 20.5}, {25.5, 20.5});
  // Rows 19-21 from x 5 to 25 (63), plus the round caps at x 4 and 26 (3 each).
  EXPECT_EQ(mask.markedCount(), 69);
  EXPECT_TRUE(mask.isMarked(4, 19));
  EXPECT_FALSE(mask.isMarked(3, 20));
  EXPECT_FALSE(mask.isMarked(15, 18));
  EXPECT_TRUE(mask.isMarked(15, 21));
}

TEST(MaskPainter, EraseUnmarksAndClearEmpties) {
  MaskPainter mask;
  mask.reset(32, 32);
  mask.setBrushDiameter(5);
  mask.stroke({10.5, 10.5}, {10.5, 10.5});
  ASSERT_EQ(mask.markedCount(), 21);
  mask.setMode(MaskPainter::Mode::Erase);
  mask.setBrushDiameter(3);
  mask.stroke({10.5, 10.5}, {10.5, 10.5});  // the 3x3 block around (10, 10)
  EXPECT_EQ(mask.markedCount(), 12);
  EXPECT_FALSE(mask.isMarked(10, 10));
  EXPECT_FALSE(mask.isMarked(9, 11));
  EXPECT_TRUE(mask.isMarked(8, 10));
  mask.clear();
  EXPECT_TRUE(mask.isEmpty());
  for (uint8_t v : mask.bytes()) ASSERT_EQ(v, 0);
}

TEST(MaskPainter, StrokesAreClippedToThePicture) {
  MaskPainter mask;
  mask.reset(16, 8);
  mask.setBrushDiameter(4);
  mask.stroke({0, 0}, {0, 0});  // only (0,0), (1,0) and (0,1) have centres within 2 of the corner
  EXPECT_EQ(mask.markedCount(), 3);
  EXPECT_TRUE(mask.stroke({100, 100}, {120, 100}).isEmpty());
  EXPECT_EQ(mask.markedCount(), 3);
}

TEST(MaskPainter, TakesAMaskOfItsSizeAndShowsItAsAnOverlay) {
  MaskPainter mask;
  mask.reset(4, 2);
  EXPECT_FALSE(mask.setMask(std::vector<uint8_t>(7, 1)));
  EXPECT_TRUE(mask.setMask({0, 255, 0, 0, 0, 0, 9, 0}));
  EXPECT_EQ(mask.markedCount(), 2);
  const QImage overlay = mask.overlay(qRgba(255, 0, 0, 128));
  ASSERT_EQ(overlay.size(), QSize(4, 2));
  EXPECT_EQ(qAlpha(overlay.pixel(1, 0)), 128);
  EXPECT_EQ(qAlpha(overlay.pixel(0, 0)), 0);
  EXPECT_EQ(qAlpha(overlay.pixel(2, 1)), 128);
}

}  // namespace
}  // namespace fd::test
