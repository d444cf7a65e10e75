// Each metric is computed from what the run stored, with the same formulas
// evaluation uses: the per-cgroup table of check_telemetry() (worst gap,
// off-CPU spread, p99 wake latency, migrations and iterations) with no
// threshold set, so nothing is judged and only the table is kept, plus the
// workers' own counters for the rates. A metric whose input is missing (no
// telemetry, one worker, no wake samples, a zero denominator) is absent, never
// 0: `stats compare` then reports it as missing instead of as a change.
//
// The default thresholds are for TCG on a shared host, where one run's
// timings vary by tens of percent from the next: a change must pass both a
// relative bound (30-50 %) and an absolute floor that keeps tiny values (a
// 2 ms gap becoming 4 ms) from counting. docs/stats.md has the table.
#include "store/run_metrics.h"

#include <algorithm>

#include "eval/sample_stats.h"
#include "eval/telemetry_checks.h"
#include "guest/protocol/worker_report.h"

namespace ktstr {

using nlohmann::json;

const std::vector<MetricDef>& metric_defs() {
  static const std::vector<MetricDef> defs = {
      {"worst_gap_ms", "ms", true, 50, 0.5,
       "the longest scheduling gap of any worker (worst cgroup)"},
      {"max_spread_pct", "%", true, 10, 0.5,
       "the largest off-CPU spread between two workers of one cgroup, in percentage points"},
      {"p99_wake_us", "us", true, 500, 0.5, "the 99th-percentile wake latency of the worst cgroup"},
      {"migrations_per_iteration", "", true, 0.01, 0.5,
       "CPU migrations per iteration, all workers together"},
      {"work_rate", "units/cpu-s", false, 0, 0.3,
       "work units per CPU-second, all workers together"},
      {"iteration_rate", "it/s", false, 0, 0.3,
       "iterations per second of wall time, per worker on average"},
      {"boot_ms", "ms", true, 2000, 0.5, "VM launch to the agent's booted frame"},
      {"test_seconds", "s", true, 10, 0.5, "the test's wall time on the host"},
  };
  return defs;
}

namespace {

std::optional<double> number_at(const json& j, std::initializer_list<const char*> path) {
  const json* cur = &j;
  for (const char* key : path) {
    if (!cur->is_object() || !cur->contains(key)) return std::nullopt;
    cur = &(*cur)[key];
  }
  if (!cur->is_number()) return std::nullopt;
  return cur->get<double>();
}

/// The record's telemetry, or nullopt when there is none or it is garbled.
std::optional<ScenarioTelemetry> telemetry_of(const json& sidecar) {
  if (!sidecar.contains("record")) return std::nullopt;
  RunRecord record;
  if (!read_run_record(sidecar["record"], record).empty()) return std::nullopt;
  if (!record.result.is_object() || !record.result.contains("data")) return std::nullopt;
  const json& data = record.result["data"];
  if (!data.is_object() || !data.contains("telemetry")) return std::nullopt;
  try {
    return data["telemetry"].get<ScenarioTelemetry>();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void telemetry_metrics(const ScenarioTelemetry& t, std::map<std::string, double>& out) {
  if (t.workers.empty()) return;
  const TelemetryFindings f = check_telemetry(t, Checks{});
  std::optional<double> gap, spread, p99;
  long double migrations = 0, iterations = 0;
  for (const CgroupRow& row : f.table) {
    if (row.workers > 0) gap = std::max(gap.value_or(0), row.worst_gap_ms);
    if (row.spread_pct >= 0) spread = std::max(spread.value_or(0), row.spread_pct);
    if (row.p99_wake_us >= 0) p99 = std::max(p99.value_or(0), row.p99_wake_us);
    migrations += row.migrations;
    iterations += row.iterations;
  }
  if (gap) out["worst_gap_ms"] = *gap;
  if (spread) out["max_spread_pct"] = *spread;
  if (p99) out["p99_wake_us"] = *p99;
  if (auto r = ratio(migrations, iterations)) out["migrations_per_iteration"] = *r;
  long double units = 0, cpu_ns = 0, wall_ns = 0;
  for (const WorkerReport& w : t.workers) {
    units += w.work_units;
    cpu_ns += w.cpu_ns;
    wall_ns += w.wall_ns;
  }
  if (auto r = ratio(units * 1e9L, cpu_ns)) out["work_rate"] = *r;
  if (auto r = ratio(iterations * 1e9L, wall_ns)) out["iteration_rate"] = *r;
}

}  // namespace

std::map<std::string, double> sidecar_metrics(const json& sidecar) {
  std::map<std::string, double> out;
  if (!sidecar.is_object()) return out;
  if (auto t = telemetry_of(sidecar)) telemetry_metrics(*t, out);
  if (auto ms = number_at(sidecar, {"outcome", "timings", "launch_to_booted_ms"}))
    out["boot_ms"] = *ms;
  if (auto s = number_at(sidecar, {"seconds"})) out["test_seconds"] = *s;
  return out;
}

const MetricDef* find_metric(const std::string& name) {
  for (const MetricDef& d : metric_defs())
    if (d.name == name) return &d;
  return nullptr;
}

}  // namespace ktstr
