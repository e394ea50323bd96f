// Reads of the payment rails: top-ups, payouts, exceptions and stored provider events.
// Ownership is checked next to the data: another tenant's record is NOT_FOUND.
#include <google/protobuf/util/time_util.h>

#include "common/limits.h"
#include "engine/query.h"
#include "engine/rails.h"
#include "engine/records.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;

// The rail record `id` if it exists and `visible` says the caller may see it; else NOT_FOUND
// naming `what`.
template <typename Record, typename Visible>
Result<Record> ReadRail(const storage::ReadView& view, const std::string& id, const char* what,
                        const char* prefix, Visible visible) {
  if (IsReferenceOf(id, prefix)) {
    auto record = ReadRecord<Record>(view, Family::kRails, id);
    if (!record.ok()) return record.status();
    if (record.value() && visible(*record.value())) return std::move(*record.value());
  }
  return Status(Code::kNotFound, std::string("no ") + what + " with this id")
      .WithDetail(std::string(what) + "_id", id);
}

// One page of the records listed under `owner`, newest first, those `keep` accepts. Examines
// at most kMaxScannedRecords entries; a page may then hold fewer than asked, with a token to
// go on. `add` appends a record to the response.
template <typename Record, typename Response, typename Keep, typename Add>
Result<Response> ListRails(const storage::ReadView& view, PagedList list, const std::string& owner,
                           std::size_t limit, const std::string& page_token, Keep keep, Add add) {
  auto size = PageSize(limit);
  if (!size.ok()) return size.status();
  auto start = ResumeBelowSequence(list, owner, page_token);
  if (!start.ok()) return start.status();
  Response response;
  std::size_t shown = 0;
  std::size_t scanned = 0;
  std::string last;
  Status problem;
  const std::string prefix = storage::IndexPrefix(owner);
  Status s = view.Scan(Family::kRailIndex, prefix, true, start.value(),
                       [&](std::string_view key, std::string_view id) {
                         if (shown == size.value() || scanned == kMaxScannedRecords) {
                           response.set_next_page_token(PageToken(list, last, owner));
                           return false;
                         }
                         ++scanned;
                         last = std::string(key.substr(prefix.size()));
                         auto record = ReadRecord<Record>(view, Family::kRails, id);
                         if (!record.ok() || !record.value()) {
                           problem = Status(Code::kInternal, "rail index points at nothing");
                           return false;
                         }
                         if (keep(*record.value())) {
                           add(response, std::move(*record.value()));
                           ++shown;
                         }
                         return true;
                       });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  return response;
}

}  // namespace

Result<v1::TopUp> Query::GetTopUp(const std::string& buyer_id, const std::string& id) const {
  return ReadRail<v1::TopUp>(view_, id, "top_up", kTopUpPrefix,
                             [&](const v1::TopUp& t) { return t.buyer_id() == buyer_id; });
}

Result<v1::ListTopUpsResponse> Query::ListTopUps(const std::string& buyer_id, std::size_t limit,
                                                 const std::string& page_token) const {
  return ListRails<v1::TopUp, v1::ListTopUpsResponse>(
      view_, PagedList::kTopUps, TopUpsOwner(buyer_id), limit, page_token,
      [](const v1::TopUp&) { return true; },
      [](v1::ListTopUpsResponse& r, v1::TopUp t) { *r.add_top_ups() = std::move(t); });
}

Result<v1::Payout> Query::GetPayout(const Caller& caller, const std::string& id) const {
  return ReadRail<v1::Payout>(view_, id, "payout", kPayoutPrefix, [&](const v1::Payout& p) {
    return caller.role == Role::kOperator ||
           (caller.role == Role::kMerchant && p.merchant_id() == caller.id);
  });
}

Result<v1::ListPayoutsResponse> Query::ListPayouts(const Caller& caller, v1::RailStatus status,
                                                   std::size_t limit,
                                                   const std::string& page_token) const {
  std::string owner;
  if (caller.role == Role::kOperator) owner = kAllPayoutsOwner;
  if (caller.role == Role::kMerchant) owner = PayoutsOwner(caller.id);
  if (owner.empty()) return Status(Code::kPermissionDenied, "only merchants and operators");
  return ListRails<v1::Payout, v1::ListPayoutsResponse>(
      view_, PagedList::kPayouts, owner, limit, page_token,
      [status](const v1::Payout& p) {
        return status == v1::RAIL_STATUS_UNSPECIFIED || p.status() == status;
      },
      [](v1::ListPayoutsResponse& r, v1::Payout p) { *r.add_payouts() = std::move(p); });
}

Result<v1::ProviderException> Query::GetException(const std::string& id) const {
  return ReadRail<v1::ProviderException>(view_, id, "exception", kExceptionPrefix,
                                         [](const v1::ProviderException&) { return true; });
}

Result<v1::ListExceptionsResponse> Query::ListExceptions(v1::ExceptionStatus status,
                                                         std::size_t limit,
                                                         const std::string& page_token) const {
  return ListRails<v1::ProviderException, v1::ListExceptionsResponse>(
      view_, PagedList::kExceptions, kAllExceptionsOwner, limit, page_token,
      [status](const v1::ProviderException& e) {
        return status == v1::EXCEPTION_STATUS_UNSPECIFIED || e.status() == status;
      },
      [](v1::ListExceptionsResponse& r, v1::ProviderException e) {
        *r.add_exceptions() = std::move(e);
      });
}

Result<v1::PaymentRequest> Query::GetPaymentRequest(const std::string& code,
                                                    std::int64_t now_ns) const {
  auto request = ReadRecord<v1::PaymentRequest>(view_, Family::kRails, kRequestPrefix + code);
  if (!request.ok()) return request.status();
  if (!request.value()) {
    return Status(Code::kNotFound, "no payment request with this code").WithDetail("code", code);
  }
  v1::PaymentRequest found = std::move(*request.value());
  if (!found.reusable() && found.status() == "OPEN" &&
      now_ns >= google::protobuf::util::TimeUtil::TimestampToNanoseconds(found.expires_at())) {
    found.set_status("EXPIRED");
  }
  return found;
}

Result<v1::ListStallPaymentsResponse> Query::ListStallPayments(
    const std::string& merchant_id, std::size_t limit, const std::string& page_token) const {
  return ListRails<v1::StallPayment, v1::ListStallPaymentsResponse>(
      view_, PagedList::kStallPayments, "s" + merchant_id, limit, page_token,
      [](const v1::StallPayment&) { return true; },
      [](v1::ListStallPaymentsResponse& r, v1::StallPayment p) {
        *r.add_payments() = std::move(p);
      });
}

Result<v1::StallPayment> Query::GetStallPayment(const std::string& merchant_id,
                                                const std::string& id) const {
  return ReadRail<v1::StallPayment>(
      view_, id, "payment", kStallPaymentPrefix,
      [&](const v1::StallPayment& p) { return p.merchant_id() == merchant_id; });
}

Result<v1::ProviderEvent> Query::GetProviderEvent(const std::string& id) const {
  return GetById<v1::ProviderEvent>(view_, Family::kEvents, "e" + id, "event");
}

}  // namespace market4::engine
