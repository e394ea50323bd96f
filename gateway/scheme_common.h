// Private to gateway/: what the provider schemes (gateway/scheme_*.cc) share, and the table
// entry each of them provides. Adding a scheme is one scheme_<name>.cc defining its SchemeOps
// plus one line in provider_schemes.cc. Pure functions; any thread.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "gateway/http.h"
#include "gateway/provider_schemes.h"
#include "gateway/webhook_signature.h"

namespace market4::gateway {

// One scheme: how to read, sign and answer its callbacks.
struct SchemeOps {
  Result<ProviderNotice> (*read)(const std::vector<std::string>& secrets,
                                 const HttpRequest& request, std::int64_t now_seconds);
  Result<SignedCallback> (*sign)(const std::string& secret, const CallbackFields& fields);
  HttpResponse (*acknowledge)(CallbackOutcome outcome);
};

const SchemeOps& StandardWebhooksOps();  // scheme_standard.cc
const SchemeOps& MomoOps();              // scheme_momo.cc
const SchemeOps& VnpayOps();             // scheme_vnpay.cc
const SchemeOps& ZalopayOps();           // scheme_zalopay.cc
const SchemeOps& BankTransferOps();      // scheme_bank.cc

// ---- Verifying ------------------------------------------------------------------------------

// INVALID_SIGNATURE with `message` (which must never name or hint at a secret).
Status RefuseCallback(std::string message);

// Computes the MAC one secret would have made (raw bytes); false if the secret is not of the
// scheme's format.
using MacOf = std::function<bool(const std::string& secret, std::string* mac)>;

// The index of the first of `secrets` whose MAC equals `received` (raw bytes), or -1. Every
// secret is tried and every comparison is constant-time, so the time taken does not say which
// secret came close.
int MatchingSecret(const std::vector<std::string>& secrets, std::string_view received,
                   const MacOf& mac_of);

// For schemes signed as Standard Webhooks (STANDARD_WEBHOOKS, BANK_TRANSFER): verifies the
// request's webhook-* headers over its raw body and starts the notice (delivery id, which
// secret signed it, when); INVALID_SIGNATURE otherwise. The caller reads the body.
Result<ProviderNotice> VerifiedWebhookNotice(const std::vector<std::string>& secrets,
                                             const HttpRequest& request, std::int64_t now_seconds);
// `body` as a provider holding `secret` POSTs it: JSON with the three webhook-* headers.
Result<SignedCallback> SignedWebhookPost(const std::string& secret, const CallbackFields& fields,
                                         std::string body);

// The raw bytes of a hex MAC (either case) of exactly `size` bytes; false otherwise.
bool DecodeHexMac(std::string_view hex, std::size_t size, std::string* mac);

// ---- Events ---------------------------------------------------------------------------------

// "topup" (tu_...), "payment" (pi_...), "payout" (po_...), or "" for any other reference.
std::string_view ReferenceKind(std::string_view reference);

// Splits one of the six event types into its kind and outcome; false for anything else.
bool ParseEventType(std::string_view type, std::string_view* kind, bool* succeeded);

// Sets notice->type from the reference's kind and the outcome, or notice->problem to
// kProblemUnsupportedReference when the reference is not one of ours.
void SetTypeFromReference(bool succeeded, ProviderNotice* notice);

// For schemes that carry no event type: OK when fields.type is one of the six and agrees with
// the reference's prefix; INVALID_ARGUMENT otherwise.
Status CheckTypeMatchesReference(const CallbackFields& fields);

// For schemes that send the fields in JSON (all but VNPay): OK when every text field is valid
// UTF-8, which is all JSON carries; INVALID_ARGUMENT naming the first that is not.
Status CheckJsonText(const CallbackFields& fields);

// ---- Text and JSON --------------------------------------------------------------------------

// The largest integer a JSON number (an IEEE double) holds exactly: 2^53.
inline constexpr std::int64_t kMaxJsonInteger = std::int64_t{1} << 53;

// Digits only, at least one, and it fits in int64.
bool ParseWholeNumber(std::string_view text, std::int64_t* value);

// Parses strict JSON (RFC 8259) whose top level is an object, with no key repeated in one
// object; false otherwise.
bool ParseJsonObject(std::string_view text, google::protobuf::Struct* object);

// The field if it is a JSON string; false when absent or anything else.
bool JsonString(const google::protobuf::Struct& object, const std::string& key, std::string* text);

// The field as text: a string as it is, an integral number (|n| <= 2^53) in decimal. False
// when absent or anything else.
bool JsonScalarText(const google::protobuf::Struct& object, const std::string& key,
                    std::string* text);

// A whole number >= 0, written as a JSON integer or a string of digits.
bool JsonWholeNumber(const google::protobuf::Struct& object, const std::string& key,
                     std::int64_t* value);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

// The calendar time in Vietnam (UTC+7, no daylight saving) as strftime `format` gives it.
std::string VietnamTime(std::int64_t unix_seconds, const char* format);

// ---- Answers --------------------------------------------------------------------------------

// 204 No Content for every acknowledged outcome, 503 for kRetryLater (Standard Webhooks and
// MoMo, which look at the status only).
HttpResponse NoContentUnlessRetry(CallbackOutcome outcome);

// 200 with a JSON body (VNPay and ZaloPay, which read the body).
HttpResponse JsonAnswer(std::string body);

}  // namespace market4::gateway
