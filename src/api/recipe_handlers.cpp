#include "api/recipe_handlers.h"

#include "core/recipe_service.h"

namespace dss::api {

namespace {
const std::string& Key(Context& ctx) {
  return ctx.Param("projectKey");
}
const std::string& Name(Context& ctx) {
  return ctx.Param("recipeName");
}
}  // namespace

http::Response ListRecipes(Context& ctx) {
  return http::Response::FromJson(Json(ctx.svc.recipes().List(Key(ctx))));
}

http::Response CreateRecipe(Context& ctx) {
  return http::Response::FromJson(ctx.svc.recipes().Create(ctx.who, Key(ctx), ctx.Body()));
}

http::Response GetRecipe(Context& ctx) {
  return http::Response::FromJson(ctx.svc.recipes().Get(Key(ctx), Name(ctx)));
}

http::Response SaveRecipe(Context& ctx) {
  return http::Response::FromJson(ctx.svc.recipes().Save(ctx.who, Key(ctx), Name(ctx), ctx.Body()));
}

http::Response DeleteRecipe(Context& ctx) {
  ctx.svc.recipes().Delete(ctx.who, Key(ctx), Name(ctx));
  return http::Response::FromJson(Json::object());
}

http::Response RenameRecipe(Context& ctx) {
  const Json& body = RequireObject(ctx.Body(), "request body");
  ctx.svc.recipes().Rename(ctx.who, Key(ctx), RequireString(body, "oldName"),
                           RequireString(body, "newName"));
  return http::Response::FromJson(Json::object());
}

http::Response GetRecipeMetadata(Context& ctx) {
  return http::Response::FromJson(ctx.svc.recipes().GetMetadata(Key(ctx), Name(ctx)));
}

http::Response SetRecipeMetadata(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.recipes().SetMetadata(ctx.who, Key(ctx), Name(ctx), ctx.Body()));
}

http::Response GetRecipeStatus(Context& ctx) {
  return http::Response::FromJson(ctx.svc.recipes().Status(Key(ctx), Name(ctx)));
}

http::Response GetRecipeSchemaUpdate(Context& ctx) {
  return http::Response::FromJson(ctx.svc.recipes().SchemaUpdate(Key(ctx), Name(ctx)));
}

http::Response UpdateRecipeOutputSchema(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.recipes().UpdateOutputSchema(ctx.who, Key(ctx), Name(ctx), ctx.Body()));
}

}  // namespace dss::api
