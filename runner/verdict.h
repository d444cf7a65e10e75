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
Verdict judge(const VmOutcome& outcome, const TopologySpec& declared, bool expect_err);

}  // namespace ktstr
