// cleanup_budget_ms: a test FAILs when the host-side teardown of its VM (from
// the moment the run's end was decided until QEMU was reaped,
// VmTimings::teardown_ms) took longer than the budget.
#pragma once

#include "runner/test_resolver.h"
#include "runner/verdict.h"
#include "vmm/vm_outcome.h"

namespace ktstr {

/// Turns `v` into FAIL (keeping its reasons) when `t` sets cleanup_budget_ms
/// and `outcome`'s teardown exceeded it; the reason gives the measured time,
/// the budget and where the budget was set. An interrupted run is not judged.
void check_cleanup_budget(Verdict& v, const VmOutcome& outcome, const ResolvedTest& t);

}  // namespace ktstr
