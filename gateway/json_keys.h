// Private to gateway/: a strict reading of a JSON body's object keys before protobuf parses
// it. protobuf's JSON parser lets the last of two equal keys win and accepts lenient forms
// (single quotes, unquoted keys, trailing commas), so two layers could disagree on what a body
// says. ScanJsonKeys refuses a key repeated in one object (two spellings of one field
// included) and nesting deeper than kMaxJsonDepth, and says whether the text is strict JSON
// (RFC 8259) at all. Pure function; any thread.
#pragma once

#include <google/protobuf/descriptor.h>

#include <string_view>

#include "common/status.h"

namespace market4::gateway {

enum class JsonKeys {
  kClean,      // strict JSON, no repeated key
  kMalformed,  // not strict JSON (protobuf's parser may still say more)
  kRefused,    // a repeated key or too deep: *refusal says which
};

JsonKeys ScanJsonKeys(std::string_view body, const google::protobuf::Descriptor& root,
                      Status* refusal);

}  // namespace market4::gateway
