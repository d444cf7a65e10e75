// Starting and stopping the test's scheduler in the guest, around the scenario.
// kind "eevdf" is the kernel's own scheduler: nothing to do. kind "sched_ext"
// is filled in by the sched_ext issue (run the binary, wait for
// /sys/kernel/sched_ext/state = enabled, watch it, stop it with SIGINT).
#pragma once

#include <string>

#include "guest/protocol/test_spec.h"
#include "guest/scenario_runner.h"

namespace ktstr {

/// Brings the scheduler up before the scenario. Returns "" on success, else
/// why it could not start (the agent then reports verdict "error").
std::string start_scheduler(const SchedulerSpec& scheduler, ScenarioHost& host);

/// Takes the scheduler down after the scenario. Returns "" on success, else
/// what went wrong (reported, does not change the scenario's verdict).
std::string stop_scheduler(const SchedulerSpec& scheduler, ScenarioHost& host);

}  // namespace ktstr
