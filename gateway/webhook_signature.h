// Standard Webhooks v1 signatures (standardwebhooks.com): how a provider proves that a callback
// is its own. The signed content is "{webhook-id}.{webhook-timestamp}.{raw body}", MACed with
// HMAC-SHA256 under the base64-decoded secret that follows "whsec_"; the webhook-signature
// header lists one or more "v1,<base64 MAC>" separated by spaces. A provider may hold several
// secrets at once (rotation without downtime): any of them may have signed. Pure functions;
// any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace market4::gateway {

// A callback's timestamp may be this far from now, either way; beyond it the callback is
// refused as stale (or from the future), which bounds how long a captured one can be replayed.
inline constexpr std::chrono::seconds kWebhookTolerance{5 * 60};

// The three headers and the raw body of one delivery.
struct WebhookDelivery {
  std::string_view id;         // webhook-id
  std::string_view timestamp;  // webhook-timestamp: Unix seconds
  std::string_view signature;  // webhook-signature
  std::string_view body;
};

// The MAC key of a "whsec_<base64>" secret ("whsec_" is optional); INVALID_ARGUMENT if the
// rest is not base64 or is empty.
Result<std::string> WebhookKey(std::string_view secret);

// The webhook-signature header value a provider holding `secret` sends: "v1,<base64>".
Result<std::string> SignWebhook(std::string_view secret, std::string_view id,
                                std::int64_t timestamp, std::string_view body);

// OK when one of the delivery's v1 signatures was made by one of `secrets` over exactly these
// bytes and its timestamp is within kWebhookTolerance of `now_seconds`; otherwise
// INVALID_SIGNATURE, saying which check failed (never which secret came close). Every MAC is
// compared in constant time.
Status VerifyWebhook(const std::vector<std::string>& secrets, const WebhookDelivery& delivery,
                     std::int64_t now_seconds);

}  // namespace market4::gateway
