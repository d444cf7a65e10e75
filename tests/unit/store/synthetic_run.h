// Synthetic run directories for the store's tests, written by hand as a run
// writes them: summary.json with one entry per test, and each test's
// result.json with a run record whose telemetry gives the metrics asked for
// (two spinners in one cgroup; the second worker carries the gap, the wake
// samples and the off-CPU spread).
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "eval/run_record.h"
#include "guest/protocol/worker_report.h"
#include "store/run_store.h"
#include "tests/unit/temp_dir.h"

namespace ktstr::testing {

/// One synthetic test of a run and the measurements it stores.
struct FakeTest {
  std::string name = "ktstr/fair";
  int replica = 1, replicas = 1;
  std::string status = "PASS";
  double gap_ms = 20;              ///< worker 1's longest gap (worker 0: half)
  double spread_pct = 5;           ///< off-CPU % of worker 1 minus worker 0's (10 %)
  double work_per_cpu_s = 1e7;     ///< work units per CPU-second, both workers
  double iterations_per_s = 1e4;   ///< per worker, of wall time
  std::uint64_t migrations = 10;   ///< both workers together
  std::uint64_t wake_ns = 50'000;  ///< every wake sample of worker 1; 0 = none
  std::optional<double> boot_ms = 8000;
  double seconds = 20;
  bool telemetry = true;

  std::string display_name() const {
    return replicas > 1 ? name + " (replica " + std::to_string(replica) + "/" +
                              std::to_string(replicas) + ")"
                        : name;
  }
  std::string dir() const {
    std::string d = name.substr(name.find('/') + 1);
    return replicas > 1 ? d + "/replica-" + std::to_string(replica) : d;
  }
};

/// The run record of `t`.
inline RunRecord fake_record(const FakeTest& t) {
  RunRecord r;
  r.name = t.name;
  r.test = t.name.substr(t.name.find('/') + 1);
  r.kernel = "6.12.117-cloud";
  r.accel = "tcg";
  r.duration_s = 2;
  r.exit_reason = "done";
  r.spec_file = "/specs/fair.toml";
  r.spec_paths = {"/specs"};
  r.booted = {{"type", "booted"}};
  ScenarioTelemetry tel;
  if (t.telemetry) {
    for (int i = 0; i < 2; ++i) {
      WorkerReport w;
      w.cgroup = "cg_0";
      w.index = i;
      w.pid = 100 + i;
      w.work = "spin";
      w.wall_ns = 2'000'000'000;
      const double off = 10 + (i == 1 ? t.spread_pct : 0);
      w.off_cpu_ns = static_cast<std::uint64_t>(off / 100 * 2e9);
      w.cpu_ns = w.wall_ns - w.off_cpu_ns;
      w.work_units = static_cast<std::uint64_t>(t.work_per_cpu_s * (w.cpu_ns / 1e9));
      w.iterations = static_cast<std::uint64_t>(t.iterations_per_s * 2);
      w.migrations = i == 0 ? t.migrations / 2 : t.migrations - t.migrations / 2;
      w.max_gap = GapRecord{static_cast<std::uint64_t>(t.gap_ms * 1e6 / (i == 1 ? 1 : 2)),
                            1'000'000'000, 0};
      w.cpus_used = {0, 1};
      if (i == 1 && t.wake_ns) w.wake_latencies_ns = std::vector<std::uint64_t>(100, t.wake_ns);
      w.wake_samples_seen = w.wake_latencies_ns.size();
      w.completed = true;
      tel.workers.push_back(w);
    }
  }
  r.result = {{"type", "result"},
              {"verdict", "pass"},
              {"details", nlohmann::json::array()},
              {"data", {{"telemetry", tel}}}};
  r.teardown_ms = 100;
  return r;
}

/// The sidecar (result.json) of `t`, as the runner writes it.
inline nlohmann::json fake_sidecar(const FakeTest& t) {
  nlohmann::json record;
  to_json(record, fake_record(t));
  nlohmann::json timings = {
      {"launch_to_booted_ms", t.boot_ms ? nlohmann::json(*t.boot_ms) : nlohmann::json(nullptr)},
      {"booted_to_done_ms", 2500.0},
      {"teardown_ms", 100.0},
      {"total_ms", 11000.0}};
  return {{"format", kSidecarFormat},
          {"name", t.name},
          {"display_name", t.display_name()},
          {"test", t.name.substr(t.name.find('/') + 1)},
          {"replica", t.replica},
          {"repetition", 1},
          {"attempt", 1},
          {"dir", t.dir()},
          {"status", t.status},
          {"verdict", t.status == "FLAKY" ? "PASS" : t.status},
          {"reasons", nlohmann::json::array()},
          {"kernel", "6.12.117-cloud"},
          {"accel", "tcg"},
          {"topology", "1n1l2c1t"},
          {"seconds", t.seconds},
          {"initrd", {{"base_bytes", 1000}, {"overlay_bytes", 100}, {"overlay_build_ms", 1.5}}},
          {"outcome", {{"reason", "done"}, {"timings", timings}}},
          {"record", record},
          {"tcg_threads", "multi"}};
}

/// Writes a run directory `dir` holding `tests` (summary.json and sidecars).
inline void write_fake_run(const std::filesystem::path& dir, const std::vector<FakeTest>& tests,
                           const nlohmann::json& extra = nlohmann::json::object()) {
  std::filesystem::create_directories(dir);
  nlohmann::json entries = nlohmann::json::array();
  for (const FakeTest& t : tests) {
    entries.push_back({{"name", t.name},
                       {"display_name", t.display_name()},
                       {"status", t.status},
                       {"seconds", t.seconds},
                       {"dir", t.status == "NOT-RUN" ? "" : t.dir()},
                       {"reasons", nlohmann::json::array()}});
    if (t.status == "NOT-RUN") continue;
    std::filesystem::create_directories(dir / t.dir());
    std::ofstream(dir / t.dir() / "result.json") << fake_sidecar(t).dump(2);
    std::ofstream(dir / t.dir() / "console.log") << "console of " << t.name << "\n";
  }
  nlohmann::json summary = {
      {"format", 1},    {"run_id", dir.filename().string()},    {"complete", true},
      {"accel", "tcg"}, {"started_at", "2026-01-01T00:00:00Z"}, {"tests", entries}};
  summary.update(extra);
  std::ofstream(dir / "summary.json") << summary.dump(2);
}

}  // namespace ktstr::testing
