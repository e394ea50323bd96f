// Commands the engine applies and the Outcome each one produces. Commands are plain values
// built on any thread and handed to the engine's queue; Outcomes come back on the writer
// thread after the command's effects are durable.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/status.h"
#include "market4/v1/ledger.pb.h"

namespace market4::engine {

namespace v1 = ::market4::v1;

struct PostPending {
  std::string pending_id;
  // Amount to post; nullopt posts the full pending amount.
  std::optional<std::int64_t> amount;
};

struct VoidPending {
  std::string pending_id;
};

// Expires due pending transfers and does nothing else; lets tests apply a clock change.
struct Tick {};

// Checks the ledger's invariants on the writer thread; the Outcome's status says the result.
struct VerifyInvariants {};

using Command = std::variant<v1::CreateAccountRequest, v1::CreateTransfersRequest, PostPending,
                             VoidPending, Tick, VerifyInvariants>;

struct Outcome {
  Outcome() = default;
  Outcome(Status s) : status(std::move(s)) {}  // NOLINT: a failure converts implicitly

  Status status;
  // True when the command was a retry of one already applied: nothing moved again and
  // the reply repeats the first one.
  bool replayed = false;
  // CreateAccountRequest.
  v1::Account account;
  // CreateTransfersRequest (one per request entry), PostPending / VoidPending (one).
  std::vector<v1::Transfer> transfers;
};

}  // namespace market4::engine
