// Errors as values at module edges: Status for operations without a result, Result<T> otherwise.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace fulcrum {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong (bad config value, malformed task)
  kNotFound,            // a named thing does not exist (unknown policy, unknown node)
  kAlreadyExists,       // a unique id was used twice
  kFailedPrecondition,  // the request is valid but the state does not allow it (dependency cycle)
  kResourceExhausted,   // nothing has room (no node fits the task)
  kUnavailable,         // nothing can serve right now (no eligible backend)
  kInternal,            // a bug or an I/O failure
};

// Stable lower-case name of a code, used in JSON error bodies and logs.
std::string_view error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return {}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: nodes[2].gpus: expected ..."
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string message) {
  return {ErrorCode::kInvalidArgument, std::move(message)};
}
inline Status not_found(std::string message) { return {ErrorCode::kNotFound, std::move(message)}; }
inline Status unavailable(std::string message) {
  return {ErrorCode::kUnavailable, std::move(message)};
}

// Either a value or a non-ok Status. Accessing the wrong alternative is a programming error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(state_).ok() && "Result needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // The error; an ok Status when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(state_); }
  const std::string& error_message() const { return std::get<Status>(state_).message(); }

 private:
  std::variant<T, Status> state_;
};

// Assigns the value of a Result to `target`, or returns its error from the enclosing function.
#define FULCRUM_ASSIGN_OR_RETURN(target, expression)            \
  do {                                                          \
    auto fulcrum_result_ = (expression);                        \
    if (!fulcrum_result_.ok()) return fulcrum_result_.status(); \
    target = std::move(fulcrum_result_).value();                \
  } while (false)

#define FULCRUM_RETURN_IF_ERROR(expression)                                      \
  do {                                                                           \
    if (::fulcrum::Status fulcrum_status_ = (expression); !fulcrum_status_.ok()) \
      return fulcrum_status_;                                                    \
  } while (false)

}  // namespace fulcrum
