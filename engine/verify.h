// Verifies a stored ledger without trusting it: walks every entry in sequence order, checks
// that each is stored under its own sequence with no gap, recomputes the hash chain
// (hash_n = SHA-256(hash_{n-1} || canonical bytes of entry n)) against the stored hashes and
// the recorded head, and recomputes every account's balances from the entries against the
// stored accounts, which must sum to zero per currency. Reads one frozen view, so it may run
// while the engine commits (GET /v1/ledger/verify), or on a database opened read-only
// (market4ctl verify). Any thread.
#pragma once

#include <cstdint>
#include <functional>

#include "common/status.h"
#include "market4/v1/operations.pb.h"
#include "storage/store.h"

namespace market4::engine {

// Called every kVerifyProgressEvery entries and once at the end, with entries checked so far
// and the total expected (the recorded last sequence).
inline constexpr std::uint64_t kVerifyProgressEvery = 10'000;
using VerifyProgress = std::function<void(std::uint64_t checked, std::uint64_t total)>;

// A tampered or inconsistent ledger is a result with ok = false naming the first bad entry
// (or account); an error status means the store could not be read.
[[nodiscard]] Result<market4::v1::LedgerVerification> VerifyLedger(
    const storage::ReadView& view, const VerifyProgress& progress = {});

}  // namespace market4::engine
