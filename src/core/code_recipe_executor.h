#pragma once
// core/code_recipe_executor.h: Python and shell recipes, run as child processes.
//
// The script (the recipe payload) runs with the `dataiku` package on PYTHONPATH and an
// internal API ticket acting as the job's user, revoked when the process ends. Its stdout and
// stderr go to the activity log; a non-zero exit fails the activity with the last stderr
// lines. An abort kills the process group.

#include <string>

#include "core/recipe_executor.h"

namespace dss::core {

struct CodeRecipeOptions {
  std::string python_bin = "/usr/bin/python3";
  std::string shell_bin = "/bin/bash";
  std::string python_lib_dir;  // the repository's python/ directory
};

class CodeRecipeExecutor : public RecipeExecutor {
 public:
  /// `language` is "python" or "shell".
  CodeRecipeExecutor(std::string language, CodeRecipeOptions options);
  void Execute(const RecipeRunEnv& env, jobs::ActivityContext& ctx) override;

 private:
  std::string language_;
  CodeRecipeOptions options_;
};

}  // namespace dss::core
