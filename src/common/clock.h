#pragma once
// common/clock.h: wall-clock time in DSS's unit (epoch milliseconds).

#include <cstdint>
#include <string>

namespace dss {

/// Milliseconds since the Unix epoch. Thread-safe.
int64_t NowMs();
/// ISO-8601 UTC with milliseconds, e.g. 2026-11-28T16:48:35.123Z.
std::string IsoUtc(int64_t epoch_ms);

}  // namespace dss
