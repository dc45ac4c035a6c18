#pragma once
// api/user_handlers.h: users, groups and the current user (spec endpoints.md §4.1-4.2).

#include "api/route.h"

namespace dss::api {

http::Response ListUsers(Context& ctx);
http::Response CreateUser(Context& ctx);
http::Response GetUser(Context& ctx);
http::Response UpdateUser(Context& ctx);
http::Response DeleteUser(Context& ctx);
http::Response BulkCreateUsers(Context& ctx);
http::Response BulkUpdateUsers(Context& ctx);
http::Response BulkDeleteUsers(Context& ctx);
http::Response GetUserActivity(Context& ctx);
http::Response ListUsersActivity(Context& ctx);
http::Response ListUsersInfo(Context& ctx);
http::Response GetUserInfo(Context& ctx);
http::Response GetCurrentUser(Context& ctx);
http::Response PutCurrentUser(Context& ctx);

http::Response ListGroups(Context& ctx);
http::Response CreateGroup(Context& ctx);
http::Response GetGroup(Context& ctx);
http::Response UpdateGroup(Context& ctx);
http::Response DeleteGroup(Context& ctx);
http::Response ListGroupsInfo(Context& ctx);

}  // namespace dss::api
