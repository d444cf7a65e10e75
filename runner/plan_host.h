// What the plan pass needs to know about this host for the gauntlet: its
// CPUs, the accelerator (the capacity rule), the presets QEMU cannot build
// here. Shared by `run`, `run --list` and `list --gauntlet`.
#pragma once

#include "plan/plan.h"
#include "runner/spec_catalog.h"
#include "vmm/accel.h"

namespace ktstr {

/// Fills `options`' presets (built-in + [preset.NAME]), host capacity and
/// the unbuildable-topology rule for `accel` (kAuto counts as TCG).
void add_host_to_plan(PlanOptions& options, const Catalog& catalog, Accel accel);

/// One line on a gauntlet plan: "gauntlet: 12 variants of 3 tests on 5
/// presets; 58 test x preset pairs left out (51 too big for 2 host CPUs,
/// TCG: at most 16 vCPUs (8 per host CPU))", or "" without the gauntlet.
std::string gauntlet_note(const Plan& plan, const PlanOptions& options);

}  // namespace ktstr
