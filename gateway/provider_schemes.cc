// The table of schemes: each ProviderScheme to the scheme_<name>.cc that reads, signs and
// answers its callbacks.
#include "gateway/provider_schemes.h"

#include "gateway/scheme_common.h"

namespace market4::gateway {
namespace {

// nullptr for PROVIDER_SCHEME_UNSPECIFIED and any number this build does not know.
const SchemeOps* OpsFor(v1::ProviderScheme scheme) {
  switch (scheme) {
    case v1::STANDARD_WEBHOOKS:
      return &StandardWebhooksOps();
    case v1::MOMO:
      return &MomoOps();
    case v1::VNPAY:
      return &VnpayOps();
    case v1::ZALOPAY:
      return &ZalopayOps();
    case v1::BANK_TRANSFER:
      return &BankTransferOps();
    default:
      return nullptr;
  }
}

}  // namespace

Result<ProviderNotice> ReadProviderCallback(v1::ProviderScheme scheme,
                                            const std::vector<std::string>& secrets,
                                            const HttpRequest& request, std::int64_t now_seconds) {
  const SchemeOps* ops = OpsFor(scheme);
  // A provider whose scheme this build cannot check has no callback that verifies.
  if (ops == nullptr) return RefuseCallback("the provider's signature scheme is not supported");
  return ops->read(secrets, request, now_seconds);
}

HttpResponse AcknowledgeCallback(v1::ProviderScheme scheme, CallbackOutcome outcome) {
  const SchemeOps* ops = OpsFor(scheme);
  if (ops == nullptr) return NoContentUnlessRetry(outcome);
  return ops->acknowledge(outcome);
}

Result<SignedCallback> SignProviderCallback(v1::ProviderScheme scheme, const std::string& secret,
                                            const CallbackFields& fields) {
  const SchemeOps* ops = OpsFor(scheme);
  if (ops == nullptr) {
    return Status(Code::kInvalidArgument, "unknown provider scheme").WithDetail("field", "scheme");
  }
  if (fields.amount < 0) {
    return Status(Code::kInvalidArgument, "amount must be >= 0").WithDetail("field", "amount");
  }
  return ops->sign(secret, fields);
}

}  // namespace market4::gateway
