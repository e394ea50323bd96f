// Payment providers: the e-wallets and banks that move money in and out and call us back with
// signed events. The operator registers each with the secrets that verify its callbacks and
// may replace them (a rotation lists old and new together). Each provider gets its ledger
// account, provider.<id>, for the money it holds for the platform.
#include "common/crypto.h"
#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/market.h"
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

// Each secret is "whsec_" and the base64 of a key of at least kMinProviderKeyBytes.
Status CheckSecrets(const google::protobuf::RepeatedPtrField<std::string>& secrets) {
  if (secrets.empty() || static_cast<std::size_t>(secrets.size()) > kMaxProviderSecrets) {
    return InvalidField("give 1 to " + std::to_string(kMaxProviderSecrets) + " secrets", "secrets");
  }
  for (const std::string& secret : secrets) {
    constexpr std::string_view kPrefix = "whsec_";
    std::string key;
    if (secret.substr(0, kPrefix.size()) != kPrefix ||
        !Base64Decode(std::string_view(secret).substr(kPrefix.size()), &key) ||
        key.size() < kMinProviderKeyBytes) {
      return InvalidField("each secret is \"whsec_\" and the base64 of at least " +
                              std::to_string(kMinProviderKeyBytes) + " bytes",
                          "secrets");
    }
  }
  return Status::Ok();
}

Result<std::optional<v1::ProviderRecord>> ReadProvider(Context& context, const std::string& id) {
  auto stored = context.store.Get(Family::kProviders, id);
  if (!stored.ok()) return stored.status();
  if (!stored.value()) return std::optional<v1::ProviderRecord>();
  v1::ProviderRecord record;
  if (!record.ParseFromString(*stored.value())) {
    return Status(Code::kInternal, "corrupt provider record");
  }
  return std::optional<v1::ProviderRecord>(std::move(record));
}

void PutProvider(Context& context, v1::ProviderRecord& record,
                 const google::protobuf::RepeatedPtrField<std::string>& secrets) {
  record.set_version(1);
  *record.mutable_secrets() = secrets;
  record.mutable_provider()->set_secret_count(secrets.size());
  *record.mutable_provider()->mutable_updated_at() = At(context.now);
  context.batch.Put(Family::kProviders, record.provider().id(), record.SerializeAsString());
  context.market.providers_in_batch[record.provider().id()] = record;
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
  if (r.scheme() != v1::STANDARD_WEBHOOKS) {
    return InvalidField("scheme must be STANDARD_WEBHOOKS (the others come with their adapters)",
                        "scheme");
  }
  if (Status s = CheckSecrets(r.secrets()); !s.ok()) return s;
  bool exists = context.market.providers_in_batch.count(r.id()) > 0;
  if (!exists) {
    auto existing = ReadProvider(context, r.id());
    if (!existing.ok()) return existing.status();
    exists = existing.value().has_value();
  }
  if (exists) {
    return Status(Code::kAlreadyExists, "a provider with this id exists")
        .WithDetail("provider_id", r.id());
  }
  Status s =
      context.ledger.OpenAccount(ProviderAccount(r.id()), false, context.now, &context.batch);
  if (!s.ok()) return s;
  v1::ProviderRecord record;
  v1::Provider* provider = record.mutable_provider();
  provider->set_id(r.id());
  provider->set_name(name.value());
  provider->set_scheme(r.scheme());
  *provider->mutable_created_at() = At(context.now);
  PutProvider(context, record, r.secrets());
  return record.provider();
}

Answer<v1::Provider> UpdateProviderSecrets::Apply(Context& context) const {
  v1::ProviderRecord record;
  if (auto it = context.market.providers_in_batch.find(provider_id);
      it != context.market.providers_in_batch.end()) {
    record = it->second;
  } else {
    auto existing = IsValidProviderId(provider_id) ? ReadProvider(context, provider_id)
                                                   : std::optional<v1::ProviderRecord>();
    if (!existing.ok()) return existing.status();
    if (!existing.value()) return NotFound("provider", provider_id);
    record = std::move(*existing.value());
  }
  if (Status s = CheckSecrets(request.secrets()); !s.ok()) return s;
  PutProvider(context, record, request.secrets());
  return record.provider();
}

}  // namespace market4::engine
