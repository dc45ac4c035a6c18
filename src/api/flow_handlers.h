#pragma once
// api/flow_handlers.h: /projects/{projectKey}/flow/* routes (graph and zones).
#include "api/route.h"

namespace dss::api {
http::Response GetFlowGraph(Context& ctx);
http::Response ListFlowZones(Context& ctx);
http::Response CreateFlowZone(Context& ctx);
http::Response GetFlowZone(Context& ctx);
http::Response SaveFlowZone(Context& ctx);
http::Response DeleteFlowZone(Context& ctx);
http::Response AddFlowZoneItem(Context& ctx);
http::Response AddFlowZoneItems(Context& ctx);
http::Response AddFlowZoneShared(Context& ctx);
http::Response RemoveFlowZoneShared(Context& ctx);
http::Response GetFlowZoneGraph(Context& ctx);
}  // namespace dss::api
