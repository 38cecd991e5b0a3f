#include "error_advice.h"

#include <QObject>

namespace fd::ui {

QString adviceFor(const Error& error) {
  switch (error.kind) {
    case ErrorKind::ModelMissing:
      return QObject::tr(
          "Choose a complete FLUX.1-schnell folder in Settings (or clear the folder to use the "
          "built-in demo model).");
    case ErrorKind::ModelInvalid:
      return QObject::tr(
          "The model files look damaged or are not FLUX.1 weights; check the folder in Settings.");
    case ErrorKind::OutOfMemory:
      return QObject::tr(
          "Try a smaller size, fewer images at once, or a GPU memory mode that keeps less on the "
          "GPU (Settings).");
    case ErrorKind::Io:
      return QObject::tr("Check that the disk has room and that the folder is writable.");
    case ErrorKind::Busy:
      return QObject::tr(
          "The queue is full: wait for a job to finish, or cancel one in the queue.");
    case ErrorKind::Network:
      return QObject::tr(
          "Check the network connection (and a proxy, if one is needed); the download resumes "
          "where it stopped.");
    case ErrorKind::AccessDenied:
      return QObject::tr(
          "Accept the model's licence on its Hugging Face page and enter an access token in the "
          "Models window.");
    case ErrorKind::Cancelled:
    case ErrorKind::BadRequest: return {};
    case ErrorKind::Internal: break;
  }
  return QObject::tr("FluxDesk keeps working; try again, and report the message if it repeats.");
}

QString describeError(const Error& error) {
  QString text = QString::fromStdString(error.message);
  const QString advice = adviceFor(error);
  if (!advice.isEmpty()) text += QLatin1Char('\n') + advice;
  return text;
}

bool isModelError(const Error& error) {
  return error.kind == ErrorKind::ModelMissing || error.kind == ErrorKind::ModelInvalid;
}

}  // namespace fd::ui
