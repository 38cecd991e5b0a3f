#pragma once
// One line of the HTTP API's request log: who asked for what and how it
// ended, never the prompt or the image data.

#include <QDateTime>
#include <QString>

namespace fd {

struct ApiLogEntry {
  QDateTime time;  // when the request arrived (UTC)
  QString remote;  // client address:port
  QString method;
  QString path;
  QString user;        // the request's `user` field, if any
  QString size;        // requested size ("1024x1024"), if any
  int n = 0;           // images requested (0 when not a generation)
  int status = 0;      // HTTP status sent
  double seconds = 0;  // from arrival to answer
  QString error;       // the error code sent, if any

  // "2024-05-01T12:00:00Z 127.0.0.1:5555 POST /v1/images/generations user=- size=1024x1024 n=1 ->
  // 200 (3.21 s)"
  QString toLine() const;
};

}  // namespace fd
