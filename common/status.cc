#include "common/status.h"

namespace market4 {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case Code::kUnauthenticated:
      return "UNAUTHENTICATED";
    case Code::kPermissionDenied:
      return "PERMISSION_DENIED";
    case Code::kNotFound:
      return "NOT_FOUND";
    case Code::kAlreadyExists:
      return "ALREADY_EXISTS";
    case Code::kIdempotencyConflict:
      return "IDEMPOTENCY_CONFLICT";
    case Code::kInsufficientFunds:
      return "INSUFFICIENT_FUNDS";
    case Code::kExceedsDebits:
      return "EXCEEDS_DEBITS";
    case Code::kCurrencyMismatch:
      return "CURRENCY_MISMATCH";
    case Code::kOverflow:
      return "OVERFLOW";
    case Code::kPendingNotFound:
      return "PENDING_TRANSFER_NOT_FOUND";
    case Code::kPendingAlreadyPosted:
      return "PENDING_TRANSFER_ALREADY_POSTED";
    case Code::kPendingAlreadyVoided:
      return "PENDING_TRANSFER_ALREADY_VOIDED";
    case Code::kPendingExpired:
      return "PENDING_TRANSFER_EXPIRED";
    case Code::kAmountExceedsPending:
      return "AMOUNT_EXCEEDS_PENDING";
    case Code::kOutOfStock:
      return "OUT_OF_STOCK";
    case Code::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case Code::kRefundExceedsPaid:
      return "REFUND_EXCEEDS_PAID";
    case Code::kUnavailable:
      return "UNAVAILABLE";
    case Code::kInvalidSignature:
      return "INVALID_SIGNATURE";
    case Code::kAlreadyPaid:
      return "ALREADY_PAID";
    case Code::kExpired:
      return "EXPIRED";
    case Code::kSameOperator:
      return "SAME_OPERATOR";
    case Code::kRateLimited:
      return "RATE_LIMITED";
    case Code::kIoError:
      return "IO_ERROR";
    case Code::kInternal:
      return "INTERNAL";
  }
  return "INTERNAL";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(CodeName(code_));
  out += ": ";
  out += message_;
  for (const auto& [key, value] : details_) {
    out += " [" + key + "=" + value + "]";
  }
  return out;
}

}  // namespace market4
