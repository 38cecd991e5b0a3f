#include "gallery_widget.h"

#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QSortFilterProxyModel>
#include <QVBoxLayout>

#include "gallery_model.h"
#include "thumbnail_loader.h"

namespace fd::ui {

GalleryWidget::GalleryWidget(ImageLibrary* library, QWidget* parent) : QWidget(parent) {
  thumbnails_ = new ThumbnailLoader(128, this);
  model_ = new GalleryModel(library, thumbnails_, this);
  proxy_ = new QSortFilterProxyModel(this);
  proxy_->setSourceModel(model_);
  proxy_->setFilterRole(GalleryModel::PromptRole);
  proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  search_ = new QLineEdit(this);
  search_->setObjectName(QStringLiteral("gallerySearch"));
  search_->setPlaceholderText(tr("Search prompts…"));
  search_->setClearButtonEnabled(true);
  layout->addWidget(search_);

  view_ = new QListView(this);
  view_->setObjectName(QStringLiteral("galleryView"));
  view_->setViewMode(QListView::IconMode);
  view_->setIconSize(QSize(thumbnails_->edge(), thumbnails_->edge()));
  view_->setGridSize(QSize(thumbnails_->edge() + 16, thumbnails_->edge() + 40));
  view_->setSpacing(4);
  view_->setTextElideMode(Qt::ElideRight);
  // Two columns at least, plus the scroll bar.
  view_->setMinimumWidth(2 * (thumbnails_->edge() + 16) + 2 * 4 + 24);
  view_->setResizeMode(QListView::Adjust);
  view_->setMovement(QListView::Static);
  view_->setUniformItemSizes(true);  // keeps layout O(1) per item with thousands
  view_->setWordWrap(true);
  view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  view_->setDragEnabled(true);
  view_->setDragDropMode(QAbstractItemView::DragOnly);
  view_->setModel(proxy_);
  layout->addWidget(view_, 1);

  view_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(view_, &QListView::customContextMenuRequested, this, [this](const QPoint& pos) {
    const QModelIndex index = view_->indexAt(pos);
    const ImageRecord* record = index.isValid() ? recordAtProxyRow(index.row()) : nullptr;
    if (!record) return;
    QMenu* menu = contextMenuFor(*record);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->popup(view_->viewport()->mapToGlobal(pos));
  });
  connect(search_, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);
  connect(view_->selectionModel(), &QItemSelectionModel::currentChanged, this,
          [this] { emit currentChanged(currentRecord()); });
}

const ImageRecord* GalleryWidget::recordAtProxyRow(int row) const {
  QModelIndex source = proxy_->mapToSource(proxy_->index(row, 0));
  return source.isValid() ? model_->recordAt(source.row()) : nullptr;
}

std::optional<ImageRecord> GalleryWidget::currentRecord() const {
  QModelIndex current = view_->currentIndex();
  if (!current.isValid()) return std::nullopt;
  if (const ImageRecord* r = recordAtProxyRow(current.row())) return *r;
  return std::nullopt;
}

std::vector<ImageRecord> GalleryWidget::selectedRecords() const {
  std::vector<ImageRecord> out;
  for (const QModelIndex& index : view_->selectionModel()->selectedIndexes())
    if (const ImageRecord* r = recordAtProxyRow(index.row())) out.push_back(*r);
  if (out.empty())
    if (auto current = currentRecord()) out.push_back(*current);
  return out;
}

std::vector<ImageRecord> GalleryWidget::allRecords() const {
  std::vector<ImageRecord> out;
  for (int row = 0; row < proxy_->rowCount(); ++row)
    if (const ImageRecord* r = recordAtProxyRow(row)) out.push_back(*r);
  return out;
}

void GalleryWidget::selectId(const QString& id) {
  int row = model_->rowForId(id);
  if (row < 0) return;
  QModelIndex index = proxy_->mapFromSource(model_->index(row));
  if (index.isValid()) view_->setCurrentIndex(index);
}

QMenu* GalleryWidget::contextMenuFor(const ImageRecord& record) {
  auto* menu = new QMenu(this);
  QAction* input = menu->addAction(tr("Use as input"), this,
                                   [this, record] { emit useAsInputRequested(record); });
  input->setObjectName(QStringLiteral("useAsInputAction"));
  QAction* reuse = menu->addAction(tr("Reuse settings"), this,
                                   [this, record] { emit reuseSettingsRequested(record); });
  reuse->setObjectName(QStringLiteral("reuseSettingsAction"));
  return menu;
}

void GalleryWidget::selectFirst() {
  if (proxy_->rowCount() > 0) view_->setCurrentIndex(proxy_->index(0, 0));
}

}  // namespace fd::ui
