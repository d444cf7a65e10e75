// A cgroup whose cpuset shrinks to one LLC (or half of the CPUs) a third of
// the way through, then grows back to every CPU at two thirds, while a second
// unconstrained cgroup keeps running: the scheduler must follow both changes.
#include <ktstr/scenario.h>

KTSTR_SCENARIO_DESC(cpuset_shrink_grow,
                    "Cpuset shrinks to one LLC at 1/3 of the run and grows back at 2/3") {
  const auto& topo = ctx.topology();
  if (topo.usable_cpus.size() < 2)
    return ktstr::AssertResult::fail("cpuset_shrink_grow needs at least 2 usable CPUs");
  // With one LLC, shrink to the first half of the CPUs instead.
  const std::string small = topo.num_llcs() > 1 ? "llc:0" : "disjoint:0/2";
  std::vector<ktstr::CgroupDef> defs = {
      ktstr::CgroupDef{"elastic"}.with_workers(ctx.workers_per_cgroup()),
      ktstr::CgroupDef{"steady"}.with_workers(ctx.workers_per_cgroup()),
  };
  std::vector<ktstr::Step> steps = {
      ktstr::Step::set_cpuset_at(1.0 / 3, "elastic", small),
      ktstr::Step::clear_cpuset_at(2.0 / 3, "elastic"),
  };
  return ktstr::execute_steps(ctx, defs, steps);
}
