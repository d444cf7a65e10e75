// SysRq-D, sched_ext's "dump state" (per-CPU runqueues, tasks, the BPF
// scheduler's ops.dump output), captured for the failure dump.
//
// On 6.12 the handler calls scx_dump_state() with no buffer, so the lines go
// only to the sched_ext_dump tracepoint, not to the kernel log (/dev/kmsg gets
// just "sysrq: Trigger sched_ext debug dump"). The capture therefore makes a
// private tracefs instance with a small buffer, enables that event in it,
// writes 'D' to /proc/sysrq-trigger (a write there ignores the sysrq enable
// mask), reads the instance's trace and removes the instance. The handler
// prints nothing unless a BPF scheduler is enabled, so it must run before the
// stop.
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace ktstr {

/// Runs SysRq-D under `root` and returns {"status","lines","truncated","took_ms"}.
/// status: "captured", or why not: "no sched_ext", "no CONFIG_MAGIC_SYSRQ",
/// "no tracefs", "scheduler not enabled", "failed: ...". At most `max_lines` lines.
nlohmann::json capture_sysrq_dump(const std::filesystem::path& root, std::size_t max_lines = 400);

/// The text of each sched_ext_dump event in a tracefs `trace` file (the
/// "sched_ext_dump: " prefix and everything before it dropped; comments skipped).
std::vector<std::string> sched_ext_dump_lines(const std::string& trace, std::size_t max_lines,
                                              bool* truncated);

}  // namespace ktstr
