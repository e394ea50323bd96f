#include "engine/idempotency.h"

#include <vector>

namespace market4::engine {
namespace {

using storage::Family;

// Present once the records are all in this version's form.
constexpr char kMetaIdempotencyFormat[] = "idempotency_format";

// Scopes are role:id and keys visible ASCII, so the unit separator cannot occur in either.
std::string StorageKey(const std::string& scope, const std::string& key) {
  return scope + '\x1f' + key;
}

// A version-1 record's key and request, in this version's terms; false if it is not one.
bool UpgradeKey(std::string_view old_key, const std::string& old_request, std::string* new_key,
                std::string* fingerprint) {
  std::size_t first = old_key.find('\x1f');
  std::size_t second = old_key.find('\x1f', first == std::string_view::npos ? first : first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos) return false;
  std::string_view operation = old_key.substr(0, first);
  std::string caller(old_key.substr(first + 1, second - first - 1));
  std::string key(old_key.substr(second + 1));
  std::size_t split = old_request.find('\x1f');
  std::string before = old_request.substr(0, split);
  std::string after = split == std::string::npos ? "" : old_request.substr(split + 1);
  if (operation == "deposit" || operation == "refund") {
    if (split == std::string::npos) return false;
    *fingerprint = Fingerprint(operation, before, after);
  } else if (operation == "order") {
    caller = "buyer:" + caller;  // version 1 keyed orders by the bare buyer id
    *fingerprint = Fingerprint(operation, "", old_request);
  } else if (operation == "pay" || operation == "ship" || operation == "confirm" ||
             operation == "cancel") {
    *fingerprint = Fingerprint(operation, old_request);
  } else {
    return false;
  }
  *new_key = StorageKey(caller, key);
  return true;
}

}  // namespace

Status Idempotency::UpgradeRecords(storage::Batch* batch) {
  // Done once: later starts read one meta key instead of every record.
  auto done = store_->Get(Family::kMeta, kMetaIdempotencyFormat);
  if (!done.ok()) return done.status();
  if (done.value()) return Status::Ok();
  batch->Put(Family::kMeta, kMetaIdempotencyFormat, "2");
  std::map<std::string, v1::IdempotencyRecord> upgraded;
  std::vector<std::string> old_keys;
  Status problem;
  Status s = store_->Scan(
      Family::kIdempotency, "", false, std::nullopt,
      [&](std::string_view key, std::string_view value) {
        v1::IdempotencyRecord record;
        if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          problem = Status(Code::kInternal, "corrupt idempotency record");
          return false;
        }
        if (record.version() != 1) return true;
        std::string new_key, fingerprint;
        old_keys.emplace_back(key);
        if (!UpgradeKey(key, record.request(), &new_key, &fingerprint)) return true;
        record.set_version(2);
        record.set_request(fingerprint);
        upgraded.emplace(new_key, std::move(record));  // the first one keeps a shared key
        return true;
      });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  for (const auto& key : old_keys) batch->Delete(Family::kIdempotency, key);
  for (const auto& [key, record] : upgraded) {
    auto existing = store_->Get(Family::kIdempotency, key);
    if (!existing.ok()) return existing.status();
    if (!existing.value()) batch->Put(Family::kIdempotency, key, record.SerializeAsString());
  }
  return Status::Ok();
}

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
