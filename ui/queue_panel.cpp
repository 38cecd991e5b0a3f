#include "queue_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

#include "service/job_queue.h"

namespace fd::ui {

QueuePanel::QueuePanel(JobQueue* queue, QWidget* parent) : QWidget(parent), queue_(queue) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* header = new QHBoxLayout();
  header->addWidget(new QLabel(tr("Queue"), this), 1);
  cancel_ = new QPushButton(tr("Cancel job"), this);
  cancel_->setObjectName(QStringLiteral("cancelJobButton"));
  cancel_->setEnabled(false);
  header->addWidget(cancel_);
  layout->addLayout(header);
  list_ = new QListWidget(this);
  list_->setObjectName(QStringLiteral("queueList"));
  list_->setMaximumHeight(120);
  layout->addWidget(list_);

  connect(queue_, &JobQueue::jobAdded, this, &QueuePanel::onJobAdded);
  connect(queue_, &JobQueue::jobStarted, this, &QueuePanel::onJobStarted);
  connect(queue_, &JobQueue::jobProgress, this, &QueuePanel::onJobProgress);
  connect(queue_, &JobQueue::jobFinished, this, &QueuePanel::onJobFinished);
  connect(list_, &QListWidget::currentItemChanged, this,
          [this](QListWidgetItem* current) { cancel_->setEnabled(current != nullptr); });
  connect(cancel_, &QPushButton::clicked, this, &QueuePanel::cancelSelected);
  for (const JobInfo& job : queue_->jobs()) onJobAdded(job);
}

int QueuePanel::visibleJobs() const { return list_->count(); }

void QueuePanel::onJobAdded(const JobInfo& job) {
  if (items_.contains(job.id)) return;
  const auto& r = job.request;
  QString prompt = QString::fromStdString(r.prompt);
  if (prompt.size() > 48) prompt = prompt.left(47) + QChar(0x2026);
  titles_[job.id] = tr("%1 · %2×%3×%4 · %5").arg(prompt).arg(r.count).arg(r.width).arg(r.height).arg(job.source);
  auto* item = new QListWidgetItem(list_);
  item->setData(Qt::UserRole, QVariant::fromValue<quint64>(job.id));
  items_.insert(job.id, item);
  updateItem(item, job.state == JobState::Running ? tr("running") : tr("queued"), {});
}

void QueuePanel::onJobStarted(quint64 id) {
  if (auto* item = items_.value(id)) updateItem(item, tr("running"), {});
}

void QueuePanel::onJobProgress(quint64 id, const Progress& p) {
  auto* item = items_.value(id);
  if (!item) return;
  QString detail = p.stage == Stage::Denoising
                       ? tr("step %1/%2").arg(p.step).arg(p.totalSteps)
                       : QString::fromLatin1(stageName(p.stage));
  updateItem(item, tr("running"), detail);
}

void QueuePanel::onJobFinished(quint64 id, const JobOutcome&) {
  // Finished jobs leave the queue; their images are in the gallery.
  titles_.remove(id);
  delete items_.take(id);
}

void QueuePanel::cancelSelected() {
  if (auto* item = list_->currentItem()) queue_->cancel(item->data(Qt::UserRole).value<quint64>());
}

void QueuePanel::updateItem(QListWidgetItem* item, const QString& state, const QString& detail) {
  quint64 id = item->data(Qt::UserRole).value<quint64>();
  QString text = QStringLiteral("[%1] %2").arg(state, titles_.value(id));
  if (!detail.isEmpty()) text += QStringLiteral(" — ") + detail;
  item->setText(text);
}

}  // namespace fd::ui
