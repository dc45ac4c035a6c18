#pragma once
// api/dataset_handlers.h: /projects/{projectKey}/datasets/* routes (definitions and data).
#include "api/route.h"

namespace dss::api {
http::Response ListDatasets(Context& ctx);
http::Response CreateDataset(Context& ctx);
http::Response CreateManagedDataset(Context& ctx);
http::Response RenameDataset(Context& ctx);
http::Response GetDataset(Context& ctx);
http::Response PutDataset(Context& ctx);
http::Response DeleteDataset(Context& ctx);
http::Response GetDatasetSchema(Context& ctx);
http::Response PutDatasetSchema(Context& ctx);
http::Response GetDatasetMetadata(Context& ctx);
http::Response PutDatasetMetadata(Context& ctx);
http::Response GetDatasetInfo(Context& ctx);
http::Response GetDatasetUsages(Context& ctx);
http::Response GetDatasetData(Context& ctx);
http::Response PutDatasetData(Context& ctx);
http::Response FinishDatasetStreaming(Context& ctx);
http::Response ListDatasetPartitions(Context& ctx);
http::Response ClearDatasetData(Context& ctx);
http::Response CopyDatasetTo(Context& ctx);
http::Response DetectDatasetFsLike(Context& ctx);
http::Response GetDatasetVersions(Context& ctx);
http::Response RollbackDataset(Context& ctx);
}  // namespace dss::api
