#pragma once
// Errors as values at layer boundaries: every fallible call that crosses a
// layer (engine -> service -> ui) returns Result<T> or Status instead of
// throwing. Inside a layer, exceptions (LibTorch's c10::Error included) are
// caught at the boundary and turned into an Error with a kind.

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace fd {

enum class ErrorKind {
  BadRequest,    // the caller asked for something invalid (size, count, prompt)
  ModelMissing,  // weights or tokenizer files not found
  ModelInvalid,  // files found but malformed, wrong keys or shapes
  OutOfMemory,   // host or GPU allocation failed
  Cancelled,     // the user or client cancelled
  Io,            // reading or writing a file failed (disk full, permissions)
  Network,       // a server could not be reached or failed (no network, timeouts, 5xx)
  AccessDenied,  // a server refused the request (401/403: gated repository, bad token)
  Busy,          // no room now (the job queue is full): try again later
  Internal,      // a bug or an unexpected engine failure
};

const char* errorKindName(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::Internal;
  std::string message;  // a sentence a user can act on; names files and fields

  Error() = default;
  Error(ErrorKind k, std::string m) : kind(k), message(std::move(m)) {}
};

// Result<T>: either a value or an Error. Deliberately small: ok(), value(),
// error(), and implicit construction from both sides.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : data_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

  const Error& error() const { return std::get<Error>(data_); }

 private:
  std::variant<T, Error> data_;
};

// Status: success or an Error, for calls with no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
  static Status success() { return {}; }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

inline Error makeError(ErrorKind kind, std::string message) {
  return Error(kind, std::move(message));
}

}  // namespace fd
