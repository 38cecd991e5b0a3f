#include "preset_row.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTextDocumentFragment>
#include <QVBoxLayout>
#include <cmath>

namespace fd::ui {

QString formatSize(quint64 bytes) {
  constexpr double kKiB = 1024.0;
  if (bytes >= quint64(1) << 30)
    return QStringLiteral("%1 GiB").arg(double(bytes) / (kKiB * kKiB * kKiB), 0, 'f', 1);
  if (bytes >= quint64(1) << 20)
    return QStringLiteral("%1 MiB").arg(qRound64(double(bytes) / (kKiB * kKiB)));
  if (bytes >= quint64(1) << 10)
    return QStringLiteral("%1 KiB").arg(qRound64(double(bytes) / kKiB));
  return QStringLiteral("%1 B").arg(bytes);
}

QString formatEta(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return {};
  if (seconds < 60) return QObject::tr("about %1 s left").arg(qMax(1, int(std::ceil(seconds))));
  if (seconds < 3600) return QObject::tr("about %1 min left").arg(int(std::ceil(seconds / 60)));
  return QObject::tr("about %1 h %2 min left")
      .arg(int(seconds / 3600))
      .arg(int(std::fmod(seconds, 3600) / 60));
}

PresetRow::PresetRow(const ModelPreset& preset, ModelDownloads* downloads, QWidget* parent)
    : QFrame(parent), id_(QString::fromStdString(preset.id)), downloads_(downloads) {
  setObjectName(QStringLiteral("preset-") + id_);
  setFrameShape(QFrame::StyledPanel);
  auto* layout = new QVBoxLayout(this);

  auto* titleRow = new QHBoxLayout();
  auto* title = new QLabel(
      QStringLiteral("<b>%1</b>").arg(QString::fromStdString(preset.title).toHtmlEscaped()), this);
  title->setTextFormat(Qt::RichText);
  marks_ = new QLabel(this);
  marks_->setObjectName(QStringLiteral("presetMarks"));
  marks_->setTextFormat(Qt::RichText);
  titleRow->addWidget(title);
  titleRow->addWidget(marks_, 1);
  layout->addLayout(titleRow);

  auto* description = new QLabel(QString::fromStdString(preset.description), this);
  description->setWordWrap(true);
  layout->addWidget(description);
  QStringList facts;
  facts << tr("Download: %1").arg(formatSize(preset.downloadBytes));
  if (preset.ramBytes) facts << tr("memory: %1 to run on the CPU").arg(formatSize(preset.ramBytes));
  if (preset.vramBytes) facts << tr("%1 of GPU memory on a GPU").arg(formatSize(preset.vramBytes));
  bool gated = false;
  for (const PresetPart& part : preset.parts) gated = gated || part.gated;
  if (gated) facts << tr("needs a Hugging Face token (licence to accept)");
  auto* factsLabel = new QLabel(facts.join(QStringLiteral(" · ")), this);
  factsLabel->setObjectName(QStringLiteral("presetFacts"));
  factsLabel->setWordWrap(true);
  layout->addWidget(factsLabel);

  stateLabel_ = new QLabel(this);
  stateLabel_->setObjectName(QStringLiteral("presetState"));
  stateLabel_->setWordWrap(true);
  layout->addWidget(stateLabel_);
  bar_ = new QProgressBar(this);
  bar_->setObjectName(QStringLiteral("presetProgress"));
  bar_->setRange(0, 1000);  // bytes do not fit an int
  bar_->setTextVisible(false);
  layout->addWidget(bar_);
  detail_ = new QLabel(this);
  detail_->setObjectName(QStringLiteral("presetDetail"));
  detail_->setWordWrap(true);
  layout->addWidget(detail_);
  error_ = new QLabel(this);
  error_->setObjectName(QStringLiteral("presetError"));
  error_->setWordWrap(true);
  error_->setTextFormat(Qt::RichText);  // the licence link
  error_->setOpenExternalLinks(true);
  error_->setTextInteractionFlags(Qt::TextBrowserInteraction);
  layout->addWidget(error_);

  auto* buttons = new QHBoxLayout();
  buttons->addStretch(1);
  const auto button = [this, buttons](const QString& text, const char* name) {
    auto* b = new QPushButton(text, this);
    b->setObjectName(QString::fromLatin1(name));
    buttons->addWidget(b);
    return b;
  };
  download_ = button(tr("Download"), "presetDownload");
  pause_ = button(tr("Pause"), "presetPause");
  resume_ = button(tr("Resume"), "presetResume");
  cancel_ = button(tr("Cancel"), "presetCancel");
  use_ = button(tr("Use this model"), "presetUse");
  layout->addLayout(buttons);

  connect(download_, &QPushButton::clicked, this, [this] { downloads_->download(id_); });
  connect(pause_, &QPushButton::clicked, this, [this] { downloads_->pause(id_); });
  connect(resume_, &QPushButton::clicked, this, [this] { downloads_->resume(id_); });
  connect(cancel_, &QPushButton::clicked, this, [this] { downloads_->cancel(id_); });
  connect(use_, &QPushButton::clicked, this, [this] { emit useRequested(id_); });
  refresh();
}

void PresetRow::setRecommended(bool recommended) {
  recommended_ = recommended;
  refresh();
}

void PresetRow::setInUse(bool inUse) {
  inUse_ = inUse;
  refresh();
}

void PresetRow::refresh() {
  const PresetStatus s = downloads_->status(id_);
  state_ = s.state;
  QStringList marks;
  if (recommended_)
    marks << tr("<span style='color:#1a7f37'>★ Recommended for this computer</span>");
  if (inUse_ && s.state == PresetState::Downloaded)
    marks << tr("<span style='color:#0550ae'>● In use</span>");
  marks_->setText(marks.join(QStringLiteral("&nbsp;&nbsp;")));

  QString text;
  switch (s.state) {
    case PresetState::NotDownloaded: text = tr("Not downloaded."); break;
    case PresetState::Partial:
      text =
          tr("Partly downloaded (%1 so far): Resume continues it.").arg(formatSize(s.partialBytes));
      break;
    case PresetState::Queued: text = tr("Waiting for the download before it to finish…"); break;
    case PresetState::Downloading: text = tr("Downloading…"); break;
    case PresetState::Paused:
      text = s.progress && s.progress->bytesTotal
                 ? tr("Paused at %1 of %2.")
                       .arg(formatSize(s.progress->bytesDone), formatSize(s.progress->bytesTotal))
                 : tr("Paused.");
      break;
    case PresetState::Downloaded: text = tr("Downloaded."); break;
    case PresetState::Failed: text = tr("The download failed."); break;
  }
  stateLabel_->setText(text);

  if (s.state == PresetState::Failed && s.error) {
    QString html = QString::fromStdString(s.error->message).toHtmlEscaped().replace('\n', "<br>");
    if (!s.licenceUrl.isEmpty()) {
      const QString url = s.licenceUrl.toHtmlEscaped();
      html += QStringLiteral("<br>") +
              tr("This model is gated: accept its licence at <a href=\"%1\">%1</a> with your "
                 "Hugging Face "
                 "account, then enter a token of that account below and try again.")
                  .arg(url);
    }
    error_->setText(html);
    error_->setVisible(true);
  } else {
    error_->clear();
    error_->setVisible(false);
  }

  const bool active = s.state == PresetState::Downloading || s.state == PresetState::Queued;
  const bool showBar = active || s.state == PresetState::Paused;
  bar_->setVisible(showBar);
  detail_->setVisible(showBar);
  if (showBar && s.progress) showProgress(*s.progress);
  if (!showBar) detail_->clear();

  download_->setVisible(s.state == PresetState::NotDownloaded || s.state == PresetState::Failed);
  download_->setText(s.state == PresetState::Failed ? tr("Try again") : tr("Download"));
  pause_->setVisible(active);
  resume_->setVisible(s.state == PresetState::Paused || s.state == PresetState::Partial);
  cancel_->setVisible(active || s.state == PresetState::Paused || s.state == PresetState::Partial ||
                      (s.state == PresetState::Failed && s.partialBytes > 0));
  cancel_->setToolTip(tr("Stop and delete the partly downloaded files"));
  pause_->setToolTip(tr("Stop and keep the partly downloaded files: Resume continues them"));
  use_->setVisible(s.state == PresetState::Downloaded);
  use_->setEnabled(!inUse_);
  use_->setText(inUse_ ? tr("In use") : tr("Use this model"));
}

void PresetRow::showProgress(const PresetDownloadProgress& p) {
  if (p.bytesTotal > 0) {
    bar_->setRange(0, 1000);
    bar_->setValue(
        int(std::min<double>(1000.0, 1000.0 * double(p.bytesDone) / double(p.bytesTotal))));
  } else if (state_ == PresetState::Paused) {
    bar_->setRange(0, 1000);
    bar_->setValue(0);
  } else {
    bar_->setRange(0, 0);  // busy until the sizes are known
  }
  if (state_ == PresetState::Paused) {
    detail_->clear();
    return;
  }
  QStringList parts;
  if (p.bytesTotal > 0)
    parts << tr("%1 of %2").arg(formatSize(p.bytesDone), formatSize(p.bytesTotal));
  if (p.bytesPerSecond > 0) parts << tr("%1/s").arg(formatSize(quint64(p.bytesPerSecond)));
  const QString eta = formatEta(p.etaSeconds);
  if (!eta.isEmpty()) parts << eta;
  QString where;
  if (p.partCount > 1)
    where = tr("part %1 of %2 (%3)").arg(p.partIndex + 1).arg(p.partCount).arg(p.part);
  if (!p.file.isEmpty()) where += (where.isEmpty() ? QString() : QStringLiteral(": ")) + p.file;
  if (!where.isEmpty()) parts << where;
  detail_->setText(parts.join(QStringLiteral(" · ")));
}

QString PresetRow::stateText() const {
  QString text = stateLabel_->text();
  if (!error_->text().isEmpty())
    text += QLatin1Char('\n') + QTextDocumentFragment::fromHtml(error_->text()).toPlainText();
  return text;
}

}  // namespace fd::ui
