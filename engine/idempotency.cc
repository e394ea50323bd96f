#include "engine/idempotency.h"

namespace market4::engine {
namespace {

using storage::Family;

// Scopes are role:id and keys visible ASCII, so the unit separator cannot occur in either.
std::string StorageKey(const std::string& scope, const std::string& key) {
  return scope + '\x1f' + key;
}

}  // namespace

std::string Fingerprint(std::string_view action, std::string_view target, std::string_view body) {
  std::string out;
  for (std::string_view part : {action, target, body}) {
    out += std::to_string(part.size());
    out += ':';
    out += part;
  }
  return out;
}

Result<std::optional<std::string>> Idempotency::RecallBytes(const std::string& scope,
                                                            const std::string& key,
                                                            const std::string& request) {
  const std::string storage_key = StorageKey(scope, key);
  v1::IdempotencyRecord record;
  if (auto it = uncommitted_.find(storage_key); it != uncommitted_.end()) {
    record = it->second;
  } else {
    auto stored = store_->Get(Family::kIdempotency, storage_key);
    if (!stored.ok()) return stored.status();
    if (!stored.value()) return std::optional<std::string>();
    if (!record.ParseFromString(*stored.value())) {
      return Status(Code::kInternal, "corrupt idempotency record");
    }
  }
  if (record.request() != request) {
    return Status(Code::kIdempotencyConflict,
                  "this Idempotency-Key was already used for a different request")
        .WithDetail("field", "Idempotency-Key");
  }
  return std::optional<std::string>(record.response());
}

void Idempotency::Remember(const std::string& scope, const std::string& key,
                           const std::string& request, const google::protobuf::Message& response,
                           storage::Batch* batch) {
  v1::IdempotencyRecord record;
  record.set_version(2);
  record.set_request(request);
  record.set_response(response.SerializeAsString());
  const std::string storage_key = StorageKey(scope, key);
  batch->Put(Family::kIdempotency, storage_key, record.SerializeAsString());
  uncommitted_[storage_key] = std::move(record);
}

}  // namespace market4::engine
