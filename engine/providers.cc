// Payment providers: the e-wallets and banks that move money in and out and call us back with
// signed events. The operator registers each with the secrets that verify its callbacks and
// may replace them (a rotation lists old and new together). Each provider gets its ledger
// account, provider.<id>, for the money it holds for the platform.
#include "common/crypto.h"
#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "engine/rails.h"
#include "engine/text.h"
#include "market4/v1/storage.pb.h"

namespace market4::engine {
namespace {

using storage::Family;

// Lower-case letters, digits, '-' and '_': the id appears in URLs and account ids.
bool IsValidProviderId(const std::string& id) {
  if (id.empty() || id.size() > kMaxProviderIdBytes) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

// A Standard Webhooks secret is "whsec_" and the base64 of a key of at least
// kMinProviderKeyBytes.
bool IsWebhookSecret(const std::string& secret) {
  constexpr std::string_view kPrefix = "whsec_";
  std::string key;
  return secret.substr(0, kPrefix.size()) == kPrefix &&
         Base64Decode(std::string_view(secret).substr(kPrefix.size()), &key) &&
         key.size() >= kMinProviderKeyBytes;
}

// The other schemes' secrets are the provider's own key strings: printable ASCII without
// spaces, at least kMinProviderKeyBytes long. MoMo's is "<accessKey>:<secretKey>".
bool IsKeyString(std::string_view key) {
  if (key.size() < kMinProviderKeyBytes || key.size() > kMaxProviderSecretBytes) return false;
  for (char c : key) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

bool IsSecretOf(v1::ProviderScheme scheme, const std::string& secret) {
  switch (scheme) {
    case v1::STANDARD_WEBHOOKS:
    case v1::BANK_TRANSFER:
      return IsWebhookSecret(secret);
    case v1::MOMO: {
      std::size_t colon = secret.find(':');
      return colon != std::string::npos && colon > 0 &&
             IsKeyString(std::string_view(secret).substr(colon + 1));
    }
    case v1::VNPAY:
    case v1::ZALOPAY:
      return IsKeyString(secret);
    default:
      return false;
  }
}

const char* SecretFormat(v1::ProviderScheme scheme) {
  switch (scheme) {
    case v1::STANDARD_WEBHOOKS:
    case v1::BANK_TRANSFER:
      return "\"whsec_\" and the base64 of a key";
    case v1::MOMO:
      return "\"<accessKey>:<secretKey>\", the secret key";
    default:
      return "the provider's key, printable ASCII without spaces,";
  }
}

bool IsKnownScheme(v1::ProviderScheme scheme) {
  return scheme == v1::STANDARD_WEBHOOKS || scheme == v1::MOMO || scheme == v1::VNPAY ||
         scheme == v1::ZALOPAY || scheme == v1::BANK_TRANSFER;
}

bool AllOf(std::string_view text, std::size_t min, std::size_t max, bool (*allowed)(char)) {
  if (text.size() < min || text.size() > max) return false;
  for (char c : text) {
    if (!allowed(c)) return false;
  }
  return true;
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) { return (c >= 'A' && c <= 'Z') || IsDigit(c) || c == ' '; }

// A BANK_TRANSFER provider names the collection account its VietQR codes pay into, as NAPAS
// carries it; the other schemes have none.
Status CheckCollectionAccount(const v1::CreateProviderRequest& r) {
  if (r.scheme() != v1::BANK_TRANSFER) {
    if (!r.bank_bin().empty() || !r.account_number().empty() || !r.account_name().empty()) {
      return InvalidField("only BANK_TRANSFER providers have a collection account", "bank_bin");
    }
    return Status::Ok();
  }
  if (!AllOf(r.bank_bin(), kBankBinDigits, kBankBinDigits, IsDigit)) {
    return InvalidField(
        "bank_bin is the bank's " + std::to_string(kBankBinDigits) + "-digit NAPAS BIN",
        "bank_bin");
  }
  if (!AllOf(r.account_number(), 1, kMaxBankAccountDigits, IsDigit)) {
    return InvalidField("account_number is 1-" + std::to_string(kMaxBankAccountDigits) + " digits",
                        "account_number");
  }
  if (!AllOf(r.account_name(), 1, kMaxEmvcoMerchantNameChars, IsNameChar)) {
    return InvalidField("account_name is 1-" + std::to_string(kMaxEmvcoMerchantNameChars) +
                            " capital letters, digits and spaces, as the bank shows it",
                        "account_name");
  }
  return Status::Ok();
}

Status CheckSecrets(v1::ProviderScheme scheme,
                    const google::protobuf::RepeatedPtrField<std::string>& secrets) {
  if (secrets.empty() || static_cast<std::size_t>(secrets.size()) > kMaxProviderSecrets) {
    return InvalidField("give 1 to " + std::to_string(kMaxProviderSecrets) + " secrets", "secrets");
  }
  for (const std::string& secret : secrets) {
    if (!IsSecretOf(scheme, secret)) {
      return InvalidField(std::string("each secret is ") + SecretFormat(scheme) + " of at least " +
                              std::to_string(kMinProviderKeyBytes) + " bytes",
                          "secrets");
    }
  }
  return Status::Ok();
}

void PutProvider(Context& context, v1::ProviderRecord& record,
                 const google::protobuf::RepeatedPtrField<std::string>& secrets) {
  record.set_version(1);
  *record.mutable_secrets() = secrets;
  record.mutable_provider()->set_secret_count(secrets.size());
  *record.mutable_provider()->mutable_updated_at() = At(context.now);
  context.market.staged.Put(Family::kProviders, record.provider().id(), record.SerializeAsString(),
                            &context.batch);
}

}  // namespace

Answer<v1::Provider> CreateProvider::Apply(Context& context) const {
  const auto& r = request;
  if (!IsValidProviderId(r.id())) {
    return InvalidField("id must be 1-" + std::to_string(kMaxProviderIdBytes) + " of [a-z0-9_-]",
                        "id");
  }
  auto name = CleanText(r.name(), {"name", kMaxNameChars});
  if (!name.ok()) return name.status();
  if (!IsKnownScheme(r.scheme())) {
    return InvalidField("scheme must be STANDARD_WEBHOOKS, MOMO, VNPAY, ZALOPAY or BANK_TRANSFER",
                        "scheme");
  }
  if (Status s = CheckSecrets(r.scheme(), r.secrets()); !s.ok()) return s;
  if (Status s = CheckCollectionAccount(r); !s.ok()) return s;
  auto existing = FindProvider(context, r.id());
  if (!existing.ok()) return existing.status();
  if (existing.value()) {
    return Status(Code::kAlreadyExists, "a provider with this id exists")
        .WithDetail("provider_id", r.id());
  }
  Status s = context.ledger.OpenAccount(ProviderAccount(r.id()), false, context.now);
  if (!s.ok()) return s;
  v1::ProviderRecord record;
  v1::Provider* provider = record.mutable_provider();
  provider->set_id(r.id());
  provider->set_name(name.value());
  provider->set_scheme(r.scheme());
  provider->set_bank_bin(r.bank_bin());
  provider->set_account_number(r.account_number());
  provider->set_account_name(r.account_name());
  *provider->mutable_created_at() = At(context.now);
  PutProvider(context, record, r.secrets());
  return record.provider();
}

Answer<v1::Provider> UpdateProviderSecrets::Apply(Context& context) const {
  auto existing = IsValidProviderId(provider_id) ? FindProvider(context, provider_id)
                                                 : std::optional<v1::ProviderRecord>();
  if (!existing.ok()) return existing.status();
  if (!existing.value()) return NotFound("provider", provider_id);
  v1::ProviderRecord record = std::move(*existing.value());
  if (Status s = CheckSecrets(record.provider().scheme(), request.secrets()); !s.ok()) return s;
  PutProvider(context, record, request.secrets());
  return record.provider();
}

}  // namespace market4::engine
