// Status and Result<T>: how every market4 layer reports an expected failure, as a value.
// A Status carries a stable domain code (a business "no" such as kInsufficientFunds, or a
// system failure such as kIoError), a human message, and optional details naming the
// offending field. Immutable value types; safe to pass between threads.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace market4 {

enum class Code {
  kOk = 0,
  kInvalidArgument,
  kUnauthenticated,
  kPermissionDenied,
  kNotFound,
  kAlreadyExists,
  kIdempotencyConflict,
  kInsufficientFunds,  // a debit would exceed credits on a no-overdraft account
  kExceedsDebits,      // a credit would exceed debits on a credits_must_not_exceed_debits account
  kCurrencyMismatch,   // the two accounts of a transfer hold different currencies
  kOverflow,           // a balance would overflow int64
  kPendingNotFound,    // post/void of a transfer that is not pending
  kPendingAlreadyPosted,  // post/void of a pending transfer already posted
  kPendingAlreadyVoided,  // post/void of a pending transfer already voided
  kPendingExpired,        // post/void of a pending transfer whose timeout passed
  kAmountExceedsPending,  // partial post larger than the pending amount
  kOutOfStock,            // an order asks for more units than a listing has
  kFailedPrecondition,    // the object is not in a state that allows this (e.g. pay twice)
  kRefundExceedsPaid,     // refunds would add up to more than the order's total
  kInvalidSignature,      // a provider callback whose signature or timestamp does not verify
  kAlreadyPaid,           // a one-time payment request that was paid already
  kExpired,               // a payment request whose time ran out
  kSameOperator,          // four eyes: the operator who asked cannot also approve
  kRateLimited,           // an abuse limit: wait (detail retry_after_seconds) and retry
  kUnavailable,           // the engine is stopped or its queue is full; retry later
  kIoError,               // storage failed
  kInternal,              // a bug: an invariant did not hold
};

// The detail of a kRateLimited status that holds the seconds to wait before retrying.
inline constexpr std::string_view kRetryAfterDetail = "retry_after_seconds";

// Stable UPPER_SNAKE name of a code, as clients see it.
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::map<std::string, std::string>& details() const { return details_; }

  Status& WithDetail(std::string key, std::string value) & {
    details_[std::move(key)] = std::move(value);
    return *this;
  }
  Status&& WithDetail(std::string key, std::string value) && {
    details_[std::move(key)] = std::move(value);
    return std::move(*this);
  }

  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::map<std::string, std::string> details_;
};

// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace market4
