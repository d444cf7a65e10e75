// Settings the schema accepts but the runner cannot honour yet (or not in
// every mode) are refused at spec time, by `check` and `run` alike, with the
// work they come with: an accepted key that does nothing would let a test
// pass without testing what it says.
#pragma once

#include "runner/diagnostic.h"
#include "runner/test_resolver.h"

namespace ktstr {

/// num_snapshots > 0, auto_repro = true,
/// [[temporal]], required_flags / excluded_flags and [gauntlet]: "not
/// supported yet, comes with ...". Values that ask for today's behaviour
/// (0, false, empty) are accepted.
void check_pending_settings(const ResolvedTest& t, Diagnostics& diags);

/// host_only = true runs the scenario on the host: a sched_ext scheduler
/// would replace the host's scheduler, sysctls would change the host, and
/// kargs and extra_include_files need a guest. Each is refused.
void check_host_only_settings(const ResolvedTest& t, Diagnostics& diags);

}  // namespace ktstr
