// The batches the engine's writer has staged for a commit on its committing thread
// (Store::Stage): the writer reads them as committed until they are.
#include <algorithm>

#include "common/assert.h"
#include "storage/store.h"

namespace market4::storage {

void Store::Stage(const Batch* batch) {
  std::lock_guard lock(staged_mutex_);
  staged_.push_back(batch);
}

void Store::Unstage(const Batch* batch) {
  {
    std::lock_guard lock(staged_mutex_);
    auto it = std::find(staged_.begin(), staged_.end(), batch);
    M4_ASSERT(it != staged_.end(), "a batch unstaged that was not staged");
    staged_.erase(it);
  }
  unstaged_.notify_all();
}

// A batch is unstaged only once its Commit succeeded (or the engine stopped for good), so a
// key that no staged batch writes when looked for here is as RocksDB has it, or as a commit
// ending meanwhile left it.
std::optional<std::optional<std::string>> Store::StagedValue(Family family,
                                                             std::string_view key) const {
  for (auto it = staged_.rbegin(); it != staged_.rend(); ++it) {
    const Batch::Op* op = (*it)->Lookup(family, key);
    if (op == nullptr) continue;
    if (op->is_delete) return std::optional<std::string>();
    return std::optional<std::string>(std::string((*it)->Value(*op)));
  }
  return std::nullopt;
}

Result<std::optional<std::string>> Store::Get(Family family, std::string_view key) const {
  {
    std::lock_guard lock(staged_mutex_);
    if (auto staged = StagedValue(family, key)) return std::move(*staged);
  }
  return GetAt(nullptr, family, key);
}

// One lock for every key; those no staged batch writes are read from RocksDB in one MultiGet.
Result<std::vector<std::optional<std::string>>> Store::GetMany(
    Family family, const std::vector<std::string_view>& keys) const {
  std::vector<std::optional<std::string>> values(keys.size());
  std::vector<std::string_view> unstaged;
  std::vector<std::size_t> unstaged_at;
  {
    std::unique_lock lock(staged_mutex_);
    if (staged_.empty()) {
      lock.unlock();
      return GetManyAt(nullptr, family, keys);
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (auto staged = StagedValue(family, keys[i])) {
        values[i] = std::move(*staged);
      } else {
        unstaged.push_back(keys[i]);
        unstaged_at.push_back(i);
      }
    }
  }
  auto read = GetManyAt(nullptr, family, unstaged);
  if (!read.ok()) return read.status();
  for (std::size_t j = 0; j < unstaged.size(); ++j) {
    values[unstaged_at[j]] = std::move(read.value()[j]);
  }
  return values;
}

void Store::WaitUntilNothingStaged() const {
  std::unique_lock lock(staged_mutex_);
  unstaged_.wait(lock, [this] { return staged_.empty(); });
}

}  // namespace market4::storage
