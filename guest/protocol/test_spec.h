// The contract between the host runner and the guest agent: what one test asks
// the guest to do. The runner writes it as /ktstr/test.json in the per-test
// initramfs overlay (never on the kernel command line: see vm-measurements.md);
// the agent reads it. Plain data; JSON in both directions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ktstr {

/// Bumped on any incompatible change of GuestTestSpec or the frame payloads.
inline constexpr int kGuestProtocolVersion = 2;

/// A CPU topology as declared in a spec (NnLlCcTt).
struct TopologySpec {
  int numa_nodes = 1;
  int llcs = 1;     ///< total across the machine, not per node
  int cores = 2;    ///< per LLC
  int threads = 1;  ///< per core
  int total_cpus() const { return llcs * cores * threads; }
  /// "1n2l4c1t"
  std::string str() const;
  friend bool operator==(const TopologySpec&, const TopologySpec&) = default;
};

/// One declarative [[cgroup]] entry.
struct CgroupSpec {
  std::string name;
  int workers = 2;
  std::string work = "spin";
  nlohmann::json work_args = nlohmann::json::object();
  std::string cpuset;  ///< "" = no cpuset
  std::string affinity = "inherit";
  std::string policy = "normal";
  int nice = 0;
};

/// One declarative [[step]] entry: a timed change during the run
/// (docs/specs.md "Steps"). Payload steps never reach the guest.
struct StepSpec {
  double at = 0;      ///< fraction of duration_s, 0..1 (used when at_ms < 0)
  double at_ms = -1;  ///< milliseconds since the start ("1500ms", "2s"); -1 = use `at`
  std::string op;     ///< add_cgroup | remove_cgroup | set_cpuset | clear_cpuset |
                      ///< set_affinity | spawn | stop_cgroup
  std::string cgroup;
  std::string cpuset;         ///< set_cpuset; add_cgroup (its cpuset)
  std::string affinity;       ///< set_affinity; add_cgroup and spawn (the workers' affinity)
  int workers = -1;           ///< add_cgroup and spawn; -1 = workers_per_cgroup
  std::string work = "spin";  ///< add_cgroup and spawn
  nlohmann::json work_args = nlohmann::json::object();
};

/// The step ops the agent runs, in the schema's order.
inline const std::vector<std::string>& step_ops() {
  static const std::vector<std::string> kOps = {"add_cgroup",   "remove_cgroup", "set_cpuset",
                                                "clear_cpuset", "set_affinity",  "spawn",
                                                "stop_cgroup"};
  return kOps;
}

/// The scheduler to run in the guest. kind "eevdf" means the kernel's own.
struct SchedulerSpec {
  std::string kind = "eevdf";  ///< "eevdf" | "sched_ext"
  std::string name;            ///< spec name ([scheduler.NAME])
  std::string binary;          ///< path inside the guest
  std::vector<std::string> args;
  std::optional<double> watchdog_timeout_s;
  /// The spec set watchdog_timeout_s itself (not the built-in 4): when it
  /// cannot be applied the test is an error; otherwise only a warning.
  bool watchdog_required = false;
  std::string config_file;  ///< where to write `config` inside the guest
  std::string config;
};

/// What the host knows of the guest kernel from its cache entry: CONFIG_HZ
/// and the System.map addresses the agent uses (watchdog override).
struct KernelFacts {
  unsigned hz = 0;  ///< 0 = unknown
  std::map<std::string, std::uint64_t> symbols;
};

/// Everything the agent needs to run one test.
struct GuestTestSpec {
  int version = kGuestProtocolVersion;
  std::string name;  ///< "ktstr/two_cgroups"
  double duration_s = 2;
  int workers_per_cgroup = 2;
  TopologySpec topology;
  SchedulerSpec scheduler;
  KernelFacts kernel;
  std::map<std::string, std::string> sysctls;
  /// Plugin scenario: path of the .so inside the guest and the function name.
  std::string plugin_path;
  std::string scenario;
  /// Declarative scenario (used when plugin_path is empty).
  std::vector<CgroupSpec> cgroups;
  /// Declarative timed steps, applied while the cgroups run.
  std::vector<StepSpec> steps;
  bool expect_err = false;
  /// With expect_err: the scheduler's error text (exit kind, reason, kernel
  /// lines, output tail) must contain this / match this regex ("" = no check).
  /// Checked on the host (runner/verdict.cc); the agent ignores them.
  std::string expect_scx_bpf_error_contains;
  std::string expect_scx_bpf_error_matches;
  /// Every merged setting, for plugins that want to read them (Ctx::setting()).
  nlohmann::json settings = nlohmann::json::object();
};

void to_json(nlohmann::json& j, const TopologySpec& t);
void from_json(const nlohmann::json& j, TopologySpec& t);
void to_json(nlohmann::json& j, const CgroupSpec& c);
void from_json(const nlohmann::json& j, CgroupSpec& c);
void to_json(nlohmann::json& j, const StepSpec& s);
/// Strict: an unknown op, an `at` outside 0..1 or a field of the wrong type throws.
void from_json(const nlohmann::json& j, StepSpec& s);
void to_json(nlohmann::json& j, const SchedulerSpec& s);
void from_json(const nlohmann::json& j, SchedulerSpec& s);
void to_json(nlohmann::json& j, const KernelFacts& k);
void from_json(const nlohmann::json& j, KernelFacts& k);
void to_json(nlohmann::json& j, const GuestTestSpec& s);
/// Throws nlohmann::json::exception on malformed input.
void from_json(const nlohmann::json& j, GuestTestSpec& s);

}  // namespace ktstr
