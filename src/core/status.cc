#include "core/status.h"

#include <cerrno>
#include <cstring>

namespace hostmind {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kNotFound: return "NotFound";
    case StatusCode::kPermissionDenied: return "PermissionDenied";
    case StatusCode::kInvalidArgument: return "InvalidArgument";
    case StatusCode::kCorrupt: return "Corrupt";
    case StatusCode::kUnavailable: return "Unavailable";
    case StatusCode::kIoError: return "IoError";
    case StatusCode::kInternal: return "Internal";
  }
  return "Unknown";
}

Status Status::FromErrno(int err, const std::string& what) {
  std::string message = what + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ESRCH:
    case ENOTDIR: return NotFound(std::move(message));
    case EACCES:
    case EPERM: return PermissionDenied(std::move(message));
    case EINVAL: return InvalidArgument(std::move(message));
    case ENOSYS:
    case EOPNOTSUPP: return Unavailable(std::move(message));
    default: return IoError(std::move(message));
  }
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

}  // namespace hostmind
