// Status: the names clients see for every code never change, ToString is "CODE: message"
// with details in key order, and WithDetail works on both lvalues and temporaries.
#include "common/status.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace market4 {
namespace status_test {

TEST(StatusTest, EveryCodeHasItsStableName) {
  // These strings are part of the HTTP API (Error.code); changing one breaks clients.
  const std::vector<std::pair<Code, const char*>> names = {
      {Code::kOk, "OK"},
      {Code::kInvalidArgument, "INVALID_ARGUMENT"},
      {Code::kUnauthenticated, "UNAUTHENTICATED"},
      {Code::kPermissionDenied, "PERMISSION_DENIED"},
      {Code::kNotFound, "NOT_FOUND"},
      {Code::kAlreadyExists, "ALREADY_EXISTS"},
      {Code::kIdempotencyConflict, "IDEMPOTENCY_CONFLICT"},
      {Code::kInsufficientFunds, "INSUFFICIENT_FUNDS"},
      {Code::kExceedsDebits, "EXCEEDS_DEBITS"},
      {Code::kCurrencyMismatch, "CURRENCY_MISMATCH"},
      {Code::kOverflow, "OVERFLOW"},
      {Code::kPendingNotFound, "PENDING_TRANSFER_NOT_FOUND"},
      {Code::kPendingAlreadyPosted, "PENDING_TRANSFER_ALREADY_POSTED"},
      {Code::kPendingAlreadyVoided, "PENDING_TRANSFER_ALREADY_VOIDED"},
      {Code::kPendingExpired, "PENDING_TRANSFER_EXPIRED"},
      {Code::kAmountExceedsPending, "AMOUNT_EXCEEDS_PENDING"},
      {Code::kOutOfStock, "OUT_OF_STOCK"},
      {Code::kFailedPrecondition, "FAILED_PRECONDITION"},
      {Code::kRefundExceedsPaid, "REFUND_EXCEEDS_PAID"},
      {Code::kInvalidSignature, "INVALID_SIGNATURE"},
      {Code::kAlreadyPaid, "ALREADY_PAID"},
      {Code::kExpired, "EXPIRED"},
      {Code::kSameOperator, "SAME_OPERATOR"},
      {Code::kRateLimited, "RATE_LIMITED"},
      {Code::kUnavailable, "UNAVAILABLE"},
      {Code::kIoError, "IO_ERROR"},
      {Code::kInternal, "INTERNAL"},
  };
  // The table covers every enumerator: kInternal is the last one.
  ASSERT_EQ(names.size(), static_cast<std::size_t>(Code::kInternal) + 1);
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(names[i].first), i) << names[i].second;
    EXPECT_EQ(CodeName(names[i].first), names[i].second);
  }
}

TEST(StatusTest, DefaultAndOkAreOk) {
  EXPECT_TRUE(Status().ok());
  EXPECT_TRUE(Status::Ok().ok());
  EXPECT_EQ(Status::Ok().code(), Code::kOk);
  EXPECT_EQ(Status::Ok().ToString(), "OK");
  EXPECT_TRUE(Status::Ok().details().empty());
}

TEST(StatusTest, ToStringIsCodeAndMessage) {
  Status s(Code::kNotFound, "no such account");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.message(), "no such account");
  EXPECT_EQ(s.ToString(), "NOT_FOUND: no such account");
}

TEST(StatusTest, ToStringListsDetailsInKeyOrder) {
  Status s = Status(Code::kInsufficientFunds, "not enough money")
                 .WithDetail("transfer_id", "t1")
                 .WithDetail("index", "0");
  EXPECT_EQ(s.ToString(), "INSUFFICIENT_FUNDS: not enough money [index=0] [transfer_id=t1]");
}

TEST(StatusTest, WithDetailOnAnLvalueChangesItAndReplacesAKey) {
  Status s(Code::kInvalidArgument, "bad amount");
  Status& same = s.WithDetail("field", "amount");
  EXPECT_EQ(&same, &s);
  s.WithDetail("field", "price");
  EXPECT_EQ(s.details().size(), 1u);
  EXPECT_EQ(s.details().at("field"), "price");
}

TEST(StatusTest, WithDetailOnATemporaryKeepsCodeAndMessage) {
  Status s = Status(Code::kOutOfStock, "listing l1 has 2").WithDetail("listing_id", "l1");
  EXPECT_EQ(s.code(), Code::kOutOfStock);
  EXPECT_EQ(s.message(), "listing l1 has 2");
  EXPECT_EQ(s.details().at("listing_id"), "l1");
}

}  // namespace status_test
}  // namespace market4
