// Result<T>: the control path's error-as-value type. A failed operation carries a code and a
// message a person can act on; nothing on the control path reports failure as bool + log line.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace sysplex {

enum class Errc : uint8_t {
  kInvalidArgument,  // the caller (or a profile) asked for something malformed
  kNotFound,         // a named object does not exist
  kAlreadyExists,    // a named object exists already
  kResourceExhausted,// out of memory, mbufs, table slots, lcores
  kUnavailable,      // a dependency (device, store, peer) cannot be reached now; retry may help
  kFailedPrecondition,// the system is not in a state that allows the operation
  kInternal,         // a bug or an unexpected library failure
};

constexpr const char* errc_name(Errc c) {
  switch (c) {
    case Errc::kInvalidArgument: return "invalid-argument";
    case Errc::kNotFound: return "not-found";
    case Errc::kAlreadyExists: return "already-exists";
    case Errc::kResourceExhausted: return "resource-exhausted";
    case Errc::kUnavailable: return "unavailable";
    case Errc::kFailedPrecondition: return "failed-precondition";
    case Errc::kInternal: return "internal";
  }
  return "unknown";
}

struct Error {
  Errc code = Errc::kInternal;
  std::string message;
  std::string to_string() const { return std::string(errc_name(code)) + ": " + message; }
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}        // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return err_; }

 private:
  Error err_{};
  bool ok_ = true;
};

using Status = Result<void>;
inline Status ok_status() { return Status{}; }

}  // namespace sysplex
