#pragma once
// core/partitioning.h: a dataset's partitioning scheme (semantics.md §5.4): dimensions of
// type "value" or "time" (period YEAR, MONTH, DAY, HOUR), partition identifiers ('|' between
// dimension values) and partition specs (',' between identifiers, 'a/b' ranges per dimension,
// NP and ALL), and the filePathPattern that maps files to partitions.

#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "common/json.h"

namespace dss::core {

struct PartitionDimension {
  std::string name;
  std::string type;    // "value" or "time"
  std::string period;  // YEAR, MONTH, DAY, HOUR for time dimensions
};

/// Immutable once built; thread-safe.
class Partitioning {
 public:
  /// Parses and validates the definition's `partitioning` object (missing/null = none).
  /// Throws ApiError(kInvalidConfig) naming the faulty field.
  static Partitioning FromJson(const Json& partitioning);

  bool partitioned() const { return !dims_.empty(); }
  const std::vector<PartitionDimension>& dimensions() const { return dims_; }

  /// Throws ApiError(kBadRequest) unless `id` has one valid value per dimension (time values
  /// in their period's format, e.g. 2020-01-31 for DAY).
  void ValidateId(const std::string& id) const;

  /// Expands a spec into identifiers, in order, without duplicates. For a non-partitioned
  /// dataset only "", "NP" and "ALL" are accepted (→ empty list). "ALL" means every partition
  /// (→ empty list). Ranges: "2020-01-01/2020-01-03" on a time dimension is every period
  /// between both ends inclusive; "a/b/c" on a value dimension lists values.
  /// Throws ApiError(kBadRequest) naming the bad identifier.
  std::vector<std::string> ExpandSpec(const std::string& spec) const;
  /// Expands several specs (repeated query keys) and concatenates them.
  std::vector<std::string> ExpandSpecs(const std::vector<std::string>& specs) const;

  /// The partition identifier of a file path relative to the dataset root, according to
  /// the filePathPattern (e.g. "%Y/%M/%D/.*", "%{country}/.*"); nullopt when the path does
  /// not match. Without a pattern, nullopt.
  std::optional<std::string> IdOfPath(const std::string& relative_path) const;
  bool has_file_pattern() const { return has_pattern_; }

 private:
  std::vector<PartitionDimension> dims_;
  bool has_pattern_ = false;
  std::string pattern_;
  std::regex pattern_re_;
  std::vector<std::string> pattern_groups_;  // for each capture: "%Y", "%M", ... or a dim name
};

}  // namespace dss::core
