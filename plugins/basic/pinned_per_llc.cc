// One cgroup of spinners per LLC, each confined to its LLC with a cpuset, and
// the same per NUMA node.
#include <ktstr/scenario.h>

KTSTR_SCENARIO_DESC(pinned_per_llc,
                    "One cgroup of spinners per LLC, each confined to its LLC by a cpuset") {
  auto defs = ctx.cgroups_per_llc("llc", ctx.workers_per_cgroup());
  return ktstr::execute_defs(ctx, defs);
}

KTSTR_SCENARIO_DESC(pinned_per_numa_node,
                    "One cgroup of spinners per NUMA node, each confined to its node") {
  auto defs = ctx.cgroups_per_numa_node("node", ctx.workers_per_cgroup());
  return ktstr::execute_defs(ctx, defs);
}
