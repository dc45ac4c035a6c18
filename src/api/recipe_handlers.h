#pragma once
// api/recipe_handlers.h: /projects/{projectKey}/recipes/* routes and renameRecipe.
#include "api/route.h"

namespace dss::api {
http::Response ListRecipes(Context& ctx);
http::Response CreateRecipe(Context& ctx);
http::Response GetRecipe(Context& ctx);
http::Response SaveRecipe(Context& ctx);
http::Response DeleteRecipe(Context& ctx);
http::Response RenameRecipe(Context& ctx);
http::Response GetRecipeMetadata(Context& ctx);
http::Response SetRecipeMetadata(Context& ctx);
http::Response GetRecipeStatus(Context& ctx);
http::Response GetRecipeSchemaUpdate(Context& ctx);
http::Response UpdateRecipeOutputSchema(Context& ctx);
}  // namespace dss::api
