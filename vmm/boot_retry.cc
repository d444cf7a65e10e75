#include "vmm/boot_retry.h"

#include <fmt/format.h>

#include "eval/guest_text.h"

namespace ktstr {

namespace fs = std::filesystem;

bool crashed_before_agent(const VmOutcome& o) {
  return (o.reason == VmExitReason::kPanic || o.reason == VmExitReason::kAgentDied) &&
         !o.booted.is_object();
}

void keep_attempt_logs(const fs::path& run_dir, int attempt) {
  for (const char* name : {"console", "frames", "qemu"}) {
    const char* ext = std::string(name) == "frames" ? ".jsonl" : ".log";
    std::error_code ec;
    fs::rename(run_dir / (std::string(name) + ext),
               run_dir / fmt::format("{}.attempt-{}{}", name, attempt, ext), ec);
  }
}

std::string boot_retry_note(const VmOutcome& first) {
  std::string what = std::string(to_string(first.reason));
  for (const auto& f : first.findings)
    if (f.fatal) {
      what = escape_guest_line(f.line);
      break;
    }
  return fmt::format(
      "the first boot crashed in the guest kernel before the agent ran (under TCG; "
      "docs/vm.md): {}; booted again (its logs: console.attempt-1.log)",
      what);
}

}  // namespace ktstr
