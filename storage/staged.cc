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
bool Store::FindStaged(Family family, std::string_view key,
                       std::optional<std::string>* value) const {
  std::lock_guard lock(staged_mutex_);
  for (auto it = staged_.rbegin(); it != staged_.rend(); ++it) {
    const Batch::Op* op = (*it)->Lookup(family, key);
    if (op == nullptr) continue;
    if (op->is_delete) {
      value->reset();
    } else {
      *value = std::string((*it)->Value(*op));
    }
    return true;
  }
  return false;
}

void Store::WaitUntilNothingStaged() const {
  std::unique_lock lock(staged_mutex_);
  unstaged_.wait(lock, [this] { return staged_.empty(); });
}

}  // namespace market4::storage
