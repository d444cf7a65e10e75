// The sched_ext watchdog override (`watchdog_timeout_s`).
//
// The kernel sets its watchdog timeout from the scheduler's ops.timeout_ms
// when the scheduler attaches (30 s when the scheduler sets none; scx_qmap
// sets 5 s), in jiffies, in the static `scx_watchdog_timeout`. Nothing
// exposes it, so after the attach the agent writes the test's value there
// through /dev/mem (guest/kernel_memory.h).
//
// The kernel checks for stalled tasks in a delayed work that it queued at
// attach for half the *scheduler's* timeout and that re-queues itself for
// half of whatever the timeout is then. So the override is in force from that
// first check on (scx_qmap: 2.5 s after the attach; a scheduler without a
// timeout: 15 s). The tick also fails the scheduler when that work has not
// checked in for a whole timeout; lowering the timeout before the first check
// would trip it, so when lowering, the agent moves the last check-in
// (`scx_watchdog_timestamp`) to the time the first check is due.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "guest/kernel_memory.h"

namespace ktstr {

struct WatchdogOverride {
  bool applied = false;
  std::string error;                    ///< why it was not applied
  double requested_s = 0;               ///< the test's watchdog_timeout_s
  unsigned hz = 0;                      ///< CONFIG_HZ
  std::uint64_t scheduler_jiffies = 0;  ///< what the attach set (the scheduler's)
  std::uint64_t jiffies = 0;            ///< what was written (read back)
  bool moved_check_in = false;          ///< scx_watchdog_timestamp was moved (lowering)
  nlohmann::json to_json() const;
};

/// `timeout_s` in jiffies as the kernel's msecs_to_jiffies rounds: up, at least 1.
std::uint64_t watchdog_jiffies(double timeout_s, unsigned hz);

/// Writes `timeout_s` into scx_watchdog_timeout. `symbols` must have
/// scx_watchdog_timeout and scx_watchdog_timestamp (and _text for `mem`).
WatchdogOverride apply_watchdog_override(const KernelMemory& mem, const KernelSymbols& symbols,
                                         double timeout_s, unsigned hz);

}  // namespace ktstr
