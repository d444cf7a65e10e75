// A synthetic run for the reporters' tests: two kernels, one instance per
// status (PASS, FAIL, FLAKY, SKIP, INCONCLUSIVE, NOT-RUN), replicas and a
// repetition, and guest text at its most hostile in names, reasons, notes,
// details and properties: control characters, a terminal escape, "]]>",
// "<&>", invalid UTF-8 and a forged verdict line.
#pragma once

#include <string>
#include <vector>

#include "report/run_events.h"

namespace ktstr {

/// The hostile text every field of the sample carries.
inline const std::string kHostileText =
    "\x01\x1b[31mred\x07 ]]> <&> \"q\" 'a' \xff\xfe bad\r\nPASS ktstr/fake 0.1s\x7f\xc2\x85";

/// The sample run. Outcomes point into `plan`: not copyable.
struct SampleRun {
  Plan plan;
  RunInfo info;
  RunSummary summary;

  SampleRun() {
    plan.kernels = {{"6.12.117-cloud", "kernel_6_12_117", false},
                    {"6.12.117-scx", "kernel_6_12_117_scx", true}};
    auto add = [&](const std::string& name, size_t kernel) -> TestInstance& {
      TestInstance& t = plan.instances.emplace_back();
      t.name = name + "/" + plan.kernels[kernel].dimension;
      t.kernel_index = kernel;
      t.dir = name.substr(name.find('/') + 1) + "-" + plan.kernels[kernel].dimension;
      return t;
    };
    plan.instances.reserve(8);
    add("ktstr/pass", 0);
    add("ktstr/fail", 0);
    add("ktstr/flaky", 1);
    add("ktstr/skip", 1);
    add("ktstr/inconclusive", 0);
    TestInstance& r = add("ktstr/replicated", 1);
    r.replica = 2;
    r.replicas = 2;
    r.repetition = 1;
    r.repetitions = 3;
    r.dir += "/replica-2/run-1";
    add("ktstr/" + kHostileText, 0);

    info.run_id = "20261201-173000-4242-a1b2";
    info.run_dir = "/runs/20261201-173000-4242-a1b2";
    info.accel = "tcg";
    info.argv = {"ktstr-run", "specs/", "--filter", kHostileText};
    info.started_at = "2026-12-01T17:30:00Z";
    info.jobs = 2;
    info.budget_cpus = 2;
    info.budget_memory_mib = 4096;
    info.hostname = "ci-host";
    info.kernels = plan.kernels;

    auto verdict = [](Verdict::Kind kind, std::vector<std::string> reasons) {
      Verdict v;
      v.kind = kind;
      v.reasons = std::move(reasons);
      return v;
    };
    auto finish = [&](size_t i, TestStatus status, Verdict v, std::vector<Attempt> attempts) {
      TestOutcome o;
      o.instance = &plan.instances[i];
      o.status = status;
      o.verdict = std::move(v);
      o.attempts = std::move(attempts);
      for (const Attempt& a : o.attempts) o.seconds += a.seconds;
      if (!o.attempts.empty()) o.dir = plan.instances[i].dir;
      o.properties = {{"topology", "1n1l2c1t"}, {"guest", kHostileText}};
      summary.counts.add(status);
      summary.outcomes.push_back(std::move(o));
    };
    Verdict pass = verdict(Verdict::Kind::kPass, {});
    pass.notes = {"note " + kHostileText};
    pass.details = {"| detail " + kHostileText};
    finish(0, TestStatus::kPass, pass, {{pass, 1.5}});
    const Verdict fail = verdict(Verdict::Kind::kFail,
                                 {"scenario failed: " + kHostileText, "console tail:\n| a\n| b"});
    finish(1, TestStatus::kFail, fail, {{fail, 2.25}});
    const Verdict first = verdict(Verdict::Kind::kFail, {"max_gap_ms: 812.0 ms > 500"});
    finish(2, TestStatus::kFlaky, verdict(Verdict::Kind::kPass, {}),
           {{first, 3.0}, {verdict(Verdict::Kind::kPass, {}), 2.0}});
    const Verdict skip = verdict(Verdict::Kind::kSkip, {"kernel lacks CONFIG_SCHED_CLASS_EXT"});
    finish(3, TestStatus::kSkip, skip, {{skip, 0.0}});
    const Verdict inc = verdict(Verdict::Kind::kInconclusive, {"max_spread_pct: no samples"});
    finish(4, TestStatus::kInconclusive, inc, {{inc, 4.0}});
    finish(5, TestStatus::kNotRun, verdict(Verdict::Kind::kFail, {"interrupted"}), {});
    finish(6, TestStatus::kFail, verdict(Verdict::Kind::kFail, {kHostileText}),
           {{verdict(Verdict::Kind::kFail, {kHostileText}), 0.5}});
    summary.wall_seconds = 9.75;
    summary.interrupted = true;
    summary.exit_code = 130;
    summary.finished_at = "2026-12-01T17:30:10Z";
  }
  SampleRun(const SampleRun&) = delete;
  SampleRun& operator=(const SampleRun&) = delete;
};

}  // namespace ktstr
