// Private to engine/: what a command may touch while the writer thread applies it. Every
// effect goes into `batch`, which is committed (fsynced) before anyone hears back; `now` is
// the batch time, the only clock a command sees.
#pragma once

#include <cstdint>

#include "common/business_day.h"
#include "storage/store.h"

namespace market4::engine {

class Ledger;
struct Market;

struct Context {
  std::int64_t now;  // nanoseconds since the Unix epoch, UTC
  storage::Batch& batch;
  storage::Store& store;
  Ledger& ledger;
  Market& market;
  // The market's offset from UTC (EngineOptions::utc_offset_minutes): which local business
  // day `now` and every stored instant fall on.
  int utc_offset_minutes = kDefaultUtcOffsetMinutes;
};

}  // namespace market4::engine
