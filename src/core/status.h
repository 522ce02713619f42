#pragma once
// Status and Result<T>: how errors cross module lines in hostmind (no exceptions do).
//
// A Status is either OK or carries a code and a human-readable message that names what failed
// ("read /proc/stat: Permission denied"). Result<T> holds a T or a non-OK Status.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace hostmind {

enum class StatusCode {
  kOk = 0,
  kNotFound,
  kPermissionDenied,
  kInvalidArgument,  // bad input from a user: config, CLI, rule file
  kCorrupt,          // bad input from the system: a malformed /proc file, a torn record
  kUnavailable,      // a capability or service is missing (no BTF, no journal, sink down)
  kIoError,
  kInternal,
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status Corrupt(std::string m) { return {StatusCode::kCorrupt, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  // Maps an errno from a failed system call on `what` to a Status.
  static Status FromErrno(int err, const std::string& what);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NotFound: read /proc/x: No such file or directory"; "OK" when ok.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design, like std::expected
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T value_or(T fallback) const { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace hostmind

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define HM_RETURN_IF_ERROR(expr)              \
  do {                                        \
    ::hostmind::Status hm_status_ = (expr);   \
    if (!hm_status_.ok()) return hm_status_; \
  } while (0)
