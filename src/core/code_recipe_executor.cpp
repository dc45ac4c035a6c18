#include "core/code_recipe_executor.h"

#include <cstdlib>
#include <filesystem>

#include "common/api_error.h"
#include "common/strings.h"
#include "core/security_service.h"
#include "core/services.h"
#include "engine/child_process.h"
#include "storage/data_dir.h"

namespace dss::core {

namespace {

std::string RefsJson(const std::vector<FlowRef>& refs, const std::string& project) {
  Json a = Json::array();
  for (const auto& r : refs)
    a.push_back(r.project_key == project ? r.id : r.project_key + "." + r.id);
  return a.dump();
}

std::string LastNonEmptyLine(const std::string& text) {
  auto lines = Split(text, '\n');
  for (auto it = lines.rbegin(); it != lines.rend(); ++it)
    if (!Trim(*it).empty()) return Trim(*it);
  return "";
}

/// Revokes the ticket whatever happens to the process.
class TicketGuard {
 public:
  TicketGuard(SecurityService& sec, std::string ticket) : sec_(sec), ticket_(std::move(ticket)) {}
  ~TicketGuard() { sec_.RevokeTicket(ticket_); }
  TicketGuard(const TicketGuard&) = delete;
  TicketGuard& operator=(const TicketGuard&) = delete;

 private:
  SecurityService& sec_;
  std::string ticket_;
};

}  // namespace

CodeRecipeExecutor::CodeRecipeExecutor(std::string language, CodeRecipeOptions options)
    : language_(std::move(language)), options_(std::move(options)) {}

void CodeRecipeExecutor::Execute(const RecipeRunEnv& env, jobs::ActivityContext& ctx) {
  const bool python = language_ == "python";
  std::filesystem::path script =
      std::filesystem::path(env.work_dir) / (python ? "recipe.py" : "recipe.sh");
  storage::WriteFileAtomic(script, env.run.payload);

  std::string ticket = env.services.security().IssueTicket(env.login, env.project_key, env.staging);
  TicketGuard revoke(env.services.security(), ticket);

  engine::ProcessSpec spec;
  spec.program = python ? options_.python_bin : options_.shell_bin;
  if (python) spec.args.push_back("-u");
  spec.args.push_back(script.string());
  spec.cwd = env.work_dir;
  const char* home = getenv("HOME");
  std::string port;
  if (auto colon = env.backend_url.rfind(':'); colon != std::string::npos)
    port = env.backend_url.substr(colon + 1);
  spec.env = {
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "LANG=C.UTF-8",
      "LC_ALL=C.UTF-8",
      std::string("HOME=") + (home ? home : env.work_dir),
      "PYTHONPATH=" + options_.python_lib_dir,
      "PYTHONUNBUFFERED=1",
      "PYTHONDONTWRITEBYTECODE=1",
      "DKU_API_TICKET=" + ticket,
      "DKU_BACKEND_URL=" + env.backend_url,
      "DKU_BACKEND_PORT=" + port,
      "DKU_CURRENT_PROJECT_KEY=" + env.project_key,
      "DKU_JOB_ID=" + env.job_id,
      "DKU_ACTIVITY_ID=" + ctx.activity_id(),
      "DKU_RECIPE_NAME=" + env.run.recipe_name,
      "DKU_RECIPE_TYPE=" + env.run.recipe_type,
      "DKU_PARTITION=" + env.run.partition,
      "DKU_RECIPE_INPUTS=" + RefsJson(env.run.inputs, env.project_key),
      "DKU_RECIPE_OUTPUTS=" + RefsJson(env.run.outputs, env.project_key),
  };
  ctx.Log("Running " + language_ + " recipe " + env.run.recipe_name + ": " + spec.program + " " +
          script.string());
  ctx.ThrowIfAborted();
  engine::ChildProcess child(spec);
  engine::ProcessResult result;
  {
    jobs::ActivityContext::InterruptGuard kill_on_abort(ctx, [&child] { child.Kill(); });
    result = child.Wait([&ctx](std::string_view line, bool) { ctx.Log(line); });
  }
  if (ctx.Aborted() || result.killed) {
    // Said in the activity log too: the process output just stops there otherwise.
    std::string msg = "The " + language_ + " process was killed (job aborted)";
    ctx.Log(msg);
    throw ApiError(ErrorCode::kAborted, msg);
  }
  if (result.exit_code == 0) {
    ctx.Log("Process finished successfully");
    return;
  }
  std::string how = result.signal != 0 ? "was killed by signal " + std::to_string(result.signal)
                                       : "exited with code " + std::to_string(result.exit_code);
  ctx.Log("Process " + how);
  std::string last = LastNonEmptyLine(result.stderr_tail);
  std::string lang = python ? "Python" : "shell";
  std::string msg =
      "Error in " + lang + " process: " + (last.empty() ? "the process " + how : last);
  throw ApiError(
      ErrorCode::kProcessFailed, msg,
      "The " + lang + " process " + how + ". Last lines of stderr:\n" + result.stderr_tail);
}

}  // namespace dss::core
