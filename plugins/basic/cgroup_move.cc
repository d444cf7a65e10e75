// Spinners start in parent_a/work and are moved, task by task, into
// parent_b/work half way through (cgroup v2 cannot re-parent a cgroup, so
// moving its tasks is how a workload changes parents).
#include <ktstr/scenario.h>

KTSTR_SCENARIO_DESC(cgroup_moved_between_parents,
                    "Tasks of parent_a/work move to parent_b/work half way through the run") {
  std::vector<ktstr::CgroupDef> defs = {
      ktstr::CgroupDef{"parent_a/work"}.with_workers(ctx.workers_per_cgroup()),
      ktstr::CgroupDef{"parent_b/work"}.with_workers(0),
      ktstr::CgroupDef{"parent_b/resident"}.with_workers(1),
  };
  std::vector<ktstr::Step> steps = {
      ktstr::Step::move_tasks_at(0.5, "parent_a/work", "parent_b/work"),
  };
  return ktstr::execute_steps(ctx, defs, steps);
}
