#pragma once
// Qt metatypes for the fd values that travel in queued signals.
// registerServiceMetaTypes() is idempotent; JobQueue, ImageLibrary and
// ApiServer call it, so users only need it for their own connections.

#include <QMetaType>

#include "common/result.h"
#include "pipeline/pipeline.h"
#include "service/api_log_entry.h"
#include "service/image_record.h"
#include "service/job_types.h"

Q_DECLARE_METATYPE(fd::Progress)
Q_DECLARE_METATYPE(fd::ModelInfo)
Q_DECLARE_METATYPE(fd::Error)
Q_DECLARE_METATYPE(fd::ImageRecord)
Q_DECLARE_METATYPE(fd::JobInfo)
Q_DECLARE_METATYPE(fd::JobOutcome)
Q_DECLARE_METATYPE(fd::ApiLogEntry)

namespace fd {
void registerServiceMetaTypes();
}  // namespace fd
