// Input pictures in the real window: opening (drop, gallery, details
// panel), the mask brush on the Input tab, strength and its hint, LoRA
// rows, a generation that keeps its input, and "Reuse settings".
#include "input_image.h"

#include <gtest/gtest.h>

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QDropEvent>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QMenu>
#include <QMimeData>
#include <QMouseEvent>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>
#include <QToolButton>
#include <QUrl>

#include "details_panel.h"
#include "gallery_model.h"
#include "gallery_widget.h"
#include "generation_panel.h"
#include "gui_fixture.h"
#include "image_view.h"
#include "input_box.h"
#include "input_editor.h"
#include "lora_picker.h"
#include "message_bar.h"
#include "pipeline/image_io.h"
#include "pipeline/mask_image.h"
#include "pipeline/request_validation.h"
#include "service/image_library.h"

namespace fd::test {
namespace {

QString folderOf(const TempDir& dir) { return QString::fromStdString(dir.path().string()); }

// A picture with a left-right colour ramp, saved as PNG.
QString writePicture(const TempDir& dir, const QString& name, int width, int height) {
  QImage image(width, height, QImage::Format_RGB888);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      image.setPixelColor(x, y, QColor(x * 255 / width, y * 255 / height, 90));
  const QString path = QDir(folderOf(dir)).filePath(name);
  EXPECT_TRUE(image.save(path));
  return path;
}

void touchFile(const QString& path) { writeTextFile(path.toStdString(), "not really a LoRA"); }

// Drags `path` over the window and drops it; returns whether the drag was accepted.
bool dropFile(QWidget* window, const QString& path) {
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(path)});
  const QPoint at = window->rect().center();
  QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(window, &enter);
  if (!enter.isAccepted()) return false;
  QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(window, &drop);
  return drop.isAccepted();
}

// A left-button drag on the brush surface between two image points.
void dragBrush(ui::ImageView* view, QPointF fromImage, QPointF toImage) {
  QWidget* surface = view->paintSurface();
  ASSERT_NE(surface, nullptr);
  const double scale = surface->width() / double(view->image().width());
  const QPointF from = fromImage * scale, to = toImage * scale;
  QMouseEvent press(QEvent::MouseButtonPress, from, surface->mapToGlobal(from), Qt::LeftButton,
                    Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(surface, &press);
  QMouseEvent move(QEvent::MouseMove, to, surface->mapToGlobal(to), Qt::NoButton, Qt::LeftButton,
                   Qt::NoModifier);
  QApplication::sendEvent(surface, &move);
  QMouseEvent release(QEvent::MouseButtonRelease, to, surface->mapToGlobal(to), Qt::LeftButton,
                      Qt::NoButton, Qt::NoModifier);
  QApplication::sendEvent(surface, &release);
}

TEST(InputImage, DroppingAPictureMakesItTheInputWithItsSize) {
  TempDir library("gui-library");
  TempDir files("gui-input-files");
  GuiHarness h(folderOf(library));
  auto& w = h.window();
  auto* panel = w.generationPanel();
  EXPECT_FALSE(panel->currentRequest().source);

  // Not a picture: refused.
  const QString text = QDir(folderOf(files)).filePath(QStringLiteral("notes.txt"));
  touchFile(text);
  EXPECT_FALSE(dropFile(&w, text));
  EXPECT_FALSE(panel->inputImage()->isSet());

  const QString path = writePicture(files, QStringLiteral("street.png"), 300, 200);
  EXPECT_TRUE(dropFile(&w, path));
  ASSERT_TRUE(panel->inputImage()->isSet());
  EXPECT_EQ(panel->inputImage()->name(), QStringLiteral("street.png"));
  EXPECT_EQ(w.rightTabs()->currentWidget(), w.inputEditor());
  const GenerationRequest request = panel->currentRequest();
  ASSERT_TRUE(request.source);
  EXPECT_EQ(request.source->width, 300);
  EXPECT_EQ(request.source->height, 200);
  EXPECT_EQ(request.source->rgb.size(), 300u * 200u * 3u);
  EXPECT_TRUE(request.source->mask.empty());
  // No size asked for: the input's, brought within the limits (as the CLI does).
  const auto [width, height] = defaultSizeForSource(300, 200);
  EXPECT_EQ(request.width, width);
  EXPECT_EQ(request.height, height);
  EXPECT_EQ(width, 384);
  ASSERT_TRUE(request.strength.has_value());
  EXPECT_DOUBLE_EQ(*request.strength, kDefaultStrength);
  EXPECT_TRUE(panel->inputBox()
                  ->findChild<QLabel*>(QStringLiteral("inputInfo"))
                  ->text()
                  .contains(QStringLiteral("300×200")));

  // Clear: back to text-to-image.
  QTest::mouseClick(panel->inputBox()->findChild<QPushButton*>(QStringLiteral("clearInputButton")),
                    Qt::LeftButton);
  EXPECT_FALSE(panel->currentRequest().source);
  EXPECT_FALSE(panel->currentRequest().strength.has_value());
}

TEST(InputImage, StrengthFollowsTheMaskUntilChosenAndHintsAtFewSteps) {
  TempDir library("gui-library");
  TempDir files("gui-input-files");
  GuiHarness h(folderOf(library));
  auto& w = h.window();
  auto* panel = w.generationPanel();
  ASSERT_TRUE(w.openInputImage(writePicture(files, QStringLiteral("a.png"), 256, 256)));
  h.setSteps(4);
  ui::InputBox* box = panel->inputBox();
  EXPECT_DOUBLE_EQ(box->strength(), 0.85);
  EXPECT_TRUE(box->hintText().contains(
      QStringLiteral("at 4 steps this redraws everything; use 0.75 or less"), Qt::CaseInsensitive))
      << box->hintText().toStdString();

  // A mask painted: inpainting's default, 1.
  ui::InputImage* input = panel->inputImage();
  input->mask().stroke({100, 100}, {100, 100});
  input->maskEdited();
  EXPECT_DOUBLE_EQ(box->strength(), kDefaultInpaintStrength);
  EXPECT_FALSE(panel->currentRequest().source->mask.empty());

  // The user's choice stays when the mask changes.
  box->strengthSlider()->setValue(15);  // 0.75
  EXPECT_TRUE(box->hintText().contains(QStringLiteral("Runs 3 of 4 steps")))
      << box->hintText().toStdString();
  input->mask().clear();
  input->maskEdited();
  EXPECT_DOUBLE_EQ(box->strength(), 0.75);
  EXPECT_DOUBLE_EQ(*panel->currentRequest().strength, 0.75);
  EXPECT_TRUE(panel->currentRequest().source->mask.empty());
  box->strengthSlider()->setValue(0);  // 0 runs no step
  EXPECT_TRUE(box->hintText().contains(QStringLiteral("leaves no step")))
      << box->hintText().toStdString();
  h.typePrompt(QStringLiteral("x"));
  EXPECT_FALSE(panel->validationProblem().isEmpty());
}

TEST(InputImage, TheBrushOnTheInputTabPaintsErasesAndClearsTheMask) {
  TempDir library("gui-library");
  TempDir files("gui-input-files");
  GuiHarness h(folderOf(library));
  auto& w = h.window();
  ASSERT_TRUE(w.openInputImage(writePicture(files, QStringLiteral("b.png"), 320, 240)));
  ui::InputEditor* editor = w.inputEditor();
  ui::InputImage* input = w.generationPanel()->inputImage();
  ASSERT_TRUE(waitUntil(
      [&] { return editor->view()->paintSurface() && editor->view()->paintSurface()->width() > 0; },
      5000));
  editor->brushSizeBox()->setValue(10);
  dragBrush(editor->view(), {40, 40}, {120, 40});
  EXPECT_TRUE(input->mask().isMarked(40, 40));
  EXPECT_TRUE(input->mask().isMarked(80, 41));
  EXPECT_FALSE(input->mask().isMarked(80, 80));
  EXPECT_FALSE(input->mask().isMarked(200, 40));
  EXPECT_TRUE(input->hasMask());
  EXPECT_TRUE(editor->statusText().contains(QStringLiteral("Inpainting")));
  const std::vector<uint8_t> mask = w.generationPanel()->currentRequest().source->mask;
  ASSERT_EQ(mask.size(), 320u * 240u);
  EXPECT_EQ(mask[size_t(40) * 320 + 80], 1);

  QTest::mouseClick(editor->eraseButton(), Qt::LeftButton);
  dragBrush(editor->view(), {80, 40}, {80, 40});
  EXPECT_FALSE(input->mask().isMarked(80, 40));
  EXPECT_TRUE(input->mask().isMarked(40, 40));

  QTest::mouseClick(editor->clearMaskButton(), Qt::LeftButton);
  EXPECT_FALSE(input->hasMask());
  EXPECT_TRUE(w.generationPanel()->currentRequest().source->mask.empty());
}

TEST(InputImage, UseAsInputThenGenerateKeepsTheInputAndStrengthWithTheImage) {
  TempDir library("gui-library");
  GuiHarness h(folderOf(library));
  auto& w = h.window();
  h.typePrompt(QStringLiteral("a first picture"));
  h.setSize(256, 256);
  h.clickGenerate();
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 1; }, 120000))
      << w.messages()->text().toStdString();
  ASSERT_TRUE(waitUntil([&] { return w.details()->record().has_value(); }, 5000));
  const ImageRecord first = *w.details()->record();
  EXPECT_FALSE(first.strength.has_value());
  EXPECT_TRUE(first.inputPath.isEmpty());

  // From the gallery's context menu.
  std::unique_ptr<QMenu> menu(w.gallery()->contextMenuFor(first));
  QAction* use = menu->findChild<QAction*>(QStringLiteral("useAsInputAction"));
  ASSERT_NE(use, nullptr);
  use->trigger();
  ui::InputImage* input = w.generationPanel()->inputImage();
  ASSERT_TRUE(input->isSet());
  EXPECT_EQ(input->width(), 256);
  input->clear();
  // From the details panel's button.
  QTest::mouseClick(w.details()->findChild<QToolButton*>(QStringLiteral("useAsInputButton")),
                    Qt::LeftButton);
  ASSERT_TRUE(input->isSet());
  EXPECT_EQ(input->name(), QFileInfo(first.filePath).fileName());

  h.typePrompt(QStringLiteral("the same in winter"));
  h.setSteps(4);
  w.generationPanel()->inputBox()->setStrength(0.5);
  h.clickGenerate();
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 2; }, 120000))
      << w.messages()->text().toStdString();
  auto records = h.services().library()->records();
  const ImageRecord made = records.back();
  ASSERT_TRUE(made.strength.has_value());
  EXPECT_DOUBLE_EQ(*made.strength, 0.5);
  EXPECT_FALSE(made.inpaint);
  EXPECT_EQ(made.inputName, QFileInfo(first.filePath).fileName());
  ASSERT_FALSE(made.inputPath.isEmpty());
  auto kept = readImageFile(made.inputPath.toStdString());
  ASSERT_TRUE(kept.ok());
  auto original = readImageFile(first.filePath.toStdString());
  ASSERT_TRUE(original.ok());
  EXPECT_EQ(kept->rgb, original->rgb);  // the input itself, losslessly
  EXPECT_TRUE(made.maskPath.isEmpty());
  EXPECT_TRUE(QImage(made.filePath)
                  .text(QStringLiteral("parameters"))
                  .contains(QStringLiteral("Denoising strength: 0.5")));

  // Inpainting: the mask is kept too, as black and white.
  input->mask().setBrushDiameter(64);
  input->mask().stroke({128, 128}, {128, 128});
  input->maskEdited();
  h.clickGenerate();
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 3; }, 120000))
      << w.messages()->text().toStdString();
  const ImageRecord inpainted = h.services().library()->records().back();
  EXPECT_TRUE(inpainted.inpaint);
  ASSERT_FALSE(inpainted.maskPath.isEmpty());
  auto bytes = readFileBytes(inpainted.maskPath.toStdString());
  ASSERT_TRUE(bytes.ok());
  auto mask = decodeMaskImage(bytes.value());
  ASSERT_TRUE(mask.ok());
  EXPECT_EQ(mask->repaint, input->mask().bytes());
  // Not listed as images themselves.
  EXPECT_EQ(h.services().library()->rescan(), 3);
}

TEST(InputImage, TheLoraPickerBuildsTheRequestsLoraList) {
  TempDir library("gui-library");
  TempDir loras("gui-loras");
  TempDir elsewhere("gui-lora-elsewhere");
  const QString a = QDir(folderOf(loras)).filePath(QStringLiteral("aquarelle.safetensors"));
  const QString b = QDir(folderOf(loras)).filePath(QStringLiteral("bokeh.safetensors"));
  const QString other = QDir(folderOf(elsewhere)).filePath(QStringLiteral("detail.safetensors"));
  for (const QString& f : {a, b, other}) touchFile(f);
  touchFile(QDir(folderOf(loras)).filePath(QStringLiteral("readme.txt")));  // not listed
  GuiHarness h(folderOf(library));
  ui::LoraPicker* picker = h.window().generationPanel()->loraPicker();
  picker->setFolder(folderOf(loras));
  EXPECT_TRUE(h.window().generationPanel()->currentRequest().loras.empty());

  QTest::mouseClick(picker->addButton(), Qt::LeftButton);  // the folder's first file
  QTest::mouseClick(picker->addButton(), Qt::LeftButton);
  ASSERT_EQ(picker->rowCount(), 2);
  // Two folder files and "Other file…".
  EXPECT_EQ(picker->fileBox(1)->count(), 3);
  picker->fileBox(1)->setCurrentIndex(picker->fileBox(1)->findText(QStringLiteral("bokeh")));
  picker->scaleBox(1)->setValue(0.5);
  ASSERT_TRUE(picker->addLora(other, 5.0));  // clamped to the picker's range
  EXPECT_DOUBLE_EQ(picker->scaleBox(2)->value(), 2.0);
  picker->scaleBox(2)->setValue(-1.5);
  // The first row's remove button.
  QTest::mouseClick(picker->fileBox(0)->parentWidget()->findChild<QToolButton*>(
                        QStringLiteral("removeLoraButton")),
                    Qt::LeftButton);
  ASSERT_EQ(picker->rowCount(), 2);

  const std::vector<LoraSpec> expected{{b.toStdString(), 0.5}, {other.toStdString(), -1.5}};
  EXPECT_EQ(picker->loras(), expected);
  EXPECT_EQ(h.window().generationPanel()->currentRequest().loras, expected);
}

TEST(InputImage, ReuseSettingsBringsBackInputMaskStrengthAndLoras) {
  TempDir library("gui-library");
  TempDir loras("gui-loras");
  TempDir gone("gui-lora-gone");
  const QString kept = QDir(folderOf(gone)).filePath(QStringLiteral("kept.safetensors"));
  const QString moved = QDir(folderOf(gone)).filePath(QStringLiteral("moved.safetensors"));
  const QString missing = QDir(folderOf(gone)).filePath(QStringLiteral("missing.safetensors"));
  touchFile(kept);
  touchFile(QDir(folderOf(loras))
                .filePath(QStringLiteral("moved.safetensors")));  // found by name in the folder
  GuiHarness h(folderOf(library));
  auto& w = h.window();
  h.settings().setLoraFolder(folderOf(loras));

  // An inpainted image with three LoRAs, as the job queue stores one.
  auto source = std::make_shared<SourceImage>();
  source->width = 40;
  source->height = 30;
  source->rgb.assign(40 * 30 * 3, 0);
  for (size_t i = 0; i < source->rgb.size(); ++i) source->rgb[i] = uint8_t(i * 7);
  source->mask.assign(40 * 30, 0);
  for (int x = 5; x < 20; ++x) source->mask[size_t(10) * 40 + size_t(x)] = 1;
  source->name = "house.jpg";
  GenerationRequest request;
  request.prompt = "a red door";
  request.width = 256;
  request.height = 320;
  request.steps = 3;
  request.seed = 1234;
  request.source = source;
  request.strength = 0.6;
  request.loras = {
      {kept.toStdString(), 0.8}, {moved.toStdString(), -0.5}, {missing.toStdString(), 1.0}};
  GeneratedImage image;
  image.width = 256;
  image.height = 320;
  image.seed = 1234;
  image.rgb.assign(256 * 320 * 3, 128);
  ImageSettings settings;
  settings.prompt = request.prompt;
  settings.steps = 3;
  settings.strength = 0.6;
  settings.sourceImage = "house.jpg";
  settings.inpaint = true;
  settings.loras = {{"kept", 0.8}, {"moved", -0.5}, {"missing", 1.0}};
  auto added =
      h.services().library()->add(image, settings, QStringLiteral("gui"), inputsOf(request));
  ASSERT_TRUE(added.ok()) << added.error().message;
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 1; }, 5000));
  w.gallery()->selectId(added->id);
  ASSERT_TRUE(waitUntil([&] { return w.details()->record().has_value(); }, 5000));
  EXPECT_TRUE(w.details()->infoText().contains(QStringLiteral("strength 0.60")))
      << w.details()->infoText().toStdString();

  QTest::mouseClick(w.details()->findChild<QToolButton*>(QStringLiteral("reuseSettingsButton")),
                    Qt::LeftButton);
  const GenerationRequest again = w.generationPanel()->currentRequest();
  EXPECT_EQ(again.prompt, "a red door");
  EXPECT_EQ(again.width, 256);  // the record's size, not the input's
  EXPECT_EQ(again.height, 320);
  EXPECT_EQ(again.steps, 3);
  EXPECT_EQ(again.seed, std::optional<uint64_t>(1234));
  ASSERT_TRUE(again.source);
  EXPECT_EQ(again.source->width, 40);
  EXPECT_EQ(again.source->rgb, source->rgb);
  EXPECT_EQ(again.source->mask, source->mask);
  EXPECT_EQ(again.source->name, "house.jpg");
  ASSERT_TRUE(again.strength.has_value());
  EXPECT_DOUBLE_EQ(*again.strength, 0.6);
  const std::vector<LoraSpec> expected{
      {kept.toStdString(), 0.8},
      {QDir(folderOf(loras)).filePath(QStringLiteral("moved.safetensors")).toStdString(), -0.5}};
  EXPECT_EQ(again.loras, expected);
  EXPECT_TRUE(w.messages()->text().contains(QStringLiteral("missing")))
      << w.messages()->text().toStdString();

  // A text-to-image record clears the input again.
  GeneratedImage plain = image;
  plain.seed = 99;
  ImageSettings plainSettings;
  plainSettings.prompt = "plain";
  plainSettings.steps = 4;
  auto second = h.services().library()->add(plain, plainSettings, QStringLiteral("gui"));
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 2; }, 5000));
  w.reuseSettings(*second);
  EXPECT_FALSE(w.generationPanel()->currentRequest().source);
  EXPECT_TRUE(w.generationPanel()->currentRequest().loras.empty());
}

}  // namespace
}  // namespace fd::test
