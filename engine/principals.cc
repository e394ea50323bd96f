// Principals: merchants (onboarded by an operator) and buyers (who register themselves),
// each with an API token of which only the SHA-256 is kept. The token check itself is a
// read (Query::Authenticate).
#include "common/assert.h"
#include "engine/context.h"
#include "engine/idempotency.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "engine/rails.h"
#include "engine/text.h"
#include "engine/tokens.h"

namespace market4::engine {
namespace {

using storage::Family;

// Phone numbers: kMinPhoneDigits to kMaxPhoneDigits digits, an optional leading '+'.
Status CheckPhone(const std::string& phone) {
  std::size_t digits = 0;
  for (std::size_t i = 0; i < phone.size(); ++i) {
    bool plus = i == 0 && phone[i] == '+';
    if (!plus && (phone[i] < '0' || phone[i] > '9')) {
      return InvalidField("phone must be digits, optionally starting with +", "phone");
    }
    digits += plus ? 0 : 1;
  }
  if (digits < kMinPhoneDigits || digits > kMaxPhoneDigits) {
    return InvalidField("phone must have " + std::to_string(kMinPhoneDigits) + " to " +
                            std::to_string(kMaxPhoneDigits) + " digits",
                        "phone");
  }
  return Status::Ok();
}

// The idempotency scope of public registrations.
constexpr char kPublicScope[] = "public";

// The stored first answer under `key`, if there is one (nullopt: go on and create).
template <typename Reply>
Result<std::optional<Reply>> Replay(Context& context, const std::string& scope,
                                    const std::string& key, const std::string& fingerprint) {
  if (key.empty()) return std::optional<Reply>();
  return context.market.idempotency.Recall<Reply>(scope, key, fingerprint);
}

}  // namespace

Answer<v1::Merchant> CreateMerchant::Apply(Context& context) const {
  const std::string scope = CallerScope(caller);
  const std::string fingerprint = Fingerprint("merchant", "", request.SerializeAsString());
  auto replay = Replay<v1::Merchant>(context, scope, idempotency_key, fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay.value()) return {std::move(*replay.value()), true};
  auto name = CleanText(request.name(), {"name", kMaxNameChars});
  if (!name.ok()) return name.status();
  auto location = CleanText(request.location(), {"location", kMaxLocationChars});
  if (!location.ok()) return location.status();
  if (Status s = CheckPhone(request.phone()); !s.ok()) return s;
  M4_ASSERT(IsValidId(AvailableAccount(id)) && IsValidId(EscrowAccount(id)) &&
                !context.market.merchants.count(id),
            "the gateway made a bad merchant id");
  v1::Merchant merchant;
  merchant.set_id(id);
  merchant.set_name(name.value());
  merchant.set_phone(request.phone());
  merchant.set_location(location.value());
  *merchant.mutable_created_at() = At(context.now);
  merchant.set_onboarded_by(caller.id);
  Ledger& ledger = context.ledger;
  for (const std::string& account : {AvailableAccount(id), EscrowAccount(id)}) {
    if (Status s = ledger.OpenAccount(account, true, context.now); !s.ok()) {
      return s;
    }
  }
  merchant.set_stall_code(NewStallQr(context, merchant).code());
  context.batch.Put(Family::kMerchants, id, merchant.SerializeAsString());
  PutToken(context, token_hash, Role::kMerchant, id);
  context.market.merchants[id] = merchant;
  if (!idempotency_key.empty()) {
    context.market.idempotency.Remember(scope, idempotency_key, fingerprint, merchant,
                                        &context.batch);
  }
  return merchant;
}

Answer<v1::Buyer> CreateBuyer::Apply(Context& context) const {
  const std::string fingerprint = Fingerprint("buyer", "", request.SerializeAsString());
  auto replay = Replay<v1::Buyer>(context, kPublicScope, idempotency_key, fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay.value()) return {std::move(*replay.value()), true};
  auto name = CleanText(request.name(), {"name", kMaxNameChars});
  if (!name.ok()) return name.status();
  if (Status s = CheckPhone(request.phone()); !s.ok()) return s;
  M4_ASSERT(IsValidId(WalletAccount(id)) && !context.market.buyers.count(id),
            "the gateway made a bad buyer id");
  v1::Buyer buyer;
  buyer.set_id(id);
  buyer.set_name(name.value());
  buyer.set_phone(request.phone());
  *buyer.mutable_created_at() = At(context.now);
  Status s = context.ledger.OpenAccount(WalletAccount(id), true, context.now);
  if (!s.ok()) return s;
  context.batch.Put(Family::kBuyers, id, buyer.SerializeAsString());
  PutToken(context, token_hash, Role::kBuyer, id);
  context.market.buyers[id] = buyer;
  if (!idempotency_key.empty()) {
    context.market.idempotency.Remember(kPublicScope, idempotency_key, fingerprint, buyer,
                                        &context.batch);
  }
  return buyer;
}

}  // namespace market4::engine
