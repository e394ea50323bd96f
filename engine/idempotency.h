// Private to engine/: the first answer to every request that carried an Idempotency-Key.
//
// A key belongs to its caller (scope), as with Stripe: the same caller sending the same key
// again gets the stored answer if the request is the same (same action, same target, same
// body) and IDEMPOTENCY_CONFLICT (422) if it is anything else, including another action on
// the same order. Another caller's identical key is unrelated. Only successes are kept: a
// refused request changed nothing and may be sent again under the same key.
// Writer thread only.
#pragma once

#include <google/protobuf/message.h>

#include <map>
#include <optional>
#include <string>

#include "common/status.h"
#include "market4/v1/storage.pb.h"
#include "storage/store.h"

namespace market4::engine {

class Idempotency {
 public:
  explicit Idempotency(storage::Store* store) : store_(store) {}

  // The stored answer under (scope, key) if there is one, parsed as Reply. `request` is the
  // fingerprint of the request being made (see the file comment).
  template <typename Reply>
  Result<std::optional<Reply>> Recall(const std::string& scope, const std::string& key,
                                      const std::string& request) {
    auto stored = RecallBytes(scope, key, request);
    if (!stored.ok()) return stored.status();
    if (!stored.value()) return std::optional<Reply>();
    Reply reply;
    if (!reply.ParseFromString(*stored.value())) {
      return Status(Code::kInternal, "corrupt idempotency record");
    }
    return std::optional<Reply>(std::move(reply));
  }

  void Remember(const std::string& scope, const std::string& key, const std::string& request,
                const google::protobuf::Message& response, storage::Batch* batch);
  // Rewrites records of the first format (version 1: keyed operation, caller, key, with other
  // request bytes) into this one, once, at start, so that a retry sent across the upgrade
  // still gets its first answer instead of moving money again. Where two old records fall on
  // one new key (one key used for pay and then cancel), the first in key order keeps it and
  // the other's retry becomes a conflict: refused, never applied twice.
  Status UpgradeRecords(storage::Batch* batch);

  // The batch is sealed (staged in the store): records are read from the store from now on.
  void OnSealed() { uncommitted_.clear(); }

 private:
  Result<std::optional<std::string>> RecallBytes(const std::string& scope, const std::string& key,
                                                 const std::string& request);

  storage::Store* store_;
  std::map<std::string, v1::IdempotencyRecord> uncommitted_;
};

// A request's fingerprint: its action, its target and its body, unambiguously joined.
std::string Fingerprint(std::string_view action, std::string_view target,
                        std::string_view body = "");

}  // namespace market4::engine
