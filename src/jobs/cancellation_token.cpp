#include "jobs/cancellation_token.h"

namespace dss::jobs {

void CancellationToken::Cancel() {
  std::lock_guard lock(mu_);
  if (cancelled_.exchange(true, std::memory_order_acq_rel)) return;
  for (auto& [id, hook] : hooks_) hook();
}

int CancellationToken::AddHook(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  if (cancelled()) {
    hook();
    return 0;
  }
  int id = next_id_++;
  hooks_.emplace(id, std::move(hook));
  return id;
}

void CancellationToken::RemoveHook(int id) {
  std::lock_guard lock(mu_);
  hooks_.erase(id);
}

}  // namespace dss::jobs
