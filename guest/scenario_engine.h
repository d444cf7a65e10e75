// The scenario engine: runs cgroup definitions for the test's duration and
// applies timed steps. Shared by the declarative [[cgroup]]/[[step]] path and
// the SDK's execute_defs/execute_steps (GuestCtx::execute calls it).
#pragma once

#include <ktstr/detail/ctx.h>

#include <functional>
#include <string>
#include <vector>

namespace ktstr {

/// Creates every def's cgroup (with its cpuset) and spawns its workers, waits
/// duration_s while applying `steps` at their times, then stops the workers
/// (their results are recorded by the Ctx) and removes what it created.
/// Passes unless an operation failed; each failure is one detail line
/// ("step 2 (set_cpuset 'cg_0' at 1.000 s): ..."). `source`, when given, is
/// told what the next operations come from ("cgroup 'cg_0'", "step 2
/// (set_cpuset)", "" when done), for the Ctx's cpuset change records.
AssertResult run_timeline(Ctx& ctx, const std::vector<CgroupDef>& defs,
                          const std::vector<Step>& steps,
                          const std::function<void(const std::string&)>& source = {});

/// When `step` happens, in seconds from the start, for a run of `duration_s`.
double step_time_s(const Step& step, double duration_s);

}  // namespace ktstr
