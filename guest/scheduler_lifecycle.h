// Starting, watching and stopping the test's scheduler in the guest, around
// the scenario. kind "eevdf" is the kernel's own scheduler: nothing to do.
// kind "sched_ext" follows Documentation/scheduler/sched-ext.rst:
//
//   /sys/kernel/sched_ext/state must read "disabled" (else another BPF
//   scheduler is loaded: refuse) → write the config file → fork/exec the
//   binary (stdout+stderr into a bounded buffer) → wait, bounded, until state
//   is "enabled" and root/ops names an ops → watch (a thread polls state and
//   the child) → at the end SIGINT, SIGKILL after a deadline, and check that
//   state returns to "disabled".
//
// A scheduler that dies or is disabled by the kernel during the run FAILs the
// test with the kernel's exit reason and message (from /dev/kmsg) and the tail
// of the scheduler's output. All paths are under a root so that unit tests
// run against fake trees.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "guest/bpf_introspect.h"
#include "guest/protocol/test_spec.h"
#include "guest/scenario_runner.h"

namespace ktstr {

/// Where the lifecycle looks and how long it waits (TCG-calibrated defaults).
struct SchedulerLifecycleOptions {
  std::filesystem::path sys = "/sys";        ///< holds kernel/sched_ext/{state,root/ops}
  std::filesystem::path kmsg = "/dev/kmsg";  ///< kernel log records ("" = none)
  std::filesystem::path root = "/";          ///< prefix for config_file
  std::filesystem::path mem = "/dev/mem";    ///< physical memory (watchdog override)
  std::filesystem::path iomem = "/proc/iomem";
  KernelFacts kernel;             ///< CONFIG_HZ and System.map addresses, from the host
  std::string kernel_release;     ///< expected in linux_banner ("" = uname -r)
  double attach_timeout_s = 20;   ///< start → state "enabled" (scx_qmap: 2–4 s under TCG)
  double stop_timeout_s = 5;      ///< SIGINT → SIGKILL
  double disable_timeout_s = 10;  ///< stop → state "disabled"
  double exit_grace_s = 3;        ///< kernel disabled it → wait for the process to exit
  double poll_interval_s = 0.05;
  std::size_t output_limit = 64 * 1024;  ///< bytes of scheduler output kept (the tail)
  std::size_t tail_lines = 40;           ///< lines of output put into the error text
  bool introspect_bpf = true;     ///< read the scheduler's BPF programs and maps (root "/" only)
  BpfDumpLimits dump_limits;      ///< bounds of the map dump
  std::size_t sysrq_lines = 400;  ///< SysRq-D lines kept

  /// The guest's paths under `root` (the agent's --root).
  static SchedulerLifecycleOptions under(const std::filesystem::path& root);
};

/// Pieces of a sched_ext failure, also reported in the result's data.
struct SchedExtExit {
  std::string kind;               ///< "scx_bpf_error", "runnable task stall", "exited", ...
  std::string reason;             ///< one line: what happened
  std::vector<std::string> kmsg;  ///< the kernel's sched_ext lines (disabled, message, trace)
  std::string message;            ///< the kernel's exit message (`sched_ext: OPS: MESSAGE`)
  std::string output_tail;        ///< scheduler output, repeated lines collapsed
  /// All of the above as one text: what expect_scx_bpf_error_* match against.
  std::string text() const;
};

/// Collapses runs of identical lines ("line  [repeated N times]") and of
/// identical blocks ("[L lines repeated N times]", guest/protocol/line_collapse.h)
/// and keeps the last `max_lines` lines.
std::string collapse_output(const std::string& output, std::size_t max_lines);

/// Parses /dev/kmsg records ("prio,seq,ts,flags;message") or plain lines and
/// returns the sched_ext lines: "sched_ext: ..." plus the indented stack trace
/// lines that follow an error.
std::vector<std::string> sched_ext_kmsg_lines(const std::string& records);

/// One scheduler's life in the guest.
class SchedulerLifecycle {
 public:
  SchedulerLifecycle(SchedulerSpec spec, ScenarioHost& host, SchedulerLifecycleOptions opt = {});
  ~SchedulerLifecycle();  ///< kills a still-running scheduler
  SchedulerLifecycle(const SchedulerLifecycle&) = delete;
  SchedulerLifecycle& operator=(const SchedulerLifecycle&) = delete;

  /// Brings the scheduler up. On failure returns false and fills `outcome`
  /// (verdict "fail" for "did not attach"/"exited", "error" when it could not
  /// even try: no sched_ext, another scheduler loaded, exec failed).
  bool start(ScenarioOutcome& outcome);

  /// After the scenario: stops the scheduler and merges what happened during
  /// the run into `outcome` (a failure turns it into "fail"; data.scheduler
  /// always describes the run).
  void finish(ScenarioOutcome& outcome);

 private:
  struct Child;
  std::string read_state() const;
  std::string read_ops() const;
  void monitor_loop();
  std::string output_snapshot() const;
  std::vector<std::string> read_new_kmsg();
  SchedExtExit describe_exit(const std::string& kind_hint, const std::string& reason);
  bool wait_child(double seconds);
  bool wait_state(const std::string& want, double seconds) const;
  void stop_child(std::vector<std::string>& problems);
  void fill_data(ScenarioOutcome& outcome, const SchedExtExit* exit) const;
  /// Applies spec_.watchdog_timeout_s after the attach. False (with `error`)
  /// only when it failed and the spec asked for it explicitly.
  bool apply_watchdog(std::string& error);
  /// One line on the watchdog in force, for a stall's reason.
  std::string watchdog_summary() const;
  /// The failure dump: the kept maps and SysRq-D, into dump_ (captured_at "end" for now).
  void capture_dump();

  SchedulerSpec spec_;
  ScenarioHost& host_;
  SchedulerLifecycleOptions opt_;
  std::unique_ptr<Child> child_;
  int kmsg_fd_ = -1;
  std::string kmsg_seen_;  ///< every sched_ext record read so far (raw)
  std::thread monitor_;
  std::atomic<bool> stop_monitor_{false};
  mutable std::mutex mu_;
  // Guarded by mu_:
  bool failed_ = false;  ///< the monitor saw a death or a kernel disable
  std::string failure_reason_;
  std::string failure_kind_;
  std::string last_state_;
  std::string ops_;
  double attach_s_ = 0;
  nlohmann::json watchdog_;  ///< what apply_watchdog did (null = not asked)
  std::chrono::steady_clock::time_point started_at_;
  std::uint64_t started_boot_ns_ = 0;   ///< CLOCK_BOOTTIME at the fork (BPF load_time's clock)
  std::unique_ptr<BpfIntrospect> bpf_;  ///< the scheduler's programs, its maps kept open
  nlohmann::json bpf_json_;             ///< data.scheduler.bpf (null = not introspected)
  nlohmann::json sysrq_json_;           ///< data.scheduler.sysrq_dump (null = not taken)
};

}  // namespace ktstr
