#pragma once
// The visible job queue: the running job first, then the waiting ones,
// each with its source (gui/api/cli), its state and progress, and its own
// Cancel button. Finished jobs leave the list (their images are in the
// gallery).

#include <QHash>
#include <QWidget>

#include "service/job_types.h"

class QLabel;
class QListWidget;
class QListWidgetItem;
class QToolButton;

namespace fd {
class JobQueue;
}

namespace fd::ui {

class QueuePanel : public QWidget {
  Q_OBJECT
 public:
  explicit QueuePanel(JobQueue* queue, QWidget* parent = nullptr);
  int visibleJobs() const;
  QListWidget* list() const { return list_; }
  // The row's Cancel button (tests click it); null for an unknown job.
  QToolButton* cancelButtonFor(quint64 id) const;
  QString rowText(quint64 id) const;

 private:
  struct Row {
    QListWidgetItem* item = nullptr;
    QLabel* label = nullptr;
    QToolButton* cancel = nullptr;
    QString prompt;  // on one line
    QString title;   // size, count, source
    QString tooltip;
  };
  void onJobAdded(const fd::JobInfo& job);
  void onJobStarted(quint64 id);
  void onJobProgress(quint64 id, const fd::Progress& progress);
  void onJobFinished(quint64 id, const fd::JobOutcome& outcome);
  void setRowState(Row& row, const QString& state, const QString& detail);
  void updateHeader();

  JobQueue* queue_;
  QLabel* header_;
  QListWidget* list_;
  QHash<quint64, Row> rows_;
};

}  // namespace fd::ui
