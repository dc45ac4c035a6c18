#pragma once
// core/metrics_service.h: dataset metrics and checks (spec endpoints.md §3.3.5, semantics.md
// §5.5). Metrics are computed by the engine that holds the data — in-database SQL on
// PostgreSQL for PostgreSQL datasets, DuckDB over the pinned files otherwise — and every value
// is historicised per partition ("NP" for a non-partitioned dataset, "ALL" for the whole of a
// partitioned one, else the partition id) as store events; the last values live in one
// document per dataset.
//
// Metric ids: basic:COUNT_COLUMNS, basic:SIZE, basic:COUNT_FILES, records:COUNT_RECORDS,
// col_stats:<MIN|MAX|AVG|SUM|COUNT|STDDEV|COUNT_NULL|COUNT_DISTINCT>:<column>. Check outcomes
// are also kept as metrics "check:CHECK:<name>" (what DSS shows).

#include <string>
#include <vector>

#include "common/json.h"
#include "storage/metadata_store.h"

namespace dss::engine {
class DuckEngine;
}
namespace dss::core {

class DatasetService;
class DatasetDataService;
class PgDataSource;

class MetricsService {
 public:
  /// The references must outlive the service.
  MetricsService(storage::MetadataStore& store, DatasetService& datasets, DatasetDataService& data,
                 PgDataSource& pg, engine::DuckEngine& engine);

  /// Inside a dataset deletion (or rename, `new_name` non-empty) transaction: drops the last
  /// values (or moves them to `new_name`) and ends the history of `name`, so that a dataset
  /// created later under that name starts without metrics. Runs in `txn`.
  static void ForgetDataset(storage::Txn& txn, const std::string& project, const std::string& name,
                            const std::string& new_name = "");

  /// computeMetricsFromIds: computes `metric_ids` (non-empty) on `partition` ("" = "NP" for a
  /// non-partitioned dataset, "ALL" for a partitioned one), stores them (last values and
  /// history) and returns the report {partition, startTime, endTime, computed: [{metricId,
  /// metric: {id, type, metricType, dataType, column?}, partition, value, dataType,
  /// computed}]}. A metric without a value (STDDEV of one row, MIN of no rows, SIZE of an
  /// Inline dataset) is left out. Validates everything before computing: throws ApiError
  /// kDatasetNotFound; kBadRequest naming an unknown metric id, a column not in the schema, a
  /// non-numeric column for AVG/SUM/STDDEV, or a bad partition; engine errors (kSqlError,
  /// kSqlDbUnreachable...). Nothing is stored when it throws. Thread-safe.
  Json Compute(const std::string& project, const std::string& dataset, const std::string& partition,
               const std::vector<std::string>& metric_ids);

  /// computeMetrics: computes the metrics of `probes` (a probe list, or null = the dataset's
  /// `metrics.probes`, basic + records when it has none). Probes of types dssd does not
  /// compute are skipped in the dataset's list and refused (kBadRequest) in `probes`. Returns
  /// and throws as Compute. Thread-safe.
  Json ComputeProbes(const std::string& project, const std::string& dataset,
                     const std::string& partition, const Json& probes);

  /// GET metrics/last/{partition}: {metrics: [{metric: {id, type, ...}, lastValues:
  /// [{partition, value, dataType, computed}], displayedAsMetric}]}; "", "NP" and "ALL" read
  /// the whole-dataset values. Throws kDatasetNotFound. Thread-safe.
  Json Last(const std::string& project, const std::string& dataset, const std::string& partition);

  /// GET metrics/history/{partition}?metricLookup=: {metricId, metric, from, to, lastValue,
  /// values: [{time, value}]} oldest first (from/to/lastValue only when there are values).
  /// `lookup` is a metric id or a JSON object with `metricId` or `id`. Throws
  /// kDatasetNotFound, kBadRequest for an empty or malformed lookup. Thread-safe.
  Json History(const std::string& project, const std::string& dataset, const std::string& partition,
               const std::string& lookup);

  /// runChecks: evaluates the dataset's `metricsChecks.checks` (all, or those whose id or
  /// name is in `check_ids`) against the last values of their metrics on `partition`,
  /// computing the missing ones first. Returns {partition, results: [{check, checkId,
  /// partition, value: {outcome OK|WARNING|ERROR|EMPTY, message}}]} and stores each outcome
  /// (last values and history under "check:CHECK:<name>"). Throws kDatasetNotFound;
  /// kBadRequest for an unknown check id, a check type other than numericRange, a check
  /// without a valid metricId, or a bad partition — before anything is computed or stored.
  /// Thread-safe.
  Json RunChecks(const std::string& project, const std::string& dataset,
                 const std::string& partition, const std::vector<std::string>& check_ids);

 private:
  storage::MetadataStore& store_;
  DatasetService& datasets_;
  DatasetDataService& data_;
  PgDataSource& pg_;
  engine::DuckEngine& engine_;
};

}  // namespace dss::core
