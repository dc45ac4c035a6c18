#include "api/dataset_handlers.h"

#include <memory>

#include "common/api_error.h"
#include "common/log.h"
#include "core/dataset_data_service.h"
#include "core/dataset_service.h"
#include "core/future_service.h"

namespace dss::api {

namespace {
const std::string& Project(Context& ctx) {
  return ctx.Param("projectKey");
}
const std::string& Name(Context& ctx) {
  return ctx.Param("datasetName");
}
constexpr size_t kChunkBytes = 256 * 1024;
}  // namespace

http::Response ListDatasets(Context& ctx) {
  Json out = Json::array();
  for (auto& d : ctx.svc.datasets().List(Project(ctx), ctx.req.QueryAll("tags")))
    out.push_back(std::move(d));
  return http::Response::FromJson(out);
}

http::Response CreateDataset(Context& ctx) {
  return http::Response::FromJson(ctx.svc.datasets().Create(ctx.who, Project(ctx), ctx.Body()));
}

http::Response CreateManagedDataset(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.datasets().CreateManaged(ctx.who, Project(ctx), ctx.Body()));
}

http::Response RenameDataset(Context& ctx) {
  const Json& b = ctx.Body();
  ctx.svc.datasets().Rename(ctx.who, Project(ctx), GetString(b, "oldName"),
                            GetString(b, "newName"));
  return http::Response::Empty();
}

http::Response GetDataset(Context& ctx) {
  return http::Response::FromJson(ctx.svc.datasets().Get(Project(ctx), Name(ctx)));
}

http::Response PutDataset(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.datasets().Save(ctx.who, Project(ctx), Name(ctx), ctx.Body()));
}

http::Response DeleteDataset(Context& ctx) {
  ctx.svc.datasets().Delete(ctx.who, Project(ctx), Name(ctx), ctx.req.QueryBool("dropData", false));
  return http::Response::Empty();
}

http::Response GetDatasetSchema(Context& ctx) {
  return http::Response::FromJson(ctx.svc.datasets().GetSchema(Project(ctx), Name(ctx)));
}

http::Response PutDatasetSchema(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.datasets().SetSchema(ctx.who, Project(ctx), Name(ctx), ctx.Body()));
}

http::Response GetDatasetMetadata(Context& ctx) {
  return http::Response::FromJson(ctx.svc.datasets().GetMetadata(Project(ctx), Name(ctx)));
}

http::Response PutDatasetMetadata(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.datasets().SetMetadata(ctx.who, Project(ctx), Name(ctx), ctx.Body()));
}

http::Response GetDatasetInfo(Context& ctx) {
  return http::Response::FromJson(ctx.svc.datasets().Info(Project(ctx), Name(ctx)));
}

http::Response GetDatasetUsages(Context& ctx) {
  return http::Response::FromJson(ctx.svc.datasets().Usages(Project(ctx), Name(ctx)));
}

http::Response GetDatasetData(Context& ctx) {
  core::ReadRequest r;
  r.format = ctx.req.Query("format").value_or("tsv-excel-noheader");
  r.columns = ctx.req.Query("columns");
  r.partitions = ctx.req.QueryAll("partitions");
  r.sampling = ctx.req.Query("sampling");
  r.filter = ctx.req.Query("filter");
  r.read_session_id = ctx.req.Query("readSessionId").value_or("");
  r.limit = ctx.req.QueryInt("limit", -1);
  r.offset = ctx.req.QueryInt("offset", 0);
  auto& data = ctx.svc.dataset_data();
  core::OpenedRead opened = data.OpenRead(Project(ctx), Name(ctx), r);

  struct State {
    std::unique_ptr<core::RowStream> stream;
    std::string session;
    TabularFormat format;
    // One encoder for the whole stream: it carries the row count across chunks.
    std::unique_ptr<TabularEncoder> enc;
    bool begun = false, ended = false, failed = false;
  };
  auto st = std::make_shared<State>();
  st->stream = std::move(opened.stream);
  st->session = opened.session_id;
  st->format = opened.format;
  st->enc = std::make_unique<TabularEncoder>(opened.format, nullptr);
  http::Response res;
  res.content_type = TabularContentType(opened.format);
  res.stream = [st, &data](std::string& chunk) {
    if (st->ended) return false;
    TabularEncoder& enc = *st->enc;
    enc.SetOutput(&chunk);
    try {
      if (!st->begun) {
        enc.Begin(st->stream->column_names());
        st->begun = true;
      }
      if (!st->stream->Next(enc, kChunkBytes)) {
        enc.End();
        st->ended = true;
      }
    } catch (const std::exception& e) {
      st->failed = true;
      data.EndSession(st->session, false, e.what());
      log::Error("dataset read failed", e.what());
      throw;
    }
    return true;
  };
  res.on_complete = [st, &data](bool completed) {
    if (st->failed) return;
    data.EndSession(st->session, completed && st->ended,
                    completed ? "" : "the stream was cut before its end");
  };
  return res;
}

http::Response PutDatasetData(Context& ctx) {
  core::WriteOptions o;
  o.mode = ctx.req.Query("mode").value_or("overwrite");
  o.partition = ctx.req.Query("partition").value_or("");
  std::string format = ctx.req.Query("format").value_or("tsv-excel-noheader");
  http::BodyReader* reader = ctx.req.body_reader;
  const std::string& body = ctx.req.body;
  size_t pos = 0;
  auto read = [&](char* buf, size_t n) -> size_t {
    if (reader) return reader->Read(buf, n);
    size_t k = std::min(n, body.size() - pos);
    body.copy(buf, k, pos);
    pos += k;
    return k;
  };
  return http::Response::FromJson(
      ctx.svc.dataset_data().WriteRows(ctx.who, Project(ctx), Name(ctx), format, o, read));
}

http::Response FinishDatasetStreaming(Context& ctx) {
  ctx.svc.dataset_data().FinishStreaming(Project(ctx), Name(ctx),
                                         ctx.req.Query("readSessionId").value_or(""));
  return http::Response::Empty();
}

http::Response ListDatasetPartitions(Context& ctx) {
  return http::Response::FromJson(ctx.svc.dataset_data().ListPartitions(Project(ctx), Name(ctx)));
}

http::Response ClearDatasetData(Context& ctx) {
  return http::Response::FromJson(ctx.svc.dataset_data().Clear(ctx.who, Project(ctx), Name(ctx),
                                                               ctx.req.QueryAll("partitions")));
}

http::Response CopyDatasetTo(Context& ctx) {
  auto& data = ctx.svc.dataset_data();
  std::string project = Project(ctx), name = Name(ctx);
  Json body = ctx.Body();
  auth::Principal who = ctx.who;
  // Fail fast on what can be checked now; the copy itself runs as a future.
  data.CheckCopy(project, name, body);
  return http::Response::FromJson(
      ctx.svc.futures().Start(ctx.who, project, "Copy dataset " + name,
                              [&data, who, project, name, body](core::FutureContext&) {
                                return data.CopyTo(who, project, name, body)["result"];
                              }));
}

http::Response DetectDatasetFsLike(Context& ctx) {
  auto& data = ctx.svc.dataset_data();
  std::string project = Project(ctx), name = Name(ctx);
  Json body = ctx.Body();
  ctx.svc.datasets().Get(project, name);
  return http::Response::FromJson(
      ctx.svc.futures().Start(ctx.who, project, "Detect format of " + name,
                              [&data, project, name, body](core::FutureContext&) {
                                return data.DetectFsLike(project, name, body)["result"];
                              }));
}

http::Response GetDatasetVersions(Context& ctx) {
  return http::Response::FromJson(ctx.svc.dataset_data().Versions(Project(ctx), Name(ctx)));
}

http::Response RollbackDataset(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.dataset_data().Rollback(ctx.who, Project(ctx), Name(ctx), ctx.Body()));
}

}  // namespace dss::api
