// Money arithmetic shared by every layer: amounts are int64 dong (VND has no minor unit), and
// sums or products that could pass 2^63 - 1 are computed exactly in Wide and checked before
// they become amounts again. Header-only; any thread.
#pragma once

#include <cstdint>

namespace market4 {

// 128-bit integer: exact for any sum of int64 balances and any product of two int64s.
__extension__ typedef __int128 Wide;

// Whether `value` can become an int64 amount again.
inline bool FitsInt64(Wide value) { return value >= INT64_MIN && value <= INT64_MAX; }

}  // namespace market4
