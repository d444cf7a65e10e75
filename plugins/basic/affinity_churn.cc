// Workers whose CPU affinity changes every 100 ms, alternating single-CPU
// pins and random subsets: stresses migration paths. Written with Ctx's
// primitives rather than execute_steps, to show the imperative style.
#include <ktstr/scenario.h>

KTSTR_SCENARIO_DESC(affinity_churn,
                    "Workers re-pinned every 100 ms (single CPU, then random subsets)") {
  ktstr::AssertResult result;
  ktstr::CgroupDef def{"churn"};
  def.workers = ctx.workers_per_cgroup();
  if (!result.check(ctx.create_cgroup(def.name), "create cgroup 'churn'").passed) return result;
  if (!result.check(ctx.spawn_workers(def), "spawn workers").passed) {
    ctx.remove_cgroup(def.name);
    return result;
  }
  int changes = 0;
  while (ctx.elapsed_s() < ctx.duration_s()) {
    const char* mode = (changes % 2 == 0) ? "single_cpu" : "random_subset";
    result.check(ctx.set_affinity(def.name, mode), std::string("set affinity ") + mode);
    ++changes;
    ctx.sleep_s(0.1);
  }
  for (const auto& w : ctx.stop_workers(def.name))
    result.expect(w.iterations > 0,
                  "worker " + std::to_string(w.index) + " made no progress under affinity churn");
  result.check(ctx.remove_cgroup(def.name), "remove cgroup 'churn'");
  ctx.set_metric("affinity_changes", changes);
  return result;
}
