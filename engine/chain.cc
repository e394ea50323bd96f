#include "engine/chain.h"

#include <cstdint>
#include <string_view>

#include "common/crypto.h"
#include "engine/records.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

// Big-endian, `Bytes` bytes of `value`, in one append.
template <int Bytes>
void AppendBigEndian(std::string* out, std::uint64_t value) {
  char bytes[Bytes];
  for (int i = Bytes - 1; i >= 0; --i, value >>= 8) bytes[i] = static_cast<char>(value & 0xff);
  out->append(bytes, Bytes);
}

void AppendNumber(std::string* out, std::uint64_t value) { AppendBigEndian<8>(out, value); }

void AppendText(std::string* out, std::string_view text) {
  AppendBigEndian<4>(out, static_cast<std::uint32_t>(text.size()));
  out->append(text);
}

// The tag, eight numbers of 8 bytes and seven lengths of 4 bytes.
constexpr std::size_t kFixedBytes = 8 + 8 * 8 + 7 * 4;

}  // namespace

std::string ChainGenesis() { return std::string(32, '\0'); }

std::string CanonicalEntryBytes(const market4::v1::TransferRecord& r) {
  std::string out;
  out.reserve(kFixedBytes + r.id().size() + r.debit_account_id().size() +
              r.credit_account_id().size() + r.pending_id().size() + r.currency().size() +
              r.entered_by().size() + r.approved_by().size());
  out.append("m4entry1");
  AppendNumber(&out, r.version());
  AppendNumber(&out, r.sequence());
  AppendText(&out, r.id());
  AppendText(&out, r.debit_account_id());
  AppendText(&out, r.credit_account_id());
  AppendNumber(&out, static_cast<std::uint64_t>(r.amount()));
  AppendNumber(&out, r.code());
  AppendNumber(&out, static_cast<std::uint64_t>(r.kind()));
  AppendText(&out, r.pending_id());
  AppendNumber(&out, r.timeout_seconds());
  AppendText(&out, r.currency());
  AppendNumber(&out, static_cast<std::uint64_t>(r.timestamp_ns()));
  AppendNumber(&out, static_cast<std::uint64_t>(r.requested_amount()));
  AppendText(&out, r.entered_by());
  AppendText(&out, r.approved_by());
  return out;
}

std::string ChainHash(const std::string& previous, const market4::v1::TransferRecord& record) {
  Sha256Digest digest = Sha256(previous, CanonicalEntryBytes(record));
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

Result<std::optional<std::string>> StoredChainHash(const storage::ReadView& view,
                                                   const market4::v1::TransferRecord& record) {
  if (!record.chain_hash().empty()) return std::optional<std::string>(record.chain_hash());
  return view.Get(storage::Family::kChain, storage::EncodeSequence(record.sequence()));
}

Result<std::optional<std::string>> ChainHashAt(const storage::ReadView& view,
                                               std::uint64_t sequence) {
  auto record = ReadRecord<v1::TransferRecord>(view, storage::Family::kTransfers,
                                               storage::EncodeSequence(sequence));
  if (!record.ok()) return record.status();
  if (!record.value()) return std::optional<std::string>();
  return StoredChainHash(view, *record.value());
}

}  // namespace market4::engine
