// What the payment rails' files share: staged records, rail records and their indexes,
// providers as of this batch, and how a ledger refusal becomes an exception.
#include "engine/rails.h"

#include "common/assert.h"
#include "engine/context.h"
#include "engine/market.h"
#include "engine/payment_code.h"
#include "storage/keys.h"

namespace market4::engine {

using storage::Family;

Result<std::optional<std::string>> StagedRecords::Get(Family family, const std::string& key) const {
  if (auto it = staged_.find({family, key}); it != staged_.end()) {
    return std::optional<std::string>(it->second);
  }
  return store_->Get(family, key);
}

void StagedRecords::Put(Family family, const std::string& key, std::string value,
                        storage::Batch* batch) {
  batch->Put(family, key, value);
  staged_[{family, key}] = std::move(value);
}

std::vector<std::pair<std::string, std::string>> StagedRecords::StagedWithPrefix(
    Family family, const std::string& prefix) const {
  std::vector<std::pair<std::string, std::string>> found;
  for (auto it = staged_.lower_bound({family, prefix});
       it != staged_.end() && it->first.first == family && it->first.second.rfind(prefix, 0) == 0;
       ++it) {
    found.emplace_back(it->first.second, it->second);
  }
  return found;
}

template <typename Record>
Result<std::optional<Record>> FindRail(Context& context, const std::string& id) {
  return ReadStaged<Record>(context.market.staged, Family::kRails, id);
}
template Result<std::optional<v1::TopUp>> FindRail(Context&, const std::string&);
template Result<std::optional<v1::ProviderPayment>> FindRail(Context&, const std::string&);
template Result<std::optional<v1::Payout>> FindRail(Context&, const std::string&);
template Result<std::optional<v1::ProviderException>> FindRail(Context&, const std::string&);
template Result<std::optional<v1::StallPayment>> FindRail(Context&, const std::string&);

void PutRail(Context& context, const std::string& id, const google::protobuf::Message& record) {
  context.market.staged.Put(Family::kRails, id, record.SerializeAsString(), &context.batch);
}

void IndexRail(Context& context, const std::string& id, std::initializer_list<std::string> owners) {
  Market& market = context.market;
  ++market.rail_number;
  for (const std::string& owner : owners) {
    context.batch.Put(Family::kRailIndex, storage::IndexKey(owner, market.rail_number), id);
  }
  context.batch.Put(Family::kMeta, kMetaRailNumber, storage::EncodeSequence(market.rail_number));
}

namespace {
std::string CodeKey(const std::string& code) { return "#" + code; }
}  // namespace

std::string ClaimPaymentCode(Context& context, std::string_view seed, const std::string& order_id) {
  for (std::uint64_t attempt = 0;; ++attempt) {
    std::string code = PaymentCodeFrom(std::string(seed) + "#" + std::to_string(attempt));
    auto held = context.market.staged.Get(Family::kRails, CodeKey(code));
    M4_ASSERT(held.ok(), held.status().ToString());
    if (held.value()) continue;  // about one in 10^11 per code already given out
    std::string owner = order_id.empty() ? kRequestPrefix + code : order_id;
    context.market.staged.Put(Family::kRails, CodeKey(code), owner, &context.batch);
    return code;
  }
}

Result<std::optional<std::string>> PaymentCodeOwner(Context& context, const std::string& code) {
  return context.market.staged.Get(Family::kRails, CodeKey(code));
}

std::string TopUpsOwner(const std::string& buyer_id) { return "t" + buyer_id; }
std::string PayoutsOwner(const std::string& merchant_id) { return "p" + merchant_id; }

Result<std::optional<v1::ProviderRecord>> FindProvider(Context& context, const std::string& id) {
  if (id.empty() || id.find('\0') != std::string::npos) {
    return std::optional<v1::ProviderRecord>();
  }
  return ReadStaged<v1::ProviderRecord>(context.market.staged, Family::kProviders, id);
}

Status RequireProvider(Context& context, const std::string& id) {
  auto provider = FindProvider(context, id);
  if (!provider.ok()) return provider.status();
  if (!provider.value()) return NotFound("provider", id);
  return Status::Ok();
}

EventEffect LedgerRefused(const Status& status) {
  M4_ASSERT(status.code() != Code::kInternal, status.ToString());
  return Exceptional("LEDGER_REFUSED_" + std::string(CodeName(status.code())));
}

}  // namespace market4::engine
