// Settings the schema accepts but the runner cannot honour yet (or not in
// every mode) are refused at spec time, by `check` and `run` alike, with the
// work they come with: an accepted key that does nothing would let a test
// pass without testing what it says.
#pragma once

#include <string_view>

#include "runner/diagnostic.h"
#include "runner/test_resolver.h"

namespace ktstr {

/// The [checks] keys of the host-side monitor (it reads guest memory while the
/// test runs). Nothing evaluates them yet: setting one is refused, and explain
/// marks their built-in values "not evaluated yet".
inline constexpr const char* kMonitorCheckKeys[] = {"max_imbalance_ratio", "max_local_dsq_depth",
                                                    "fail_on_stall",       "sustained_samples",
                                                    "max_fallback_rate",   "max_keep_last_rate"};

/// True for "checks.NAME" when NAME is one of kMonitorCheckKeys.
bool is_monitor_check(std::string_view dotted_key);

/// The text explain shows beside a monitor key's built-in value.
inline constexpr const char* kNotEvaluatedYet =
    "not evaluated yet, comes with the host-side monitor";

/// num_snapshots > 0, auto_repro = true, [[temporal]], required_flags /
/// excluded_flags and [gauntlet]: "not supported yet, comes with ...". Values
/// that ask for today's behaviour (0, false, empty) are accepted. A monitor
/// [checks] key set by any layer but the built-in one: "not evaluated yet,
/// comes with the host-side monitor".
void check_pending_settings(const ResolvedTest& t, Diagnostics& diags);

/// host_only = true runs the scenario on the host: a sched_ext scheduler
/// would replace the host's scheduler, sysctls would change the host, and
/// kargs and extra_include_files need a guest. Each is refused.
void check_host_only_settings(const ResolvedTest& t, Diagnostics& diags);

}  // namespace ktstr
