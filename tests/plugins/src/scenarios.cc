// Scenarios for the guest harness tests: every way a scenario can end.
#include <ktstr/scenario.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

KTSTR_SCENARIO_DESC(passes, "runs one cgroup of spinners and passes") {
  return ktstr::execute_defs(ctx, ctx.cgroups("cg", 1, ctx.workers_per_cgroup()));
}

KTSTR_SCENARIO_DESC(fails_with_details, "fails with two detail lines and a metric") {
  ctx.set_metric("answer", 42);
  ctx.add_detail("context line from add_detail");
  ctx.info("about to fail");
  return ktstr::AssertResult::fail("first detail").note("second detail");
}

KTSTR_SCENARIO(throws) { throw std::runtime_error("boom from the plugin"); }

KTSTR_SCENARIO(segfaults) {
  volatile int* p = nullptr;
  *p = 1;
  return ktstr::AssertResult::pass();
}

KTSTR_SCENARIO(hangs) {
  for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

KTSTR_SCENARIO(calls_exit) { std::exit(3); }

KTSTR_SCENARIO_DESC(reads_settings, "passes only if the settings reach it") {
  ktstr::AssertResult r;
  r.expect(ctx.setting_number("checks.max_gap_ms", -1) == 250, "checks.max_gap_ms != 250");
  r.expect(ctx.setting_string("scheduler", "") == "eevdf", "scheduler != eevdf");
  r.expect(!ctx.setting("no.such.key"), "missing key should be nullopt");
  r.expect(ctx.setting("checks").value_or("").find("max_gap_ms") != std::string::npos,
           "table setting as JSON text");
  r.expect(ctx.topology().num_cpus() > 0, "topology has CPUs");
  return r;
}

KTSTR_SCENARIO_DESC(leaves_workers, "spawns workers and returns without stopping them") {
  ktstr::AssertResult r;
  r.check(ctx.create_cgroup("left"), "create");
  r.check(ctx.spawn_workers(ktstr::CgroupDef{"left"}.with_workers(2)), "spawn");
  ctx.sleep_s(0.1);
  return r;
}

KTSTR_SCENARIO_DESC(unknown_work, "asks for a work type the agent lacks") {
  return ktstr::execute_defs(
      ctx,
      {ktstr::CgroupDef{"w"}.with_workers(1).with_work(ktstr::WorkType{"io_uring_storm", "{}"})});
}

KTSTR_SCENARIO_DESC(payload_and_snapshot, "payloads are unsupported; snapshots are recorded") {
  ktstr::AssertResult r;
  r.check(ctx.snapshot("mid"), "snapshot");
  ktstr::Status s = ctx.run_payload("hackbench");
  r.expect(!s.ok() && s.error.find("not supported") != std::string::npos,
           "run_payload should say not supported, said: " + s.error);
  return r;
}
