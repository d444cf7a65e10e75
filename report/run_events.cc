#include "report/run_events.h"

namespace ktstr {

const char* status_name(TestStatus status) {
  switch (status) {
    case TestStatus::kPass:
      return "PASS";
    case TestStatus::kFail:
      return "FAIL";
    case TestStatus::kFlaky:
      return "FLAKY";
    case TestStatus::kSkip:
      return "SKIP";
    case TestStatus::kInconclusive:
      return "INCONCLUSIVE";
    case TestStatus::kNotRun:
      return "NOT-RUN";
  }
  return "FAIL";
}

TestStatus status_of(Verdict::Kind kind) {
  switch (kind) {
    case Verdict::Kind::kPass:
      return TestStatus::kPass;
    case Verdict::Kind::kFail:
      return TestStatus::kFail;
    case Verdict::Kind::kSkip:
      return TestStatus::kSkip;
    case Verdict::Kind::kInconclusive:
      return TestStatus::kInconclusive;
  }
  return TestStatus::kFail;
}

bool status_fails(TestStatus status) {
  return status == TestStatus::kFail || status == TestStatus::kInconclusive;
}

void StatusCounts::add(TestStatus status) {
  switch (status) {
    case TestStatus::kPass:
      ++pass;
      break;
    case TestStatus::kFail:
      ++fail;
      break;
    case TestStatus::kFlaky:
      ++flaky;
      break;
    case TestStatus::kSkip:
      ++skip;
      break;
    case TestStatus::kInconclusive:
      ++inconclusive;
      break;
    case TestStatus::kNotRun:
      ++not_run;
      break;
  }
}

void ListenerList::run_started(const RunInfo& info, const Plan& plan) {
  for (auto* l : listeners_) l->run_started(info, plan);
}
void ListenerList::test_started(const TestInstance& instance) {
  for (auto* l : listeners_) l->test_started(instance);
}
void ListenerList::test_retrying(const TestInstance& instance, int attempt, const Verdict& failed) {
  for (auto* l : listeners_) l->test_retrying(instance, attempt, failed);
}
void ListenerList::test_finished(const TestOutcome& outcome) {
  for (auto* l : listeners_) l->test_finished(outcome);
}
void ListenerList::run_finished(const RunSummary& summary) {
  for (auto* l : listeners_) l->run_finished(summary);
}

}  // namespace ktstr
