// What one VM run produced, as plain data: the agent's frames, why the VM
// ended, what the console revealed, timings and counters. The supervisor fills
// it; the runner evaluates it (and can build one by hand in tests).
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/console_classifier.h"

namespace ktstr {

/// Why the VM run ended. Success is kDone: the agent's "done" frame arrived.
enum class VmExitReason {
  kDone,             ///< the agent sent "done" (the verdict comes from the frames)
  kAgentDied,        ///< PID 1 exited: "Attempted to kill init" on the console
  kPanic,            ///< kernel panic (or oops/BUG that ended the VM) before "done"
  kBootTimeout,      ///< no "booted" frame within the boot timeout
  kScenarioTimeout,  ///< "booted" but no "done" within duration + margin
  kHardTimeout,      ///< the whole VM exceeded its hard timeout
  kQemuFailed,       ///< QEMU could not start, or exited before "done" without a panic
  kInterrupted,      ///< the runner got SIGINT/SIGTERM
};

/// Stable lower-case name ("done", "boot_timeout", ...).
std::string_view to_string(VmExitReason reason);

/// Milliseconds between the milestones of one VM (nullopt: not reached).
struct VmTimings {
  std::optional<double> launch_to_booted_ms;  ///< spawn → "booted" frame
  std::optional<double> booted_to_done_ms;    ///< "booted" → "done" frame
  double teardown_ms = 0;  ///< end decided ("done", timeout, ...) → QEMU reaped
  double total_ms = 0;     ///< spawn → QEMU reaped
};

/// Counters of the agent channel (untrusted input).
struct ChannelStats {
  size_t bytes = 0;            ///< bytes read from the channel
  size_t frames = 0;           ///< valid frames decoded
  size_t bad_crc = 0;          ///< frames whose CRC did not match
  size_t oversize = 0;         ///< headers announcing a payload over the cap
  size_t bad_json = 0;         ///< valid CRC, payload not an acceptable JSON object
  size_t skipped_bytes = 0;    ///< garbage bytes skipped while resynchronising
  bool capped = false;         ///< the byte cap was reached and reading stopped
  size_t frames_not_kept = 0;  ///< frames beyond the in-memory cap (still in frames.jsonl)
};

/// The whole result of one VM run.
struct VmOutcome {
  VmExitReason reason = VmExitReason::kQemuFailed;
  /// One or two sentences on what happened, for the verdict ("no 'booted'
  /// frame within 60 s; QEMU was quit via QMP").
  std::string detail;
  /// Every valid frame, in order (up to SupervisorLimits::max_kept_frames;
  /// frames.jsonl has them all).
  std::vector<nlohmann::json> frames;
  nlohmann::json booted;                   ///< the "booted" frame, or null
  nlohmann::json result;                   ///< the last "result" frame, or null
  bool done = false;                       ///< a "done" frame arrived
  std::filesystem::path console_log_path;  ///< full console (run_dir/console.log)
  std::filesystem::path frames_path;       ///< run_dir/frames.jsonl
  std::filesystem::path qemu_output_path;  ///< QEMU's stdout+stderr
  std::string console_tail;                ///< last lines of the console
  size_t console_bytes = 0;                ///< console bytes read by the host
  bool console_capped = false;             ///< console cap reached, reading stopped
  std::vector<ConsoleFinding> findings;    ///< what the console revealed
  VmTimings timings;
  ChannelStats channel;
  std::optional<int> qemu_exit_code;  ///< QEMU's exit code (never the verdict)
  int qemu_signal = 0;                ///< signal that ended QEMU, or 0
  std::string stderr_tail;            ///< last lines of QEMU's stdout+stderr
  std::string qmp_shutdown_reason;    ///< from QMP's SHUTDOWN event, or ""

  /// True when the agent completed its run ("done"); the verdict is in `result`.
  bool completed() const { return reason == VmExitReason::kDone; }
};

/// The outcome as JSON for sidecars and debugging (frames included).
nlohmann::json to_json(const VmOutcome& outcome);

}  // namespace ktstr
