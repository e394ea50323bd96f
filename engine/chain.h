// The ledger's hash chain: every committed entry n is chained to the one before it by
// hash_n = SHA-256(hash_{n-1} || CanonicalEntryBytes(entry n)), with hash_0 all zero bytes.
// The hash is stored in the entry itself (TransferRecord.chain_hash; entries written before
// 2026-11-30 have theirs beside them, in family kChain under the same key) and the head in
// kMeta, in the same batch; each day's close records the head. Changing any stored entry, its
// sequence or its place breaks the chain from that entry on. Any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "market4/v1/storage.pb.h"
#include "storage/store.h"

namespace market4::engine {

// 32 zero bytes: the chain before the first entry.
std::string ChainGenesis();

// A fixed, documented encoding of every field of the entry (docs/storage.md), independent of
// protobuf's serializer: "m4entry1", then each field in field-number order, integers as 8
// big-endian bytes, text as a 4-byte big-endian length and the bytes.
std::string CanonicalEntryBytes(const market4::v1::TransferRecord& record);

// SHA-256(previous || CanonicalEntryBytes(record)), 32 raw bytes.
std::string ChainHash(const std::string& previous, const market4::v1::TransferRecord& record);

// The hash stored for `record`: its own chain_hash, or for an older entry the one in the
// chain family. std::nullopt when there is none.
Result<std::optional<std::string>> StoredChainHash(const storage::ReadView& view,
                                                   const market4::v1::TransferRecord& record);
// The hash stored for the entry with `sequence`; std::nullopt if there is no such entry or
// no hash for it.
Result<std::optional<std::string>> ChainHashAt(const storage::ReadView& view,
                                               std::uint64_t sequence);

}  // namespace market4::engine
