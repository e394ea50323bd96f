#include "engine/chain.h"

#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/crypto.h"
#include "engine/records.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

// Writes the canonical encoding into a buffer sized for it, without a bounds check or an
// allocation per field: the chain hash is taken for every entry the writer commits.
class EntryWriter {
 public:
  explicit EntryWriter(char* out) : at_(out) {}
  void Tag(std::string_view tag) { Bytes(tag); }
  void Number(std::uint64_t value) { BigEndian<8>(value); }
  void Text(std::string_view text) {
    BigEndian<4>(static_cast<std::uint32_t>(text.size()));
    Bytes(text);
  }

 private:
  template <int Size>
  void BigEndian(std::uint64_t value) {
    for (int i = Size - 1; i >= 0; --i, value >>= 8) at_[i] = static_cast<char>(value & 0xff);
    at_ += Size;
  }
  void Bytes(std::string_view bytes) {
    std::memcpy(at_, bytes.data(), bytes.size());
    at_ += bytes.size();
  }
  char* at_;
};

constexpr std::string_view kEntryTag = "m4entry1";
// The tag, eight numbers of 8 bytes and seven lengths of 4 bytes.
constexpr std::size_t kFixedBytes = kEntryTag.size() + 8 * 8 + 7 * 4;
// Entries whose encoding fits are hashed from a buffer on the stack (every entry of ids
// within kMaxIdBytes does).
constexpr std::size_t kStackEntryBytes = 1024;

std::size_t CanonicalSize(const market4::v1::TransferRecord& r) {
  return kFixedBytes + r.id().size() + r.debit_account_id().size() + r.credit_account_id().size() +
         r.pending_id().size() + r.currency().size() + r.entered_by().size() +
         r.approved_by().size();
}

void WriteCanonical(const market4::v1::TransferRecord& r, char* out) {
  EntryWriter w(out);
  w.Tag(kEntryTag);
  w.Number(r.version());
  w.Number(r.sequence());
  w.Text(r.id());
  w.Text(r.debit_account_id());
  w.Text(r.credit_account_id());
  w.Number(static_cast<std::uint64_t>(r.amount()));
  w.Number(r.code());
  w.Number(static_cast<std::uint64_t>(r.kind()));
  w.Text(r.pending_id());
  w.Number(r.timeout_seconds());
  w.Text(r.currency());
  w.Number(static_cast<std::uint64_t>(r.timestamp_ns()));
  w.Number(static_cast<std::uint64_t>(r.requested_amount()));
  w.Text(r.entered_by());
  w.Text(r.approved_by());
}

}  // namespace

std::string ChainGenesis() { return std::string(32, '\0'); }

std::string CanonicalEntryBytes(const market4::v1::TransferRecord& r) {
  std::string out(CanonicalSize(r), '\0');
  WriteCanonical(r, out.data());
  return out;
}

std::string ChainHash(const std::string& previous, const market4::v1::TransferRecord& record) {
  const std::size_t size = CanonicalSize(record);
  char stack[kStackEntryBytes];
  std::string heap;
  char* bytes = stack;
  if (size > sizeof(stack)) {
    heap.resize(size);
    bytes = heap.data();
  }
  WriteCanonical(record, bytes);
  Sha256Digest digest = Sha256(previous, std::string_view(bytes, size));
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
