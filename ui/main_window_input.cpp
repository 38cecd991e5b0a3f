// MainWindow and input pictures: opening one (File menu, toolbar, the
// input box, a drop on the window), "Use as input" on a gallery image, and
// "Reuse settings", which brings back the input, mask and LoRAs too.
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMimeData>
#include <QTabWidget>
#include <QUrl>

#include "app_settings.h"
#include "details_panel.h"
#include "generation_panel.h"
#include "input_editor.h"
#include "input_image.h"
#include "lora_picker.h"
#include "main_window.h"
#include "message_bar.h"
#include "service/image_files.h"

namespace fd::ui {

namespace {

// The first local picture file among the dragged URLs ("" when none).
QString droppedPicture(const QMimeData* mime) {
  if (!mime || !mime->hasUrls()) return {};
  for (const QUrl& url : mime->urls())
    if (url.isLocalFile() && isInputImageFile(url.toLocalFile())) return url.toLocalFile();
  return {};
}

}  // namespace

bool MainWindow::openInputImage(const QString& path) {
  Status loaded = panel_->inputImage()->load(path);
  if (!loaded) {
    messages_->showMessage(
        MessageBar::Level::Error,
        tr("Cannot use %1 as input: %2")
            .arg(QFileInfo(path).fileName().toHtmlEscaped(),
                 QString::fromStdString(loaded.error().message).toHtmlEscaped()));
    return false;
  }
  messages_->clearMessage();
  rightTabs_->setCurrentWidget(inputEditor_);  // where the mask is painted
  return true;
}

void MainWindow::chooseInputImage() {
  const QString path =
      QFileDialog::getOpenFileName(this, tr("Open input image"), QString(), inputImageFileFilter());
  if (!path.isEmpty()) openInputImage(path);
}

void MainWindow::useAsInput(const ImageRecord& record) { openInputImage(record.filePath); }

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (!droppedPicture(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QString path = droppedPicture(event->mimeData());
  if (path.isEmpty()) return;
  event->acceptProposedAction();
  openInputImage(path);
}

void MainWindow::reuseSettings(const ImageRecord& r) {
  GenerationRequest request;
  request.prompt = r.prompt.toStdString();
  request.width = r.width;
  request.height = r.height;
  request.steps = r.steps;
  request.seed = r.seed;
  request.guidance = r.guidance;
  QStringList notes;
  if (!r.inputPath.isEmpty()) {
    Result<SourceImage> source = readKeptInput(r);
    if (source) {
      request.source = std::make_shared<SourceImage>(std::move(source.value()));
      request.strength = r.strength;
    } else {
      notes << tr("The input picture kept with this image cannot be read (%1); the form has no "
                  "input.")
                   .arg(QString::fromStdString(source.error().message).toHtmlEscaped());
    }
  } else if (r.strength || !r.inputName.isEmpty()) {
    notes << tr("This image was made from the input %1, which was not kept with it; the form has "
                "no input.")
                 .arg(r.inputName.toHtmlEscaped());
  }
  // LoRAs by path while the file is there, else by name in the LoRA folder.
  const QStringList folderFiles = loraFilesIn(settings_.loraFolder());
  for (const RecordLora& lora : r.loras) {
    QString path = !lora.path.isEmpty() && QFileInfo(lora.path).isFile() ? lora.path : QString();
    for (const QString& file : folderFiles)
      if (path.isEmpty() && QFileInfo(file).completeBaseName() == lora.name) path = file;
    if (path.isEmpty()) {
      notes << tr("LoRA %1 is not found%2; it was left out.")
                   .arg(lora.name.toHtmlEscaped(),
                        lora.path.isEmpty()
                            ? QString()
                            : tr(" (%1 no longer exists)").arg(lora.path.toHtmlEscaped()));
      continue;
    }
    request.loras.push_back({path.toStdString(), lora.scale});
  }
  panel_->setSettings(request);
  if (notes.isEmpty())
    messages_->clearMessage();
  else
    messages_->showMessage(MessageBar::Level::Warning, notes.join(QStringLiteral("<br>")));
}

}  // namespace fd::ui
