// Merchant events: what a merchant's live stream shows ("payment received", payout changes).
// Each is stored in the batch that made it, keyed by merchant and a platform-wide number, so
// a stream can resume after the last id it saw; the engine publishes the batch's events only
// once the batch is durable.
#include "engine/context.h"
#include "engine/market.h"
#include "storage/keys.h"

namespace market4::engine {

void PublishMerchantEvent(Context& context, v1::MerchantEvent event) {
  Market& market = context.market;
  ++market.merchant_event_number;
  event.set_id(market.merchant_event_number);
  *event.mutable_at() = At(context.now);
  context.batch.Put(storage::Family::kMerchantEvents,
                    storage::IndexKey(event.merchant_id(), event.id()), event.SerializeAsString());
  context.batch.Put(storage::Family::kMeta, kMetaMerchantEventNumber,
                    storage::EncodeSequence(market.merchant_event_number));
  market.published.push_back(std::move(event));
}

}  // namespace market4::engine
