#include "engine/chain.h"

#include <cstdint>
#include <string_view>

#include "common/crypto.h"

namespace market4::engine {
namespace {

void AppendNumber(std::string* out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

void AppendText(std::string* out, std::string_view text) {
  auto size = static_cast<std::uint32_t>(text.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((size >> shift) & 0xff));
  }
  out->append(text);
}

}  // namespace

std::string ChainGenesis() { return std::string(32, '\0'); }

std::string CanonicalEntryBytes(const market4::v1::TransferRecord& r) {
  std::string out = "m4entry1";
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

}  // namespace market4::engine
