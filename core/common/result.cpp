#include "common/result.h"

namespace fd {

const char* errorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::BadRequest: return "bad_request";
    case ErrorKind::ModelMissing: return "model_missing";
    case ErrorKind::ModelInvalid: return "model_invalid";
    case ErrorKind::OutOfMemory: return "out_of_memory";
    case ErrorKind::Cancelled: return "cancelled";
    case ErrorKind::Io: return "io_error";
    case ErrorKind::Network: return "network_error";
    case ErrorKind::AccessDenied: return "access_denied";
    case ErrorKind::Busy: return "busy";
    case ErrorKind::Internal: return "internal_error";
  }
  return "internal_error";
}

}  // namespace fd
