// The typed telemetry of one scenario: what every worker did, which cpuset
// each cgroup had at each moment, and the progress series sampled while the
// workers ran. The agent fills it (guest/worker_group.cc, the sampler) and
// ships it in the result frame as data.telemetry; the host stores it in the
// test's record and evaluates [checks] against it (runner/eval). The exact
// definition of every field is in docs/telemetry.md: users calibrate their
// thresholds against it.
//
// Decoding is strict: an unknown version, a field of the wrong type, a number
// out of range or an array over its cap throws nlohmann::json exceptions
// naming the field. Guest output is untrusted.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ktstr {

/// Bumped on any incompatible change of ScenarioTelemetry's JSON form.
inline constexpr int kTelemetryVersion = 1;

/// Caps (per worker unless said otherwise). Decoding refuses more.
inline constexpr std::size_t kMaxReportedWorkers = 4096;  ///< per scenario
inline constexpr std::size_t kMaxWakeSamples = 1024;      ///< reservoir size
inline constexpr std::size_t kMaxMigrationLog = 256;      ///< first N migrations kept
inline constexpr std::size_t kMaxCpusetEpochs = 64;       ///< per scenario
inline constexpr std::size_t kMaxSeriesPoints = 4096;     ///< per scenario
inline constexpr int kMaxCpuId = 4095;

/// The longest scheduling gap of a worker: the time between two checkpoints
/// (docs/telemetry.md), when it ended and on which CPU the worker was then.
struct GapRecord {
  std::uint64_t ns = 0;     ///< length of the gap
  std::uint64_t at_ns = 0;  ///< when the gap ended, since the scenario started
  int cpu = -1;             ///< CPU at the end of the gap, -1 = none seen
};

/// One CPU change seen at a checkpoint.
struct MigrationEvent {
  std::uint64_t at_ns = 0;  ///< since the scenario started
  int from = -1;
  int to = -1;
};

/// CPUs a worker was seen on during one cpuset epoch (see CpusetChange).
struct EpochCpus {
  int epoch = 0;
  std::vector<int> cpus;  ///< sorted, unique
};

/// Deltas of /proc/self/schedstat between the worker's start and its stop.
struct SchedstatDelta {
  bool valid = false;              ///< false: the kernel has no schedstat (or it was unreadable)
  std::uint64_t cpu_ns = 0;        ///< time on a CPU
  std::uint64_t run_delay_ns = 0;  ///< time runnable but waiting for a CPU
  std::uint64_t timeslices = 0;    ///< number of times it was scheduled in
};

/// What one worker did (docs/telemetry.md defines each field).
struct WorkerReport {
  std::string cgroup;  ///< relative to the scenario's cgroup root
  int index = 0;       ///< position within its cgroup's workers
  int pid = 0;
  std::string work;  ///< work type name ("spin", "futex_ping_pong", ...)
  std::uint64_t work_units = 0;
  std::uint64_t iterations = 0;
  std::uint64_t start_ns = 0;    ///< when it was released, since the scenario started
  std::uint64_t wall_ns = 0;     ///< release to stop
  std::uint64_t cpu_ns = 0;      ///< CLOCK_THREAD_CPUTIME_ID at stop (rusage when killed)
  std::uint64_t off_cpu_ns = 0;  ///< wall_ns - cpu_ns, saturating at 0
  GapRecord max_gap;
  std::uint64_t migrations = 0;                  ///< every CPU change seen at a checkpoint
  std::vector<MigrationEvent> migration_log;     ///< the first kMaxMigrationLog of them
  std::vector<int> cpus_used;                    ///< sorted, unique, over the whole run
  std::vector<EpochCpus> epoch_cpus;             ///< CPUs seen per cpuset epoch
  std::vector<std::uint64_t> wake_latencies_ns;  ///< reservoir sample, at most kMaxWakeSamples
  std::uint64_t wake_samples_seen = 0;           ///< total latencies measured
  SchedstatDelta schedstat;
  /// True when the worker stopped on request and wrote its final report;
  /// false when it had to be killed (cpu_ns then comes from rusage).
  bool completed = false;
  std::string error;  ///< setup problem or how it ended early, "" if none
};

/// A change of one cgroup's cpuset. Changes are numbered: epoch N starts with
/// the Nth change (epoch 0 = before any). A worker's CPUs are recorded per
/// epoch, so isolation is judged against the cpuset in force at each moment.
struct CpusetChange {
  int epoch = 0;            ///< >= 1
  std::uint64_t at_ns = 0;  ///< since the scenario started
  std::string cgroup;
  bool cleared = false;   ///< true: no cpuset from here on (every CPU)
  std::vector<int> cpus;  ///< the resolved cpuset (empty when cleared)
  std::string spec;       ///< as written: "llc:0", "0-1"
  std::string source;     ///< "cgroup 'cg_0'", "step 2 (set_cpuset)", "plugin"
};

/// Progress counters of every worker sampled on a fixed cadence while the
/// workers run. `workers[i]` names column i; points[k][i] is that worker's
/// iteration count at t_ns[k] (UINT64_MAX: the worker did not exist then).
struct ProgressSeries {
  std::uint64_t interval_ns = 100'000'000;
  std::vector<std::string> workers;  ///< "cgroup/index"
  std::vector<std::uint64_t> t_ns;
  std::vector<std::vector<std::uint64_t>> points;
  /// True when points were dropped to stay under kMaxSeriesPoints (every
  /// other point is dropped and interval_ns doubles).
  bool decimated = false;
};

/// Everything the agent measured in one scenario.
struct ScenarioTelemetry {
  int version = kTelemetryVersion;
  std::vector<WorkerReport> workers;
  std::vector<CpusetChange> cpusets;
  ProgressSeries series;
};

void to_json(nlohmann::json& j, const WorkerReport& w);
void from_json(const nlohmann::json& j, WorkerReport& w);
void to_json(nlohmann::json& j, const CpusetChange& c);
void from_json(const nlohmann::json& j, CpusetChange& c);
void to_json(nlohmann::json& j, const ProgressSeries& s);
void from_json(const nlohmann::json& j, ProgressSeries& s);
void to_json(nlohmann::json& j, const ScenarioTelemetry& t);
/// Throws nlohmann::json exceptions on a wrong version, type, range or cap.
void from_json(const nlohmann::json& j, ScenarioTelemetry& t);

}  // namespace ktstr
