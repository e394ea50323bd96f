// Private to engine/: what a command may touch while the writer thread applies it. Every
// effect goes into `batch`, which is committed (fsynced) before anyone hears back; `now` is
// the batch time, the only clock a command sees.
#pragma once

#include <cstdint>

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
};

}  // namespace market4::engine
