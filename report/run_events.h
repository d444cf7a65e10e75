// What a run tells its listeners: it started (with the plan), a test started,
// a test finished (its outcome after retries), the run ended (the summary).
// Reporters (console, JUnit, JSON) and the run store are listeners; the
// executor calls them from one thread at a time, in event order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "eval/evaluate.h"
#include "guest/protocol/utc_time.h"
#include "plan/plan.h"

namespace ktstr {

/// The status of one finished instance, as reports show it.
enum class TestStatus {
  kPass,
  kFail,
  kFlaky,  ///< failed, then passed on a retry (--retries): never a plain PASS
  kSkip,
  kInconclusive,  ///< a check could not be judged (fails unless allow_inconclusive)
  kNotRun,        ///< the run was interrupted, or --fail-fast stopped it first
};

/// "PASS", "FAIL", "FLAKY", "SKIP", "INCONCLUSIVE", "NOT-RUN".
const char* status_name(TestStatus status);
/// The status of a verdict (PASS, FAIL, SKIP, INCONCLUSIVE).
TestStatus status_of(Verdict::Kind kind);
/// True for the statuses that make the run exit 1: FAIL, INCONCLUSIVE.
bool status_fails(TestStatus status);

/// One attempt of an instance (the first run, or a retry).
struct Attempt {
  Verdict verdict;
  double seconds = 0;
};

/// A finished instance: its status after retries, the last attempt's verdict
/// (reasons, table, notes, details), every attempt's verdict kind and time.
struct TestOutcome {
  const TestInstance* instance = nullptr;
  TestStatus status = TestStatus::kNotRun;
  Verdict verdict;                ///< of the last attempt (a FLAKY's passing one)
  std::vector<Attempt> attempts;  ///< in order; empty when not run
  double seconds = 0;             ///< all attempts together
  /// The instance's directory, relative to the run directory ("" when none
  /// was made: skipped before anything ran, or not run).
  std::string dir;
  /// Short facts for reports: kernel, accel, topology, boot retry, ...
  std::vector<std::pair<std::string, std::string>> properties;
};

/// Counts per status.
struct StatusCounts {
  int pass = 0, fail = 0, flaky = 0, skip = 0, inconclusive = 0, not_run = 0;
  void add(TestStatus status);
  int total() const { return pass + fail + flaky + skip + inconclusive + not_run; }
};

/// Facts about the run, known when it starts.
struct RunInfo {
  std::string run_id;             ///< "20261201-173000-4242-a1b2"
  std::filesystem::path run_dir;  ///< ktstr-runs/RUN_ID (absolute)
  std::string accel;              ///< "tcg" | "kvm" | "" (host-only or list)
  std::vector<std::string> argv;  ///< the command line, for summary.json
  std::string started_at;         ///< ISO 8601 UTC
  std::optional<Partition> partition;
  std::optional<std::uint64_t> shuffle_seed;
  int jobs = 1;         ///< VMs at most at once
  int budget_cpus = 1;  ///< host CPUs the VMs may use at once
  std::int64_t budget_memory_mib = 0;
  /// The plan's kernels (Plan::kernels), indexed by TestInstance::kernel_index:
  /// summary.json and junit.xml name each instance's kernel from it. The
  /// reporters fill it from run_started's plan when it is empty.
  std::vector<PlanKernel> kernels;
  /// The host that ran the tests, for junit.xml ("" = this host's name).
  std::string hostname;
};

/// The end of a run.
struct RunSummary {
  StatusCounts counts;
  std::vector<TestOutcome> outcomes;  ///< in plan order (not completion order)
  double wall_seconds = 0;
  bool interrupted = false;  ///< Ctrl-C (exit 130)
  bool fail_fast_stopped = false;
  int exit_code = 0;
  std::string finished_at;  ///< ISO 8601 UTC
};

/// Receives a run's events. Default implementations do nothing.
class RunListener {
 public:
  virtual ~RunListener() = default;
  virtual void run_started(const RunInfo& /*info*/, const Plan& /*plan*/) {}
  virtual void test_started(const TestInstance& /*instance*/) {}
  /// A retry is about to start (attempt is 2-based: the second attempt is 2).
  virtual void test_retrying(const TestInstance& /*instance*/, int /*attempt*/,
                             const Verdict& /*failed*/) {}
  virtual void test_finished(const TestOutcome& /*outcome*/) {}
  virtual void run_finished(const RunSummary& /*summary*/) {}
};

/// Forwards every event to several listeners, in the order added.
class ListenerList : public RunListener {
 public:
  /// Adds a listener (not owned; must outlive the run).
  void add(RunListener* listener) { listeners_.push_back(listener); }
  void run_started(const RunInfo& info, const Plan& plan) override;
  void test_started(const TestInstance& instance) override;
  void test_retrying(const TestInstance& instance, int attempt, const Verdict& failed) override;
  void test_finished(const TestOutcome& outcome) override;
  void run_finished(const RunSummary& summary) override;

 private:
  std::vector<RunListener*> listeners_;
};

}  // namespace ktstr
