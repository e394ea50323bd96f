#include "engine/account_index.h"

#include "storage/keys.h"

namespace market4::engine {

namespace {
constexpr std::size_t kSequenceBytes = 8;
}  // namespace

void AccountIndexBatch::Add(const std::string& account_id, std::string_view sequence_key) {
  sequences_[account_id].append(sequence_key);
}

void AccountIndexBatch::WriteTo(storage::Batch* batch) {
  for (const auto& [account_id, sequences] : sequences_) {
    std::string_view first = std::string_view(sequences).substr(0, kSequenceBytes);
    std::string key = storage::IndexPrefix(account_id);
    key.append(first);
    batch->Put(storage::Family::kAccountIndex, key,
               sequences.size() == kSequenceBytes ? std::string_view() : sequences);
  }
  sequences_.clear();
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
