#pragma once
// The window's "Input" tab: the input picture large, with the mask brush
// (paint, erase, brush size, clear) for inpainting. Painting changes the
// shared InputImage's mask; the generation panel follows its signals.

#include <QWidget>

class QLabel;
class QSpinBox;
class QToolButton;

namespace fd::ui {

class ImageView;
class InputImage;

class InputEditor : public QWidget {
  Q_OBJECT
 public:
  InputEditor(InputImage* input, QWidget* parent = nullptr);

  ImageView* view() const { return view_; }
  QToolButton* paintButton() const { return paint_; }
  QToolButton* eraseButton() const { return erase_; }
  QSpinBox* brushSizeBox() const { return brush_; }
  QToolButton* clearMaskButton() const { return clear_; }
  QString statusText() const;

 private:
  void onImageChanged();
  void updateStatus();

  InputImage* input_;
  ImageView* view_;
  QWidget* tools_;
  QToolButton* paint_;
  QToolButton* erase_;
  QSpinBox* brush_;
  QToolButton* clear_;
  QLabel* status_;
};

}  // namespace fd::ui
