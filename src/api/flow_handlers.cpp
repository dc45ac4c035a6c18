#include "api/flow_handlers.h"

#include "core/flow_service.h"

namespace dss::api {

namespace {
const std::string& Key(Context& ctx) {
  return ctx.Param("projectKey");
}
const std::string& Zone(Context& ctx) {
  return ctx.Param("zoneId");
}
}  // namespace

http::Response GetFlowGraph(Context& ctx) {
  return http::Response::FromJson(ctx.svc.flow().Graph(Key(ctx)));
}

http::Response ListFlowZones(Context& ctx) {
  return http::Response::FromJson(ctx.svc.flow().ListZones(Key(ctx)));
}

http::Response CreateFlowZone(Context& ctx) {
  return http::Response::FromJson(ctx.svc.flow().CreateZone(ctx.who, Key(ctx), ctx.Body()));
}

http::Response GetFlowZone(Context& ctx) {
  return http::Response::FromJson(ctx.svc.flow().GetZone(Key(ctx), Zone(ctx)));
}

http::Response SaveFlowZone(Context& ctx) {
  return http::Response::FromJson(ctx.svc.flow().SaveZone(Key(ctx), Zone(ctx), ctx.Body()));
}

http::Response DeleteFlowZone(Context& ctx) {
  ctx.svc.flow().DeleteZone(Key(ctx), Zone(ctx));
  return http::Response::FromJson(Json::object());
}

http::Response AddFlowZoneItem(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.flow().AddItems(Key(ctx), Zone(ctx), Json::array({ctx.Body()})));
}

http::Response AddFlowZoneItems(Context& ctx) {
  return http::Response::FromJson(ctx.svc.flow().AddItems(Key(ctx), Zone(ctx), ctx.Body()));
}

http::Response AddFlowZoneShared(Context& ctx) {
  return http::Response::FromJson(ctx.svc.flow().AddShared(Key(ctx), Zone(ctx), ctx.Body()));
}

http::Response RemoveFlowZoneShared(Context& ctx) {
  return http::Response::FromJson(ctx.svc.flow().RemoveShared(
      Key(ctx), Zone(ctx), ctx.Param("objectType"), ctx.Param("objectId")));
}

http::Response GetFlowZoneGraph(Context& ctx) {
  return http::Response::FromJson(ctx.svc.flow().ZoneGraph(Key(ctx), Zone(ctx)));
}

}  // namespace dss::api
