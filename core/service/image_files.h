#pragma once
// Image files for the window, in Qt types: a picture the user opens as an
// input, the input and mask the library kept with an image, and the texts
// FluxDesk writes into its images (which an export carries over). The window
// reads and writes these through here, never through the engine's codecs.
// Qt Core only; safe on any thread.

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

#include "common/result.h"
#include "pipeline/pipeline.h"

namespace fd {

struct ImageRecord;

// A PNG, JPEG or WebP file as an input picture (RGB), named after the file.
// Errors name what is wrong with it (unreadable, not a picture, too large).
Result<SourceImage> readInputPicture(const QString& path);

// The input picture kept with `record` and, for inpainting, its mask.
// BadRequest when the kept mask is not the picture's size.
Result<SourceImage> readKeptInput(const ImageRecord& record);

// The texts of a PNG FluxDesk wrote: "parameters" (the A1111 line) and
// "fluxdesk" (the settings JSON), exact (line breaks kept). Empty when the
// file has none or cannot be read.
QMap<QString, QString> readImageTexts(const QString& path);

// `jpeg` with a comment (COM) segment for each of `comments` after its APP0
// segment, the first of them first. Empty comments are skipped.
Result<QByteArray> withJpegComments(const QByteArray& jpeg, const QStringList& comments);

}  // namespace fd
