// The pre-boot pass: what `run` would refuse before booting a VM, checked on
// resolved tests so that `check` refuses it too. Both commands call the same
// function, so they cannot disagree about a spec.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "runner/diagnostic.h"
#include "runner/spec_catalog.h"
#include "runner/spec_loader.h"
#include "runner/test_resolver.h"
#include "vmm/kernel_resolve.h"

namespace ktstr {

/// The kernels a run uses: `cli` (--kernel), else $KTSTR_KERNEL, else the first
/// ktstr.toml `[run] kernel`, else the cache's default.
KernelResolution kernels_for_run(const SpecSet& set, const std::vector<std::string>& cli);

/// A scheduler binary on the host: a path relative to its spec file, or a bare
/// name looked up in the kernel's sched/ dir, the project's `[run] sched_path`,
/// then PATH. Empty when it is not found.
std::filesystem::path find_scheduler_binary(const Entity& scheduler, const Catalog& catalog,
                                            const KernelInfo& kernel);

/// Refuses, with a diagnostic at the offending key, every test a VM run could
/// not start: features the runner does not support yet (payload steps, payloads, some
/// work types), topologies QEMU cannot build (CPUs, APIC IDs, NUMA nodes),
/// kernel arguments the command line cannot take, and scheduler binaries that
/// do not exist. Binaries are looked for only when one of `kernels` has
/// sched_ext (a run skips the test on the others): a path relative to its
/// spec file, a bare name on each such kernel.
void check_preboot(const Catalog& catalog, const std::vector<ResolvedTest>& tests,
                   const std::vector<KernelInfo>& kernels, Diagnostics& diags);

}  // namespace ktstr
