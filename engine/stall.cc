// At the market stall: payment requests a buyer scans and pays from the wallet. A one-time
// request is paid at most once, before it expires; every merchant also has a reusable,
// open-amount request (its stall QR). Paying moves wallet -> the merchant's available balance
// directly, less the commission as for orders, and tells the merchant's live stream.
#include "common/money.h"
#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "engine/rails.h"
#include "engine/text.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

constexpr char kOpen[] = "OPEN";
constexpr char kPaid[] = "PAID";

std::string RequestKey(const std::string& code) { return kRequestPrefix + code; }
std::string StallPaymentsOwner(const std::string& merchant_id) { return "s" + merchant_id; }

Result<v1::PaymentRequest> FindRequest(Context& context, const std::string& code) {
  auto found = ReadStaged<v1::PaymentRequest>(context.market.staged, storage::Family::kRails,
                                              RequestKey(code));
  if (!found.ok()) return found.status();
  if (!found.value()) {
    return Status(Code::kNotFound, "no payment request with this code").WithDetail("code", code);
  }
  return std::move(*found.value());
}

void PutRequest(Context& context, const v1::PaymentRequest& request) {
  context.market.staged.Put(storage::Family::kRails, RequestKey(request.code()),
                            request.SerializeAsString(), &context.batch);
}

// The amount this payment is for: the request's own, or the buyer's for an open request.
Result<std::int64_t> AmountToPay(const v1::PaymentRequest& request, std::int64_t offered) {
  if (request.amount() > 0) {
    if (offered != 0 && offered != request.amount()) {
      return InvalidField("this request is for a fixed amount", "amount");
    }
    return request.amount();
  }
  if (offered <= 0) return InvalidField("type the amount to pay (greater than zero)", "amount");
  return offered;
}

// Why `request` cannot be paid now, or OK.
Status CheckPayable(const v1::PaymentRequest& request, std::int64_t now) {
  if (request.reusable()) return Status::Ok();
  if (request.status() == kPaid) {
    return Status(Code::kAlreadyPaid, "this payment request was paid already")
        .WithDetail("payment_id", request.payment_id());
  }
  if (now >= Nanos(request.expires_at())) {
    return Status(Code::kExpired, "this payment request has expired")
        .WithDetail("code", request.code());
  }
  return Status::Ok();
}

void PublishReceived(Context& context, const v1::StallPayment& payment) {
  v1::MerchantEvent received;
  received.set_merchant_id(payment.merchant_id());
  received.set_name("payment.received");
  received.set_kind("stall");
  received.set_request_code(payment.request_code());
  received.set_amount(payment.amount());
  received.set_buyer_name(payment.buyer_name());
  PublishMerchantEvent(context, std::move(received));
}

Status MoveStallMoney(Context& context, const v1::StallPayment& payment) {
  std::vector<Ledger::LedgerOp> ops;
  const std::string wallet = WalletAccount(payment.buyer_id());
  std::int64_t share = payment.amount() - payment.commission();
  if (share > 0) {
    ops.push_back(MarketTransfer("sp~" + payment.id(), wallet,
                                 AvailableAccount(payment.merchant_id()), share,
                                 kCodeStallPayment));
  }
  if (payment.commission() > 0) {
    ops.push_back(MarketTransfer("sp~" + payment.id() + "~fee", wallet, kFeesAccount,
                                 payment.commission(), kCodeStallCommission));
  }
  return context.ledger.ApplyInternal(ops, context.now, &context.batch).status();
}

}  // namespace

v1::PaymentRequest NewStallQr(Context& context, const v1::Merchant& merchant) {
  v1::PaymentRequest request;
  request.set_code(ClaimPaymentCode(context, "stall:" + merchant.id(), ""));
  request.set_merchant_id(merchant.id());
  request.set_merchant_name(merchant.name());
  request.set_status(kOpen);
  request.set_reusable(true);
  *request.mutable_created_at() = At(context.now);
  PutRequest(context, request);
  return request;
}

Answer<v1::PaymentRequest> CreatePaymentRequest::Apply(Context& context) const {
  const std::string scope = CallerScope({Role::kMerchant, merchant_id});
  const std::string fingerprint = Fingerprint("payment-request", "", request.SerializeAsString());
  if (!idempotency_key.empty()) {
    auto replay =
        context.market.idempotency.Recall<v1::PaymentRequest>(scope, idempotency_key, fingerprint);
    if (!replay.ok()) return replay.status();
    if (replay.value()) return {std::move(*replay.value()), true};
  }
  auto merchant = context.market.merchants.find(merchant_id);
  if (merchant == context.market.merchants.end()) return NotFound("merchant", merchant_id);
  if (request.amount() < 0) return InvalidField("amount must not be negative", "amount");
  std::int64_t life = request.expires_in_seconds();
  if (life == 0) life = kPaymentRequestDefaultLife.count();
  if (life < 1 || life > kMaxPaymentRequestLife.count()) {
    return InvalidField(
        "expires_in_seconds must be 1.." + std::to_string(kMaxPaymentRequestLife.count()),
        "expires_in_seconds");
  }
  auto note = CleanText(request.note(), {"note", kMaxStallNoteChars, false});
  if (!note.ok()) return note.status();
  v1::PaymentRequest created;
  created.set_code(ClaimPaymentCode(context, seed, ""));
  created.set_merchant_id(merchant_id);
  created.set_merchant_name(merchant->second.name());
  created.set_amount(request.amount());
  created.set_note(note.value());
  created.set_status(kOpen);
  *created.mutable_created_at() = At(context.now);
  *created.mutable_expires_at() = At(context.now + life * 1'000'000'000);
  PutRequest(context, created);
  if (!idempotency_key.empty()) {
    context.market.idempotency.Remember(scope, idempotency_key, fingerprint, created,
                                        &context.batch);
  }
  return created;
}

Answer<v1::StallPayment> PayPaymentRequest::Apply(Context& context) const {
  if (idempotency_key.empty()) return KeyRequired();
  Market& market = context.market;
  const std::string scope = CallerScope({Role::kBuyer, buyer_id});
  const std::string fingerprint = Fingerprint("stall-pay", code, request.SerializeAsString());
  auto replay = market.idempotency.Recall<v1::StallPayment>(scope, idempotency_key, fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay.value()) return {std::move(*replay.value()), true};
  auto buyer = market.buyers.find(buyer_id);
  if (buyer == market.buyers.end()) return NotFound("buyer", buyer_id);
  auto found = FindRequest(context, code);
  if (!found.ok()) return found.status();
  v1::PaymentRequest paying = std::move(found).value();
  if (Status s = CheckPayable(paying, context.now); !s.ok()) return s;
  auto amount = AmountToPay(paying, request.amount());
  if (!amount.ok()) return amount.status();
  v1::StallPayment payment;
  payment.set_id(payment_id);
  payment.set_request_code(code);
  payment.set_merchant_id(paying.merchant_id());
  payment.set_buyer_id(buyer_id);
  payment.set_buyer_name(buyer->second.name());
  payment.set_amount(amount.value());
  payment.set_commission(static_cast<std::int64_t>(
      Wide(amount.value()) * market.options.commission_bps / kBasisPointsPerWhole));
  *payment.mutable_created_at() = At(context.now);
  if (Status s = MoveStallMoney(context, payment); !s.ok()) return s;
  if (!paying.reusable()) {
    paying.set_status(kPaid);
    paying.set_payment_id(payment_id);
    PutRequest(context, paying);
  }
  PutRail(context, payment_id, payment);
  IndexRail(context, payment_id, {StallPaymentsOwner(paying.merchant_id())});
  PublishReceived(context, payment);
  market.idempotency.Remember(scope, idempotency_key, fingerprint, payment, &context.batch);
  return payment;
}

Answer<v1::StallPayment> RefundStallPayment::Apply(Context& context) const {
  if (idempotency_key.empty()) return KeyRequired();
  Market& market = context.market;
  const std::string scope = CallerScope({Role::kMerchant, merchant_id});
  const std::string fingerprint =
      Fingerprint("stall-refund", payment_id, request.SerializeAsString());
  auto replay = market.idempotency.Recall<v1::StallPayment>(scope, idempotency_key, fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay.value()) return {std::move(*replay.value()), true};
  auto found = IsReferenceOf(payment_id, kStallPaymentPrefix)
                   ? FindRail<v1::StallPayment>(context, payment_id)
                   : std::optional<v1::StallPayment>();
  if (!found.ok()) return found.status();
  if (!found.value() || found.value()->merchant_id() != merchant_id) {
    return NotFound("payment", payment_id);
  }
  v1::StallPayment payment = std::move(*found.value());
  if (request.amount() <= 0) return InvalidField("amount must be greater than zero", "amount");
  if (request.amount() > payment.amount() - payment.refunded()) {
    return Status(Code::kRefundExceedsPaid, "refunds would exceed what was paid")
        .WithDetail("refundable", std::to_string(payment.amount() - payment.refunded()));
  }
  auto moved = context.ledger.ApplyInternal(
      {MarketTransfer(
          "sp~" + payment.id() + "~refund~" + std::to_string(context.ledger.next_sequence()),
          AvailableAccount(merchant_id), WalletAccount(payment.buyer_id()), request.amount(),
          kCodeStallRefund)},
      context.now, &context.batch);
  if (!moved.ok()) return moved.status();
  payment.set_refunded(payment.refunded() + request.amount());
  PutRail(context, payment.id(), payment);
  market.idempotency.Remember(scope, idempotency_key, fingerprint, payment, &context.batch);
  return payment;
}

}  // namespace market4::engine
