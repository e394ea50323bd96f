// Provider callbacks in every scheme a payment provider may sign with (Standard Webhooks, MoMo
// IPN, VNPay IPN, ZaloPay callback): verify one against the provider's secrets and read it in
// the engine's terms, answer the provider in its own scheme's words, and sign one as the
// provider would (market4-sim and tests). Used by the gateway's callback route and by
// market4-sim. Each scheme lives in its own gateway/scheme_<name>.cc. Pure functions; any
// thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "gateway/http.h"
#include "market4/v1/providers.pb.h"

namespace market4::gateway {

// ProviderNotice::problem values: the signature is good but the content cannot be used.
inline constexpr char kProblemUnreadableBody[] = "UNREADABLE_BODY";    // not the scheme's shape
inline constexpr char kProblemUnsupportedType[] = "UNSUPPORTED_TYPE";  // an event we do not map
// The reference is not one of ours (tu_, pi_, po_), or not of the kind its event names.
inline constexpr char kProblemUnsupportedReference[] = "UNSUPPORTED_REFERENCE";
inline constexpr char kProblemAmountNotWholeDong[] = "AMOUNT_NOT_WHOLE_DONG";  // VNPay: 1/100s

// What a verified provider callback says, in the engine's terms.
struct ProviderNotice {
  // The delivery's own id: webhook-id / MoMo requestId / VNPay vnp_TxnRef + "." +
  // vnp_TransactionNo / ZaloPay zp_trans_id.
  std::string delivery_id;
  // One of: topup.succeeded topup.failed payment.succeeded payment.failed payout.succeeded
  // payout.failed; "" if problem is set.
  std::string type;
  // Our id of the top-up (tu_...), provider payment (pi_...) or payout (po_...).
  std::string reference;
  std::int64_t amount = 0;      // whole dong, >= 0
  std::string provider_txn_id;  // the provider's transaction id
  // Non-empty (one of kProblem...) when the signature is good but the content cannot be read
  // or mapped; the other fields then hold what could be read.
  std::string problem;
  std::string memo;            // bank.credit: the transfer's memo, as the bank sent it
  int secret_index = 0;        // index into secrets of the secret that verified it
  std::int64_t signed_at = 0;  // Unix seconds the provider signed at (Standard Webhooks), else 0
};

// Verifies `request` (headers, target with query, raw body) against the provider's secrets and
// reads it. Errors: Code::kInvalidSignature (no secret verifies it, a signature/timestamp
// header missing, a stale or future timestamp for Standard Webhooks, a malformed signature
// field). Never says which secret came close. Every MAC compared with ConstantTimeEquals
// (common/crypto.h).
Result<ProviderNotice> ReadProviderCallback(v1::ProviderScheme scheme,
                                            const std::vector<std::string>& secrets,
                                            const HttpRequest& request, std::int64_t now_seconds);

// What the engine did with a verified callback; the provider gets its own scheme's answer.
enum class CallbackOutcome {
  kApplied,           // the event moved money or changed state
  kDuplicate,         // this delivery (or this event) was applied before
  kUnknownReference,  // no top-up, payment or payout of ours has that reference
  kAmountMismatch,    // the amount is not the one we asked for
  kException,         // recorded in the exceptions queue for the operator
  kRetryLater,        // nothing recorded (engine stopped or busy): the provider should retry
};
HttpResponse AcknowledgeCallback(v1::ProviderScheme scheme, CallbackOutcome outcome);

// A callback as a provider holding `secret` would send it (for market4-sim and tests).
struct CallbackFields {
  std::string type, reference, provider_txn_id, delivery_id;
  std::string memo;  // BANK_TRANSFER: the transfer's memo (its type is bank.credit)
  std::int64_t amount = 0;
  std::int64_t now_seconds = 0;
};
struct SignedCallback {
  std::string method;
  std::string path_and_query_suffix;  // "" or "?vnp_..."
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type;
  std::string body;
};
// INVALID_ARGUMENT when the fields cannot be said in the scheme: a secret not of the scheme's
// format; MoMo, VNPay and ZaloPay carry no type, so theirs must be one of the six and agree
// with the reference's prefix (ZaloPay: ".succeeded" only); their provider_txn_id must be
// digits. Standard Webhooks needs a delivery_id; VNPay and ZaloPay make their own from the
// reference and provider_txn_id.
Result<SignedCallback> SignProviderCallback(v1::ProviderScheme scheme, const std::string& secret,
                                            const CallbackFields& fields);

}  // namespace market4::gateway
