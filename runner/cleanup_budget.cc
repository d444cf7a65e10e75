#include "runner/cleanup_budget.h"

#include <fmt/format.h>

namespace ktstr {

void check_cleanup_budget(Verdict& v, const VmOutcome& outcome, const ResolvedTest& t) {
  const Setting* budget = t.get("cleanup_budget_ms");
  if (!budget || !budget->value.is_number() || outcome.reason == VmExitReason::kInterrupted) return;
  const double limit = budget->value.get<double>();
  const double took = outcome.timings.teardown_ms;
  if (took <= limit) return;
  if (v.kind != Verdict::Kind::kFail) v.reasons.clear();
  v.kind = Verdict::Kind::kFail;
  v.reasons.push_back(
      fmt::format("host-side VM teardown took {:.1f} ms, over cleanup_budget_ms = {} (set by {})",
                  took, budget->value.dump(), budget->origin.describe()));
}

}  // namespace ktstr
