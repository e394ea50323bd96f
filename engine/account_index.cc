#include "engine/account_index.h"

#include <algorithm>
#include <functional>

#include "storage/keys.h"

namespace market4::engine {

namespace {
constexpr std::size_t kSequenceBytes = 8;
}  // namespace

// Sorted by account (by where its id lives: any order groups them, and Store::Commit writes
// the keys in key order whatever order they are put in) and, within one, by sequence.
void AccountIndexBatch::WriteTo(storage::Batch* batch) {
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    if (a.account_id != b.account_id) return std::less<>()(a.account_id, b.account_id);
    return a.sequence < b.sequence;
  });
  std::string key, value;
  for (std::size_t first = 0, end = 0; first < entries_.size(); first = end) {
    const std::string& account_id = *entries_[first].account_id;
    value.clear();
    for (end = first; end < entries_.size() && entries_[end].account_id == &account_id; ++end) {
      value.append(storage::EncodeSequence(entries_[end].sequence));
    }
    key = storage::IndexPrefix(account_id);
    key.append(value, 0, kSequenceBytes);
    batch->Put(storage::Family::kAccountIndex, key,
               value.size() == kSequenceBytes ? std::string_view() : std::string_view(value));
  }
  entries_.clear();
}

Status ScanAccountEntries(const storage::ReadView& view, std::string_view account_id,
                          std::optional<std::string_view> start,
                          const std::function<bool(std::string_view sequence_key)>& visit) {
  const std::string prefix = storage::IndexPrefix(account_id);
  // Big-endian sequences of equal width compare as their numbers do.
  std::string_view at_most = start ? start->substr(prefix.size()) : std::string_view();
  Status problem;
  Status s = view.Scan(
      storage::Family::kAccountIndex, prefix, true, start,
      [&](std::string_view key, std::string_view value) {
        std::string_view first = key.substr(prefix.size());
        if (value.empty()) return visit(first);
        if (value.size() % kSequenceBytes != 0 || value.substr(0, kSequenceBytes) != first) {
          problem = Status(Code::kInternal, "an account index entry is malformed")
                        .WithDetail("account_id", std::string(account_id));
          return false;
        }
        for (std::size_t end = value.size(); end > 0; end -= kSequenceBytes) {
          std::string_view sequence = value.substr(end - kSequenceBytes, kSequenceBytes);
          if (start && sequence > at_most) continue;
          if (!visit(sequence)) return false;
        }
        return true;
      });
  if (!s.ok()) return s;
  return problem;
}

}  // namespace market4::engine
