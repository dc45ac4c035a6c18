#include "core/recipe_executor.h"

namespace dss::core {

void RecipeExecutorRegistry::Register(const std::string& recipe_type,
                                      std::shared_ptr<RecipeExecutor> executor) {
  by_type_[recipe_type] = std::move(executor);
}

RecipeExecutor* RecipeExecutorRegistry::Find(const std::string& recipe_type) const {
  auto it = by_type_.find(recipe_type);
  return it == by_type_.end() ? nullptr : it->second.get();
}

}  // namespace dss::core
