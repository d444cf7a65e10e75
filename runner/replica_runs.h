// replicas = N: a test runs N times in a row, each replica in its own VM and
// directory (NAME/replica-K), and one verdict is printed for the N runs: PASS
// only when every replica passed, else the verdict names the replicas that
// did not.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "eval/evaluate.h"
#include "runner/test_resolver.h"

namespace ktstr {

/// One run of a test: replica `replica` (1-based) of `replicas`.
struct TestJob {
  const ResolvedTest* test = nullptr;
  int replica = 1;
  int replicas = 1;

  /// The run directory of this replica: `test_dir`, or test_dir/replica-K
  /// when the test has several replicas.
  std::filesystem::path dir(const std::filesystem::path& test_dir) const;
};

/// Every test of `selected` `replicas` times in a row (the setting, default 1).
std::vector<TestJob> expand_replicas(const std::vector<const ResolvedTest*>& selected);

/// Folds the verdicts of a test's consecutive replicas into the one verdict
/// printed for the test.
class ReplicaVerdicts {
 public:
  /// Records `job`'s verdict. Returns false while replicas of the test are
  /// still to come; on the last one returns true and replaces kind, secs and
  /// reasons with the folded verdict: FAIL if a replica failed, else
  /// INCONCLUSIVE or SKIP if one was, else PASS. Reasons of a replica that did
  /// not pass are prefixed "replica K/N ...".
  bool fold(const TestJob& job, Verdict::Kind& kind, double& secs,
            std::vector<std::string>& reasons);

 private:
  std::vector<Verdict> verdicts_;
  double secs_ = 0;
};

}  // namespace ktstr
