// Every [checks] formula on synthetic telemetry, through evaluate() as a run
// would call it: the exact reason a user reads (check, cgroup, worker,
// measured value vs threshold and where the threshold came from), PASS just
// under each threshold, the notes of checks that cannot be evaluated, the
// INCONCLUSIVE of zero denominators, NaN and huge counters.
#include <gtest/gtest.h>

#include <limits>

#include "eval/evaluate.h"
#include "eval/telemetry_checks.h"
#include "guest/protocol/observed_topology.h"

namespace ktstr {

void PrintTo(Verdict::Kind k, std::ostream* os) { *os << Verdict::name(k); }

namespace {

constexpr std::uint64_t kSec = 1'000'000'000;
constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

/// A worker that ran 2 s, half of it on a CPU, and did steady work.
WorkerReport worker(const std::string& cgroup, int index) {
  WorkerReport w;
  w.cgroup = cgroup;
  w.index = index;
  w.pid = 100 + index;
  w.work = "spin";
  w.work_units = 1000;
  w.iterations = 100;
  w.wall_ns = 2 * kSec;
  w.cpu_ns = kSec;
  w.off_cpu_ns = kSec;
  w.max_gap = {10'000'000, kSec, 0};
  w.cpus_used = {0};
  w.epoch_cpus = {{0, {0}}};
  w.completed = true;
  return w;
}

RunRecord record_with(const ScenarioTelemetry& t) {
  RunRecord r;
  r.exit_reason = "done";
  r.check_topology = false;
  ObservedTopology seen;
  seen.cpus = 4;
  seen.llc_groups = {{0, 1, 2, 3}};
  seen.smt_groups = {{0}, {1}, {2}, {3}};
  seen.numa_nodes = {{0, 1, 2, 3}};
  r.booted = {{"type", "booted"}, {"topology", seen}};
  r.result = {{"type", "result"}, {"verdict", "pass"}, {"details", {"ran 2 workers"}}};
  r.result["data"]["telemetry"] = t;
  return r;
}

/// Only the checks a test sets (every other threshold unset).
Checks none() { return Checks{}; }

template <class T>
Threshold<T> at(T v, std::string origin = "t.toml:3") {
  return Threshold<T>{v, std::move(origin)};
}

Verdict eval(const ScenarioTelemetry& t, const Checks& c) { return evaluate(record_with(t), c); }

ScenarioTelemetry two(const std::string& cg = "cg_0") {
  ScenarioTelemetry t;
  t.workers = {worker(cg, 0), worker(cg, 1)};
  return t;
}

TEST(TelemetryChecks, AFairRunPassesEveryCheckAndFillsTheTable) {
  Checks c;
  c.not_starved = at(true, "built-in");
  c.isolation = at(true);
  c.max_gap_ms = at(2000.0, "built-in");
  c.max_spread_pct = at(15.0, "built-in");
  c.max_throughput_cv = at(0.1);
  c.min_work_rate = at(500.0);
  c.min_iteration_rate = at(10.0);
  c.max_migration_ratio = at(0.5);
  ScenarioTelemetry t = two();
  t.workers[1].cpus_used = {1, 3, 2};
  t.workers[0].migrations = 5;
  Verdict v = eval(t, c);
  EXPECT_EQ(v.kind, Verdict::Kind::kPass) << ::testing::PrintToString(v.reasons);
  ASSERT_EQ(v.table.size(), 1u);
  const CgroupRow& row = v.table[0];
  EXPECT_EQ(row.cgroup, "cg_0");
  EXPECT_EQ(row.workers, 2);
  EXPECT_EQ(row.cpus, "0-3");
  EXPECT_DOUBLE_EQ(row.spread_pct, 0);
  EXPECT_DOUBLE_EQ(row.worst_gap_ms, 10);
  EXPECT_EQ(row.migrations, 5u);
  EXPECT_EQ(row.iterations, 200u);
  EXPECT_LT(row.p99_wake_us, 0);                                      // no wake samples
  EXPECT_EQ(v.details, std::vector<std::string>{"| ran 2 workers"});  // also on a PASS
}

TEST(TelemetryChecks, ZeroWorkIsStarvation) {
  Checks c;
  c.not_starved = at(true, "built-in");
  ScenarioTelemetry t = two();
  t.workers[1].work_units = 0;
  t.workers[1].cpu_ns = 0;
  Verdict v = eval(t, c);
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_EQ(v.reasons[0],
            "not_starved: cgroup 'cg_0': worker 1 did no work (work_units = 0 in 2.00 s of wall "
            "time, 0.00 s on a CPU) with not_starved = true (built-in)");
  c.not_starved = at(false);
  EXPECT_EQ(eval(t, c).kind, Verdict::Kind::kPass);
}

TEST(TelemetryChecks, SpreadIsMaxMinusMinOffCpuPercent) {
  Checks c;
  c.not_starved = at(true, "built-in");
  c.max_spread_pct = at(25.0, "examples/01-declarative/two_cgroups.toml:26");
  ScenarioTelemetry t = two();
  t.workers[0].off_cpu_ns = 416'000'000;    // 20.8 %
  t.workers[1].off_cpu_ns = 1'240'000'000;  // 62.0 %
  Verdict v = eval(t, c);
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_EQ(v.reasons[0],
            "max_spread_pct: cgroup 'cg_0': spread 41.2% (worker 1 off-CPU 62.0%, worker 0 20.8%) "
            "> max_spread_pct = 25 (examples/01-declarative/two_cgroups.toml:26)");
  EXPECT_NEAR(v.table[0].spread_pct, 41.2, 1e-9);
  t.workers[1].off_cpu_ns = 900'000'000;  // 45 %: spread 24.2
  EXPECT_EQ(eval(t, c).kind, Verdict::Kind::kPass);
}

TEST(TelemetryChecks, SpreadAndGapRunWithNotStarvedOrWhenSetExplicitly) {
  ScenarioTelemetry t = two();
  t.workers[1].off_cpu_ns = 2 * kSec;  // 100 % vs 50 %
  Checks c;
  c.not_starved = at(false);
  c.max_spread_pct = at(15.0, "built-in");  // the default alone: off with not_starved
  EXPECT_EQ(eval(t, c).kind, Verdict::Kind::kPass);
  c.max_spread_pct = at(15.0, "--set max_spread_pct=15");
  Verdict v = eval(t, c);
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons[0],
            "max_spread_pct: cgroup 'cg_0': spread 50.0% (worker 1 off-CPU 100.0%, worker 0 "
            "50.0%) > max_spread_pct = 15 (--set max_spread_pct=15)");
}

TEST(TelemetryChecks, ASpreadOfOneWorkerIsANoteNotAFailure) {
  Checks c;
  c.not_starved = at(true, "built-in");
  c.max_spread_pct = at(15.0, "built-in");
  ScenarioTelemetry t;
  t.workers = {worker("cg_0", 0)};
  Verdict v = eval(t, c);
  EXPECT_EQ(v.kind, Verdict::Kind::kPass);
  EXPECT_EQ(v.notes,
            std::vector<std::string>{
                "max_spread_pct: cgroup 'cg_0': 1 worker, no spread to compute (needs 2)"});
  EXPECT_LT(v.table[0].spread_pct, 0);
}

TEST(TelemetryChecks, TheWorstGapNamesWorkerTimeAndCpu) {
  Checks c;
  c.not_starved = at(true, "built-in");
  c.max_gap_ms = at(500.0, "--set max_gap_ms=500");
  ScenarioTelemetry t = two();
  t.workers[0].max_gap = {951'000'000, 1'230'000'000, 1};
  t.workers[1].max_gap = {600'000'000, 2'000'000'000, 0};
  Verdict v = eval(t, c);
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_EQ(v.reasons[0],
            "max_gap_ms: cgroup 'cg_0': worker 0's longest gap 951.0 ms (ended at 1.23 s on CPU "
            "1), and 1 more worker over it > max_gap_ms = 500 (--set max_gap_ms=500)");
  t.workers[0].max_gap.ns = 500'000'000;  // at the limit: not over it
  t.workers[1].max_gap.ns = 499'000'000;
  EXPECT_EQ(eval(t, c).kind, Verdict::Kind::kPass);
}

TEST(TelemetryChecks, IsolationUsesTheCpusetInForceInEachEpoch) {
  Checks c;
  c.isolation = at(true, "t.toml:9");
  ScenarioTelemetry t = two();
  // Epoch 1 at 0 s: cpuset 0-1 from the spec; epoch 2 at 0.80 s: a step
  // narrows it to CPU 0. Worker 1 stays on CPU 1 after the change.
  t.cpusets = {{.epoch = 1,
                .at_ns = 0,
                .cgroup = "cg_0",
                .cpus = {0, 1},
                .spec = "0-1",
                .source = "cgroup 'cg_0'"},
               {.epoch = 2,
                .at_ns = 800'000'000,
                .cgroup = "cg_0",
                .cpus = {0},
                .spec = "0",
                .source = "step 2 (set_cpuset)"}};
  t.workers[0].epoch_cpus = {{1, {0, 1}}, {2, {0}}};
  t.workers[1].epoch_cpus = {{1, {1}}, {2, {1}}};
  Verdict v = eval(t, c);
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_EQ(v.reasons[0],
            "isolation: cgroup 'cg_0': worker 1 ran on CPU 1 outside its cpuset 0 in epoch 2 "
            "(from 0.80 s) (cpuset \"0\" set at 0.80 s by step 2 (set_cpuset)) with isolation = "
            "true (t.toml:9)");
  // The same CPUs before the change are inside: epoch 1 alone passes.
  t.workers[1].epoch_cpus = {{1, {1}}};
  EXPECT_EQ(eval(t, c).kind, Verdict::Kind::kPass);
  // A cleared cpuset (every CPU) is not checked.
  t.cpusets[1].cleared = true;
  t.cpusets[1].cpus.clear();
  t.workers[1].epoch_cpus = {{1, {1}}, {2, {3}}};
  EXPECT_EQ(eval(t, c).kind, Verdict::Kind::kPass);
}

TEST(TelemetryChecks, AnotherCgroupsCpusetChangeStartsAnEpochButNotThisCgroupsCpuset) {
  Checks c;
  c.isolation = at(true);
  ScenarioTelemetry t = two();
  t.workers.push_back(worker("cg_1", 0));
  t.cpusets = {
      {.epoch = 1, .cgroup = "cg_0", .cpus = {0}, .spec = "0", .source = "cgroup 'cg_0'"},
      {.epoch = 2, .at_ns = kSec, .cgroup = "cg_1", .cpus = {1}, .spec = "1", .source = "plugin"}};
  t.workers[1].epoch_cpus = {{1, {0}}, {2, {0}}};  // cg_0's cpuset is still 0 in epoch 2
  t.workers[2].epoch_cpus = {{2, {2}}};            // cg_1: outside 1
  Verdict v = eval(t, c);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_EQ(v.reasons[0],
            "isolation: cgroup 'cg_1': worker 0 ran on CPU 2 outside its cpuset 1 in epoch 2 (from "
            "1.00 s) (cpuset \"1\" set at 1.00 s by plugin) with isolation = true (t.toml:3)");
}

TEST(TelemetryChecks, NoCpusetMeansIsolationIsNotChecked) {
  Checks c;
  c.isolation = at(true);
  ScenarioTelemetry t = two();
  t.workers[0].epoch_cpus = {{0, {0, 1, 2, 3}}};
  EXPECT_EQ(eval(t, c).kind, Verdict::Kind::kPass);
}

TEST(TelemetryChecks, ThroughputCvIsPopulationStddevOverMeanOfUnitsPerCpuSecond) {
  Checks c;
  c.max_throughput_cv = at(0.3);
  ScenarioTelemetry t = two();
  t.workers[0].work_units = 1000;  // 1000/s
  t.workers[1].work_units = 3000;  // 3000/s: mean 2000, stddev 1000, CV 0.5
  Verdict v = eval(t, c);
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons[0],
            "max_throughput_cv: cgroup 'cg_0': throughput CV 0.5 over 2 workers (mean 2000 work "
            "units per CPU-second; worker 0 1000, worker 1 3000) > max_throughput_cv = 0.3 "
            "(t.toml:3)");
  c.max_throughput_cv = at(0.5);
  EXPECT_EQ(eval(t, c).kind, Verdict::Kind::kPass);
}

TEST(TelemetryChecks, ThroughputCvOfOneWorkerIsANote) {
  Checks c;
  c.max_throughput_cv = at(0.3);
  ScenarioTelemetry t;
  t.workers = {worker("cg_0", 0)};
  Verdict v = eval(t, c);
  EXPECT_EQ(v.kind, Verdict::Kind::kPass);
  EXPECT_EQ(v.notes, std::vector<std::string>{
                         "max_throughput_cv: cgroup 'cg_0': 1 worker, no CV to compute (needs 2)"});
}

TEST(TelemetryChecks, ZeroDenominatorsAreInconclusiveAndFailUnlessAllowed) {
  ScenarioTelemetry t = two();
  t.workers[1].cpu_ns = 0;
  Checks c;
  c.min_work_rate = at(10.0);
  Verdict v = eval(t, c);
  EXPECT_EQ(v.kind, Verdict::Kind::kInconclusive);
  ASSERT_EQ(v.reasons.size(), 2u);
  EXPECT_EQ(v.reasons[0],
            "min_work_rate: cgroup 'cg_0': worker 1 has cpu_ns = 0, so its rate is undefined "
            "(min_work_rate = 10 (t.toml:3))");
  EXPECT_EQ(v.reasons[1],
            "INCONCLUSIVE fails the run; allow_inconclusive = true would count it as PASS");
  c.allow_inconclusive = at(true, "t.toml:5");
  v = eval(t, c);
  EXPECT_EQ(v.kind, Verdict::Kind::kPass);
  EXPECT_TRUE(v.reasons.empty());
  ASSERT_EQ(v.notes.size(), 2u);
  EXPECT_EQ(v.notes[0], "INCONCLUSIVE counted as PASS (allow_inconclusive = true (t.toml:5))");
  // Each zero denominator of the other formulas.
  for (auto [set, field] :
       std::vector<std::pair<Threshold<double> Checks::*, std::uint64_t WorkerReport::*>>{
           {&Checks::max_throughput_cv, &WorkerReport::cpu_ns},
           {&Checks::min_iteration_rate, &WorkerReport::wall_ns},
           {&Checks::max_migration_ratio, &WorkerReport::iterations}}) {
    Checks k;
    k.*set = at(1.0);
    ScenarioTelemetry z = two();
    for (auto& w : z.workers) w.*field = 0;
    EXPECT_EQ(eval(z, k).kind, Verdict::Kind::kInconclusive);
  }
  Checks s;
  s.not_starved = at(true, "built-in");
  s.max_spread_pct = at(15.0, "built-in");
  ScenarioTelemetry z = two();
  z.workers[0].wall_ns = 0;
  v = eval(z, s);
  EXPECT_EQ(v.kind, Verdict::Kind::kInconclusive);
  EXPECT_EQ(v.reasons[0],
            "max_spread_pct: cgroup 'cg_0': worker 0 has wall_ns = 0, so its off-CPU % is "
            "undefined (max_spread_pct = 15 (built-in))");
}

TEST(TelemetryChecks, AFailOutweighsAnInconclusiveWhichStaysVisible) {
  ScenarioTelemetry t = two();
  t.workers[1].cpu_ns = 0;
  t.workers[0].max_gap.ns = 3 * kSec;
  Checks c;
  c.min_work_rate = at(10.0);
  c.max_gap_ms = at(100.0);
  Verdict v = eval(t, c);
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
  ASSERT_EQ(v.notes.size(), 1u);
  EXPECT_TRUE(v.notes[0].starts_with("INCONCLUSIVE min_work_rate: cgroup 'cg_0': worker 1"));
}

TEST(TelemetryChecks, MinWorkRateIsUnitsPerCpuSecondPerWorker) {
  Checks c;
  c.min_work_rate = at(1e15);
  Verdict v = eval(two(), c);
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_EQ(v.reasons[0],
            "min_work_rate: cgroup 'cg_0': worker 0 did 1000 work units per CPU-second (1000 in "
            "1.00 s), and 1 more worker below < min_work_rate = 1e+15 (t.toml:3)");
  c.min_work_rate = at(1000.0);
  EXPECT_EQ(eval(two(), c).kind, Verdict::Kind::kPass);
}

TEST(TelemetryChecks, MinIterationRateIsIterationsPerWallSecond) {
  Checks c;
  c.min_iteration_rate = at(60.0);
  ScenarioTelemetry t = two();
  t.workers[1].iterations = 140;  // 70/s; worker 0 does 50/s
  Verdict v = eval(t, c);
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons[0],
            "min_iteration_rate: cgroup 'cg_0': worker 0 did 50 iterations per second (100 in "
            "2.00 s) < min_iteration_rate = 60 (t.toml:3)");
  c.min_iteration_rate = at(50.0);
  EXPECT_EQ(eval(t, c).kind, Verdict::Kind::kPass);
}

TEST(TelemetryChecks, P99IsTheNearestRankOverTheCgroupsPooledSamples) {
  Checks c;
  c.max_p99_wake_latency_ns = at(1000.0);
  ScenarioTelemetry t = two();
  // 200 samples: 1..100 from worker 0, 101..200 from worker 1.
  // idx = ceil(200 * 0.99) - 1 = 197: the value 198.
  for (std::uint64_t i = 1; i <= 100; ++i) t.workers[0].wake_latencies_ns.push_back(i * 10);
  for (std::uint64_t i = 101; i <= 200; ++i) t.workers[1].wake_latencies_ns.push_back(i * 10);
  Verdict v = eval(t, c);
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons[0],
            "max_p99_wake_latency_ns: cgroup 'cg_0': p99 wake latency 1980 ns over 200 samples "
            "(that sample is worker 1's; the largest, 2000 ns, worker 1's) > "
            "max_p99_wake_latency_ns = 1000 (t.toml:3)");
  EXPECT_DOUBLE_EQ(v.table[0].p99_wake_us, 1.98);
  c.max_p99_wake_latency_ns = at(1980.0);
  EXPECT_EQ(eval(t, c).kind, Verdict::Kind::kPass);
}

TEST(TelemetryChecks, NoWakeSamplesIsANote) {
  Checks c;
  c.max_p99_wake_latency_ns = at(1.0);
  c.max_wake_latency_cv = at(1.0);
  Verdict v = eval(two(), c);
  EXPECT_EQ(v.kind, Verdict::Kind::kPass);
  EXPECT_EQ(v.notes,
            (std::vector<std::string>{
                "max_p99_wake_latency_ns: cgroup 'cg_0': no wake latency samples (its work types "
                "do not block)",
                "max_wake_latency_cv: cgroup 'cg_0': 0 wake latency samples, no CV to compute "
                "(needs 2)"}));
}

TEST(TelemetryChecks, WakeLatencyCvIsThePopulationCvOfAllSamples) {
  Checks c;
  c.max_wake_latency_cv = at(0.4);
  ScenarioTelemetry t = two();
  t.workers[0].wake_latencies_ns = {100, 100};
  t.workers[1].wake_latencies_ns = {300, 300};  // mean 200, stddev 100: CV 0.5
  Verdict v = eval(t, c);
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons[0],
            "max_wake_latency_cv: cgroup 'cg_0': wake latency CV 0.5 over 4 samples (mean 200 ns; "
            "the largest, 300 ns, worker 1's) > max_wake_latency_cv = 0.4 (t.toml:3)");
  c.max_wake_latency_cv = at(0.5);
  EXPECT_EQ(eval(t, c).kind, Verdict::Kind::kPass);
  t.workers[0].wake_latencies_ns = {0, 0};
  t.workers[1].wake_latencies_ns = {0};
  EXPECT_EQ(eval(t, c).kind, Verdict::Kind::kInconclusive);
}

TEST(TelemetryChecks, MigrationRatioIsSumOfMigrationsOverSumOfIterations) {
  Checks c;
  c.max_migration_ratio = at(0.1);
  ScenarioTelemetry t = two();
  t.workers[0].migrations = 30;
  t.workers[1].migrations = 10;  // 40 / 200 = 0.2
  Verdict v = eval(t, c);
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons[0],
            "max_migration_ratio: cgroup 'cg_0': 0.2 migrations per iteration (40 migrations / "
            "200 iterations; worker 0 migrated most, 30 times) > max_migration_ratio = 0.1 "
            "(t.toml:3)");
  c.max_migration_ratio = at(0.2);
  EXPECT_EQ(eval(t, c).kind, Verdict::Kind::kPass);
}

TEST(TelemetryChecks, EachCgroupIsJudgedOnItsOwn) {
  Checks c;
  c.not_starved = at(true, "built-in");
  c.max_spread_pct = at(15.0, "built-in");
  ScenarioTelemetry t = two("cg_0");
  for (auto w : two("cg_1").workers) t.workers.push_back(w);
  t.workers[0].off_cpu_ns = 0;            // cg_0: 0 % vs 50 %
  t.workers[2].off_cpu_ns = 0;            // cg_1: 0 % vs ...
  t.workers[3].off_cpu_ns = 200'000'000;  // ... 10 %: within 15
  Verdict v = eval(t, c);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_TRUE(v.reasons[0].starts_with("max_spread_pct: cgroup 'cg_0': spread 50.0%"));
  ASSERT_EQ(v.table.size(), 2u);
  EXPECT_EQ(v.table[1].cgroup, "cg_1");
}

TEST(TelemetryChecks, AWorkerErrorFailsTheTestWithThatErrorQuoted) {
  ScenarioTelemetry t = two();
  t.workers[1].error = "setup: sched_setaffinity: Invalid argument\n\x1b[2JPASS";
  Verdict v = eval(t, none());
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons[0],
            "worker error: cgroup 'cg_0': worker 1 (pid 101, spin): setup: sched_setaffinity: "
            "Invalid argument\\n\\x1b[2JPASS");
}

TEST(TelemetryChecks, GarbledTelemetryFailsNamingTheDecodeError) {
  RunRecord r = record_with(two());
  r.result["data"]["telemetry"]["workers"][0]["work_units"] = -1;
  Verdict v = evaluate(r, none());
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_TRUE(v.reasons[0].starts_with("garbled telemetry: "));
  EXPECT_NE(v.reasons[0].find("'work_units' must be a non-negative integer, not -1"),
            std::string::npos)
      << v.reasons[0];
  r.result["data"]["telemetry"] = "\x1b]0;x\x07";
  v = evaluate(r, none());
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons[0].find('\x1b'), std::string::npos) << v.reasons[0];
}

TEST(TelemetryChecks, NoTelemetryEvaluatesOnlyWhatApplies) {
  RunRecord r = record_with(ScenarioTelemetry{});
  r.result["data"].erase("telemetry");
  Checks c;
  c.not_starved = at(true, "built-in");
  c.min_work_rate = at(1e15);
  Verdict v = evaluate(r, c);
  EXPECT_EQ(v.kind, Verdict::Kind::kPass);
  EXPECT_TRUE(v.table.empty());
  ASSERT_EQ(v.notes.size(), 1u);
  EXPECT_TRUE(v.notes[0].starts_with("no worker telemetry in the result"));
  // An empty telemetry (no workers) passes with an empty table.
  v = evaluate(record_with(ScenarioTelemetry{}), c);
  EXPECT_EQ(v.kind, Verdict::Kind::kPass);
  EXPECT_TRUE(v.table.empty());
}

TEST(TelemetryChecks, HugeCountersNeitherOverflowNorProduceNan) {
  Checks c;
  c.not_starved = at(true, "built-in");
  c.max_spread_pct = at(15.0, "built-in");
  c.max_gap_ms = at(2000.0, "built-in");
  c.max_throughput_cv = at(0.1);
  c.min_work_rate = at(1.0);
  c.min_iteration_rate = at(1.0);
  c.max_migration_ratio = at(2.0);
  c.max_wake_latency_cv = at(1.0);
  ScenarioTelemetry t = two();
  for (auto& w : t.workers) {
    w.work_units = w.iterations = w.migrations = kU64Max;
    w.wall_ns = w.off_cpu_ns = kU64Max;
    w.cpu_ns = 1;
    w.wake_latencies_ns = {kU64Max, kU64Max};
  }
  Verdict v = eval(t, c);
  EXPECT_EQ(v.kind, Verdict::Kind::kPass) << ::testing::PrintToString(v.reasons);
  EXPECT_EQ(v.table[0].migrations, kU64Max);  // saturated, not wrapped
  EXPECT_EQ(v.table[0].iterations, kU64Max);
  EXPECT_DOUBLE_EQ(v.table[0].spread_pct, 0);
  // Huge gaps over the limit still fail with a finite number.
  t.workers[0].max_gap.ns = kU64Max;
  v = eval(t, c);
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons[0].find("nan"), std::string::npos) << v.reasons[0];
  EXPECT_EQ(v.reasons[0].find("inf"), std::string::npos) << v.reasons[0];
}

TEST(TelemetryChecks, ANanThresholdFailsInsteadOfPassingSilently) {
  Checks c;
  c.max_gap_ms = at(std::numeric_limits<double>::quiet_NaN());
  Verdict v = eval(two(), c);
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons[0],
            "max_gap_ms: max_gap_ms = nan (t.toml:3) is not a number a measurement can be "
            "compared with; set a number");
}

TEST(TelemetryChecks, GuestCgroupNamesAreEscaped) {
  Checks c;
  c.not_starved = at(true, "built-in");
  ScenarioTelemetry t = two("cg\n\x1b[2JPASS ktstr/x");
  t.workers[0].work_units = 0;
  Verdict v = eval(t, c);
  ASSERT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_TRUE(v.reasons[0].starts_with("not_starved: cgroup 'cg\\n\\x1b[2JPASS ktstr/x': worker 0"))
      << v.reasons[0];
}

TEST(CpuListText, RangesAndSingles) {
  EXPECT_EQ(cpu_list_text({}), "");
  EXPECT_EQ(cpu_list_text({3, 0, 1, 1}), "0-1,3");
  EXPECT_EQ(cpu_list_text({5}), "5");
  EXPECT_EQ(cpu_list_text({0, 2, 4, 5, 6}), "0,2,4-6");
}

}  // namespace
}  // namespace ktstr
