// The verdict of one test, computed on the host from what the VM produced:
// the agent's frames, the console findings, the observed topology.
#pragma once

#include <string>
#include <vector>

#include "guest/protocol/test_spec.h"
#include "vmm/vm_outcome.h"

namespace ktstr {

/// PASS, FAIL, SKIP or INCONCLUSIVE with the reasons a user reads.
struct Verdict {
  enum class Kind { kPass, kFail, kSkip, kInconclusive };
  Kind kind = Kind::kFail;
  std::vector<std::string> reasons;
  static const char* name(Kind k);
};

/// Judges one VM run: a run that never sent "done", a console that shows a
/// panic, a topology other than the declared one, or a failing scenario FAILs.
/// With `expect_err`, the outcome is inverted: the test passes only if the run failed.
/// Without `check_topology` (host_only: the topology is the host's) the
/// observed topology is not compared with `declared`.
Verdict judge(const VmOutcome& outcome, const TopologySpec& declared, bool expect_err,
              bool check_topology = true);

/// The text a sched_ext failure is matched against: the agent's
/// data.scheduler.error_text (exit kind, reason, kernel lines, output tail), or
/// else the result's details, plus the console's sched_ext findings.
std::string scx_error_text(const VmOutcome& outcome);

/// expect_scx_bpf_error_contains / _matches (with expect_err): a test that
/// failed as expected stays PASS only if scx_error_text() contains `contains`
/// and `matches` (a regex) finds a match in it or in one of its lines; else
/// it FAILs saying what was expected and what was seen. Empty = no check.
void check_scx_error_expectation(Verdict& v, const VmOutcome& outcome, const std::string& contains,
                                 const std::string& matches);

}  // namespace ktstr
