// host_only = true: the scenario runs on the host, no VM. The runner makes a
// cgroup v2 of the test's own (<cgroup2 mount>/ktstr-host-<pid>-<test>), starts
// the guest agent there as an ordinary process (`ktstr-agent --no-mount
// --channel DIR/channel.bin --test DIR/test.json --cgroup-root CGROUP`: no
// mounts, no power-off), enforces the hard timeout, then kills whatever is
// left in the cgroup and removes it. The agent's frames are judged as a VM's
// are, except the topology: it is the host's, so it is reported, not compared.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "eval/evaluate.h"
#include "guest/protocol/test_spec.h"
#include "runner/test_resolver.h"
#include "vmm/qemu_process.h"
#include "vmm/vm_outcome.h"
#include "vmm/vm_supervisor.h"

namespace ktstr {

/// The cgroup2 directory host_only runs create their cgroup in:
/// $KTSTR_HOST_CGROUP, else the root of the host's cgroup2 mount. Returns ""
/// and sets `dir`, or says why there is none that is writable and how to fix it.
std::string host_cgroup_parent(std::filesystem::path* dir);

/// "" when no test of `selected` is host_only or host_cgroup_parent() finds a
/// writable cgroup2 directory; else its message (an infrastructure error).
std::string host_only_preflight(const std::vector<const ResolvedTest*>& selected);

/// Everything one host run needs.
struct HostRunSpec {
  std::filesystem::path agent;    ///< ktstr-agent
  std::filesystem::path run_dir;  ///< test.json, channel.bin, frames.jsonl, console.log
  std::string test_json;          ///< the GuestTestSpec as JSON (host paths)
  std::filesystem::path cgroup;   ///< to create; removed before returning
  VmTimeouts timeouts;            ///< only `hard` applies (there is no boot)
  SupervisorLimits limits;
  VmRegistry* registry = &VmRegistry::instance();
};

/// Runs the agent on the host to its end (or the hard timeout, or an
/// interrupt) and returns what happened as a VmOutcome. On return no process
/// of the run is left and the cgroup is gone; teardown_ms is the time from
/// the agent's end to that point.
VmOutcome run_on_host(const HostRunSpec& spec);

/// What a host_only test produced: the verdict and whether the run was interrupted.
struct HostOnlyResult {
  Verdict verdict;
  double seconds = 0;
  bool interrupted = false;
  /// The sidecar's fields (the caller adds the instance's and writes result.json).
  nlohmann::json sidecar;
};

/// The whole host_only test: test.json with the plugin's host path, the run,
/// the verdict (expect_err and cleanup_budget_ms applied) and the sidecar.
/// `instance_tag` makes its cgroup's name unique among parallel instances.
HostOnlyResult run_host_only_test(const ResolvedTest& t, GuestTestSpec spec,
                                  const std::filesystem::path& agent,
                                  const std::filesystem::path& dir,
                                  const std::string& instance_tag = "");

}  // namespace ktstr
