// A minimal ktstr plugin: two scenarios written only against <ktstr/scenario.h>.
#include <ktstr/scenario.h>

// Every LLC gets its own cgroup of spinners, confined to that LLC.
KTSTR_SCENARIO_DESC(hello_per_llc, "One cgroup of spinners per LLC") {
  ctx.info("hello from " + ctx.test_name());
  return ktstr::execute_defs(ctx, ctx.cgroups_per_llc("hello", ctx.workers_per_cgroup()));
}

// Two cgroups share the machine; half way through, the second one is squeezed
// onto the first half of the CPUs.
KTSTR_SCENARIO_DESC(hello_squeeze, "Two cgroups; the second is squeezed to half the CPUs at 50%") {
  auto defs = ctx.cgroups("cg", 2, ctx.workers_per_cgroup());
  return ktstr::execute_steps(ctx, defs, {ktstr::Step::set_cpuset_at(0.5, "cg_1", "disjoint:0/2")});
}
