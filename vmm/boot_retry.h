// Under TCG a guest kernel now and then crashes while it boots, before the
// agent (PID 1) has run: QEMU's TCG and kernels that patch their own code
// (CONFIG_JUMP_LABEL's int3 and sync_core IRET, docs/vm.md) get it wrong
// about once in a few hundred boots, even on one TCG thread. No scheduler
// under test has started then, so such a crash says nothing about the test:
// the run boots once more, keeps the first attempt's logs, and says so.
#pragma once

#include <filesystem>
#include <string>

#include "vmm/vm_outcome.h"

namespace ktstr {

/// True when `outcome` is a crash of the guest kernel before the agent ran:
/// a panic, or PID 1 dead, and no "booted" frame.
bool crashed_before_agent(const VmOutcome& outcome);

/// Renames the attempt's console.log, frames.jsonl and qemu.log in `run_dir`
/// to console.attempt-N.log, ... so the next boot does not overwrite them.
void keep_attempt_logs(const std::filesystem::path& run_dir, int attempt);

/// The sentence for the verdict: "the first boot crashed in the guest kernel
/// before the agent ran (under TCG; docs/vm.md): <first fatal console line,
/// escaped>; booted again (its logs: console.attempt-1.log)".
std::string boot_retry_note(const VmOutcome& first);

}  // namespace ktstr
