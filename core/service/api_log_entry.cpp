#include "service/api_log_entry.h"

namespace fd {

QString ApiLogEntry::toLine() const {
  QString line =
      QStringLiteral("%1 %2 %3 %4 user=%5 size=%6 n=%7 -> %8 (%9 s)")
          .arg(time.toUTC().toString(Qt::ISODate), remote.isEmpty() ? QStringLiteral("-") : remote,
               method, path, user.isEmpty() ? QStringLiteral("-") : user,
               size.isEmpty() ? QStringLiteral("-") : size)
          .arg(n)
          .arg(status)
          .arg(seconds, 0, 'f', 2);
  if (!error.isEmpty()) line += QStringLiteral(" ") + error;
  return line;
}

}  // namespace fd
