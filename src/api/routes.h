#pragma once
// api/routes.h: THE route table.

#include <vector>

#include "api/route.h"

namespace dss::api {

/// Every route dssd serves, in one table (routes.cpp). Built once; thread-safe to read.
const std::vector<Route>& Routes();

/// openapi.json generated from the table.
Json OpenApiDocument(const std::string& server_version);

}  // namespace dss::api
