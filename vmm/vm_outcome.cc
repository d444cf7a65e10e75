#include "vmm/vm_outcome.h"

namespace ktstr {
namespace {

nlohmann::json optional_ms(const std::optional<double>& ms) {
  return ms ? nlohmann::json(*ms) : nlohmann::json(nullptr);
}

}  // namespace

std::string_view to_string(VmExitReason reason) {
  switch (reason) {
    case VmExitReason::kDone:
      return "done";
    case VmExitReason::kAgentDied:
      return "agent_died";
    case VmExitReason::kPanic:
      return "panic";
    case VmExitReason::kBootTimeout:
      return "boot_timeout";
    case VmExitReason::kScenarioTimeout:
      return "scenario_timeout";
    case VmExitReason::kHardTimeout:
      return "hard_timeout";
    case VmExitReason::kQemuFailed:
      return "qemu_failed";
    case VmExitReason::kInterrupted:
      return "interrupted";
  }
  return "unknown";
}

nlohmann::json to_json(const VmOutcome& o) {
  nlohmann::json findings = nlohmann::json::array();
  for (const ConsoleFinding& f : o.findings) {
    findings.push_back({{"kind", to_string(f.kind)},
                        {"line", f.line},
                        {"detail", f.detail},
                        {"line_number", f.line_number},
                        {"fatal", f.fatal}});
  }
  return {
      {"reason", to_string(o.reason)},
      {"detail", o.detail},
      {"done", o.done},
      {"booted", o.booted},
      {"result", o.result},
      {"frames", o.frames},
      {"console_log", o.console_log_path.string()},
      {"frames_log", o.frames_path.string()},
      {"qemu_output", o.qemu_output_path.string()},
      {"console_tail", o.console_tail},
      {"console_bytes", o.console_bytes},
      {"console_capped", o.console_capped},
      {"findings", findings},
      {"timings",
       {{"launch_to_booted_ms", optional_ms(o.timings.launch_to_booted_ms)},
        {"booted_to_done_ms", optional_ms(o.timings.booted_to_done_ms)},
        {"teardown_ms", o.timings.teardown_ms},
        {"total_ms", o.timings.total_ms}}},
      {"channel",
       {{"bytes", o.channel.bytes},
        {"frames", o.channel.frames},
        {"bad_crc", o.channel.bad_crc},
        {"oversize", o.channel.oversize},
        {"bad_json", o.channel.bad_json},
        {"skipped_bytes", o.channel.skipped_bytes},
        {"capped", o.channel.capped},
        {"frames_not_kept", o.channel.frames_not_kept}}},
      {"qemu_exit_code", o.qemu_exit_code ? nlohmann::json(*o.qemu_exit_code) : nullptr},
      {"qemu_signal", o.qemu_signal},
      {"stderr_tail", o.stderr_tail},
      {"qmp_shutdown_reason", o.qmp_shutdown_reason},
  };
}

}  // namespace ktstr
