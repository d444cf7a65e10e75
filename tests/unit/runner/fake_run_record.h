// Synthetic run records for reeval's tests and bench/reeval: a finished run of
// a 1n1l2c1t VM whose agent reported `cgroups` cgroups of `workers` spinners
// each, with the off-CPU share and worst gap given, written as a run would
// write result.json (its "record" beside the verdict it was judged).
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/run_record.h"
#include "guest/protocol/observed_topology.h"
#include "guest/protocol/worker_report.h"
#include "runner/result_file.h"

namespace ktstr::testing {

/// One synthetic worker.
struct FakeWorker {
  std::string cgroup = "cg_0";
  double off_cpu_pct = 10;  ///< of a 2 s wall time
  double gap_ms = 20;
};

/// A completed run of `test` (declared in `spec_file`) on 2 CPUs with `workers`.
inline RunRecord fake_run_record(const std::string& test, const std::string& spec_file,
                                 const std::vector<FakeWorker>& workers) {
  RunRecord r;
  r.name = "ktstr/" + test;
  r.test = test;
  r.spec_file = spec_file;
  r.spec_paths = {spec_file};
  r.kernel = "6.12.117-cloud";
  r.accel = "tcg";
  r.duration_s = 2;
  r.declared = TopologySpec{1, 1, 2, 1};
  r.exit_reason = "done";
  ObservedTopology seen;
  seen.cpus = 2;
  seen.llc_groups = {{0, 1}};
  seen.smt_groups = {{0}, {1}};
  seen.numa_nodes = {{0, 1}};
  r.booted = {{"type", "booted"}, {"topology", seen}};
  ScenarioTelemetry tel;
  std::map<std::string, int> per_cgroup;
  for (const FakeWorker& f : workers) {
    WorkerReport w;
    w.cgroup = f.cgroup;
    w.index = per_cgroup[f.cgroup]++;
    w.pid = 100 + static_cast<int>(tel.workers.size());
    w.work = "spin";
    w.wall_ns = 2'000'000'000;
    w.off_cpu_ns = static_cast<std::uint64_t>(f.off_cpu_pct / 100 * 2e9);
    w.cpu_ns = w.wall_ns - w.off_cpu_ns;
    w.work_units = w.cpu_ns / 1000;
    w.iterations = w.work_units / 1024;
    w.max_gap = GapRecord{static_cast<std::uint64_t>(f.gap_ms * 1e6), 1'000'000'000, 0};
    w.cpus_used = {0, 1};
    w.epoch_cpus = {EpochCpus{0, {0, 1}}};
    w.completed = true;
    tel.workers.push_back(w);
  }
  r.result = {{"type", "result"},
              {"verdict", "pass"},
              {"details", nlohmann::json::array()},
              {"data", {{"telemetry", tel}}}};
  r.teardown_ms = 100;
  return r;
}

/// Writes `dir`/result.json as a run does: name, verdict, seconds and the record.
inline std::string write_fake_result(const std::filesystem::path& dir, const RunRecord& record,
                                     const std::string& verdict) {
  std::filesystem::create_directories(dir);
  nlohmann::json j = {{"name", record.name}, {"verdict", verdict}, {"seconds", 6.5}};
  nlohmann::json rec;
  to_json(rec, record);
  j["record"] = rec;
  return write_json_file(dir / "result.json", j);
}

}  // namespace ktstr::testing
