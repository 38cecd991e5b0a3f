#include "service/service_metatypes.h"

namespace fd {

void registerServiceMetaTypes() {
  // Names as they appear in signal signatures (moc normalises them).
  qRegisterMetaType<fd::Progress>("fd::Progress");
  qRegisterMetaType<fd::ModelInfo>("fd::ModelInfo");
  qRegisterMetaType<fd::Error>("fd::Error");
  qRegisterMetaType<fd::ImageRecord>("fd::ImageRecord");
  qRegisterMetaType<fd::JobInfo>("fd::JobInfo");
  qRegisterMetaType<fd::JobOutcome>("fd::JobOutcome");
  qRegisterMetaType<fd::ApiLogEntry>("fd::ApiLogEntry");
}

}  // namespace fd
