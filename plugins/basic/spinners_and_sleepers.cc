// CPU hogs sharing the machine with bursty tasks that sleep most of the time:
// the sleepers must still get CPU promptly when they wake.
#include <ktstr/scenario.h>

KTSTR_SCENARIO_DESC(
    spinners_and_sleepers,
    "A cgroup of spinners next to a cgroup of bursty sleepers (5 ms on, 20 ms off)") {
  std::vector<ktstr::CgroupDef> defs = {
      ktstr::CgroupDef{"spinners"}.with_workers(ctx.workers_per_cgroup()),
      ktstr::CgroupDef{"sleepers"}
          .with_workers(ctx.workers_per_cgroup())
          .with_work(ktstr::WorkType::bursty(5, 20)),
  };
  return ktstr::execute_defs(ctx, defs);
}
