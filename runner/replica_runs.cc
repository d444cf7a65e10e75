#include "runner/replica_runs.h"

#include <fmt/format.h>

#include <algorithm>

namespace ktstr {

std::filesystem::path TestJob::dir(const std::filesystem::path& test_dir) const {
  return replicas > 1 ? test_dir / fmt::format("replica-{}", replica) : test_dir;
}

std::vector<TestJob> expand_replicas(const std::vector<const ResolvedTest*>& selected) {
  std::vector<TestJob> jobs;
  for (const ResolvedTest* t : selected) {
    const int n = std::max(1, t->value_or<int>("replicas", 1));
    for (int k = 1; k <= n; ++k) jobs.push_back({.test = t, .replica = k, .replicas = n});
  }
  return jobs;
}

bool ReplicaVerdicts::fold(const TestJob& job, Verdict::Kind& kind, double& secs,
                           std::vector<std::string>& reasons) {
  if (job.replicas <= 1) return true;
  verdicts_.push_back({.kind = kind, .reasons = reasons});
  secs_ += secs;
  if (job.replica < job.replicas) return false;
  using K = Verdict::Kind;
  auto count = [&](K k) {
    return std::count_if(verdicts_.begin(), verdicts_.end(),
                         [k](const Verdict& v) { return v.kind == k; });
  };
  const int n = static_cast<int>(verdicts_.size());
  kind = count(K::kFail)           ? K::kFail
         : count(K::kInconclusive) ? K::kInconclusive
         : count(K::kSkip)         ? K::kSkip
                                   : K::kPass;
  secs = secs_;
  reasons.clear();
  if (kind == K::kPass) {
    reasons.push_back(fmt::format("all {} replicas passed", n));
  } else {
    std::vector<int> bad;
    for (int i = 0; i < n; ++i)
      if (verdicts_[i].kind != K::kPass) bad.push_back(i + 1);
    reasons.push_back(fmt::format("{} of {} replicas did not pass (replica {})", bad.size(), n,
                                  fmt::join(bad, ", ")));
    for (int i : bad) {
      const Verdict& v = verdicts_[i - 1];
      if (v.reasons.empty())
        reasons.push_back(fmt::format("replica {}/{} {}", i, n, Verdict::name(v.kind)));
      for (const std::string& r : v.reasons)
        reasons.push_back(fmt::format("replica {}/{} {}: {}", i, n, Verdict::name(v.kind), r));
    }
  }
  verdicts_.clear();
  secs_ = 0;
  return true;
}

}  // namespace ktstr
