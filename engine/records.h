// Reading protobuf records from the store, for the engine's read paths. Any thread.
#pragma once

#include <optional>
#include <string_view>

#include "common/status.h"
#include "storage/store.h"

namespace market4::engine {

// The record at `key`, nullopt if absent, kInternal if it does not parse.
template <typename Record>
Result<std::optional<Record>> ReadRecord(const storage::Store& store, storage::Family family,
                                         std::string_view key) {
  auto value = store.Get(family, key);
  if (!value.ok()) return value.status();
  if (!value.value()) return std::optional<Record>();
  Record record;
  if (!record.ParseFromString(*value.value())) {
    return Status(Code::kInternal, "corrupt record in storage");
  }
  return std::optional<Record>(std::move(record));
}

}  // namespace market4::engine
