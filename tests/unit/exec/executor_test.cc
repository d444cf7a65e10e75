// The executor against a fake RunAttempt: a script per instance name says
// what each attempt returns and how long it takes (a few milliseconds at
// most); the fake records when each attempt ran and what ran beside it.
#include "exec/executor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <thread>

namespace ktstr {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TestInstance inst(const std::string& name, int vcpus = 1, int memory_mib = 256) {
  TestInstance i;
  i.name = "ktstr/" + name;
  i.dir = name;
  i.vcpus = vcpus;
  i.memory_mib = memory_mib;
  return i;
}

Verdict verdict(Verdict::Kind kind, std::string reason = "") {
  Verdict v;
  v.kind = kind;
  if (!reason.empty()) v.reasons.push_back(std::move(reason));
  return v;
}

constexpr auto kPass = Verdict::Kind::kPass;
constexpr auto kFail = Verdict::Kind::kFail;
constexpr auto kSkip = Verdict::Kind::kSkip;
constexpr auto kInconclusive = Verdict::Kind::kInconclusive;

// What one attempt does: called with the attempt number and the cancel flag.
using Script = std::function<AttemptResult(int attempt, const std::atomic<bool>& cancel)>;

Script returns(Verdict::Kind kind, std::chrono::microseconds sleep = 0us) {
  return [kind, sleep](int, const std::atomic<bool>&) {
    std::this_thread::sleep_for(sleep);
    return AttemptResult{verdict(kind), "", {}, false};
  };
}

// Fails the first `failures` attempts, then passes.
Script fails_then_passes(int failures, Verdict::Kind failing = kFail) {
  return [failures, failing](int attempt, const std::atomic<bool>&) {
    return AttemptResult{verdict(attempt <= failures ? failing : kPass, "attempt failed"),
                         "dir-" + std::to_string(attempt),
                         {{"attempt", std::to_string(attempt)}},
                         false};
  };
}

// Waits (at most 2 s) for its cancel flag, then returns `result`.
Script waits_for_cancel(AttemptResult result) {
  return [result](int, const std::atomic<bool>& cancel) {
    const auto give_up = std::chrono::steady_clock::now() + 2s;
    while (!cancel && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(1ms);
    return result;
  };
}

// The fake RunAttempt: runs each instance's script and records the starts,
// the ends and the most that ran at once.
class FakeAttempts {
 public:
  void set(const std::string& name, Script s) { scripts_["ktstr/" + name] = std::move(s); }

  RunAttempt attempt() {
    return [this](const TestInstance& i, int number, const std::atomic<bool>& cancel) {
      const int cost = i.host_only ? 1 : i.vcpus;
      {
        std::lock_guard<std::mutex> l(mu_);
        calls_.push_back(i.name + "#" + std::to_string(number));
        log_.push_back("start " + i.name);
        ++running_;
        cpus_ += cost;
        memory_ += i.memory_mib;
        max_running_ = std::max(max_running_, running_);
        max_cpus_ = std::max(max_cpus_, cpus_);
        max_memory_ = std::max(max_memory_, memory_);
        running_at_start_[i.name] = running_ - 1;
      }
      changed_.notify_all();
      auto it = scripts_.find(i.name);
      AttemptResult r =
          it != scripts_.end() ? it->second(number, cancel) : returns(kPass, 2ms)(number, cancel);
      {
        std::lock_guard<std::mutex> l(mu_);
        if (cancel) saw_cancel_.push_back(i.name);
        log_.push_back("end " + i.name);
        --running_;
        cpus_ -= cost;
        memory_ -= i.memory_mib;
      }
      return r;
    };
  }

  // A script that returns PASS once `n` attempts ran at once (or after 2 s).
  Script meet(int n) {
    return [this, n](int, const std::atomic<bool>&) {
      std::unique_lock<std::mutex> l(mu_);
      changed_.wait_for(l, 2s, [&] { return max_running_ >= n; });
      return AttemptResult{verdict(kPass), "", {}, false};
    };
  }

  // Blocks until `n` attempts have started (at most 2 s).
  void wait_for_starts(size_t n) {
    std::unique_lock<std::mutex> l(mu_);
    changed_.wait_for(l, 2s, [&] { return calls_.size() >= n; });
  }

  std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, Script> scripts_;
  std::vector<std::string> calls_, log_, saw_cancel_;
  std::map<std::string, int> running_at_start_;
  int running_ = 0, max_running_ = 0, cpus_ = 0, max_cpus_ = 0;
  std::int64_t memory_ = 0, max_memory_ = 0;
};

// Records every event as a line.
class EventLog : public RunListener {
 public:
  void run_started(const RunInfo&, const Plan&) override { add("run_started"); }
  void test_started(const TestInstance& i) override { add("started " + i.name); }
  void test_retrying(const TestInstance& i, int attempt, const Verdict& failed) override {
    add("retrying " + i.name + " " + std::to_string(attempt) + " " + Verdict::name(failed.kind));
  }
  void test_finished(const TestOutcome& o) override {
    add("finished " + o.instance->name + " " + status_name(o.status));
  }
  void run_finished(const RunSummary&) override { add("run_finished"); }
  void add(std::string s) {
    std::lock_guard<std::mutex> l(mu_);
    events.push_back(std::move(s));
  }
  std::mutex mu_;
  std::vector<std::string> events;
};

ExecutorOptions budget(int cpus, std::int64_t memory_mib = 1 << 20, int jobs = 0) {
  ExecutorOptions o;
  o.budget_cpus = cpus;
  o.budget_memory_mib = memory_mib;
  o.jobs = jobs;
  return o;
}

RunSummary run(const Plan& plan, FakeAttempts& fake, const ExecutorOptions& options,
               RunListener* listener = nullptr) {
  RunListener none;
  return run_plan(plan, RunInfo{}, fake.attempt(), options, listener ? *listener : none);
}

Plan plan_of(std::vector<TestInstance> instances, std::vector<TestInstance> ignored = {}) {
  Plan p;
  p.instances = std::move(instances);
  p.ignored = std::move(ignored);
  return p;
}

std::vector<std::string> statuses(const RunSummary& s) {
  std::vector<std::string> out;
  for (const auto& o : s.outcomes) out.push_back(o.instance->name + " " + status_name(o.status));
  return out;
}

TEST(Executor, RunsSeveralAtOnceButNeverMoreVcpusThanTheBudget) {
  FakeAttempts fake;
  fake.set("a", fake.meet(2));  // a and b fit together: they run at once
  fake.set("b", fake.meet(2));
  const Plan plan = plan_of({inst("a", 2), inst("b", 1), inst("c", 3), inst("d", 2), inst("e", 1),
                             inst("f", 2), inst("g", 1), inst("h", 1)});
  const RunSummary s = run(plan, fake, budget(4));
  EXPECT_LE(fake.max_cpus_, 4);
  EXPECT_GE(fake.max_running_, 2);
  EXPECT_EQ(s.counts.pass, 8);
  EXPECT_EQ(s.exit_code, 0);
}

TEST(Executor, KeepsTheGuestMemoryOfRunningInstancesWithinTheBudget) {
  FakeAttempts fake;
  const Plan plan = plan_of({inst("a", 1, 300), inst("b", 1, 300), inst("c", 1, 300),
                             inst("d", 1, 300), inst("e", 1, 300)});
  run(plan, fake, budget(8, 700));
  EXPECT_LE(fake.max_memory_, 700);
  EXPECT_LE(fake.max_running_, 2);
}

TEST(Executor, JobsCapsHowManyRunAtOnce) {
  FakeAttempts fake;
  const Plan plan = plan_of({inst("a"), inst("b"), inst("c"), inst("d"), inst("e"), inst("f")});
  run(plan, fake, budget(16, 1 << 20, 2));
  EXPECT_LE(fake.max_running_, 2);
}

TEST(Executor, CostCpusReplacesTheVcpuCount) {
  // Single-threaded TCG: a 4-vCPU VM costs one host thread, so 2 run at once
  // on a 2-CPU budget; by vCPUs each would run alone.
  FakeAttempts fake;
  fake.set("a", fake.meet(2));
  fake.set("b", fake.meet(2));
  ExecutorOptions options = budget(2);
  options.cost_cpus = [](const TestInstance&) { return 1; };
  const Plan plan = plan_of({inst("a", 4), inst("b", 4)});
  const RunSummary s = run(plan, fake, options);
  EXPECT_EQ(fake.max_running_, 2);
  EXPECT_EQ(s.counts.pass, 2);
}

TEST(Executor, DefaultCostIsTheVcpusAndOneForHostOnly) {
  TestInstance vm = inst("vm", 6);
  TestInstance host = inst("host", 6);
  host.host_only = true;
  EXPECT_EQ(default_cost_cpus(vm), 6);
  EXPECT_EQ(default_cost_cpus(host), 1);
}

TEST(Executor, AnInstanceLargerThanTheBudgetRunsAloneAndDoesNotHang) {
  FakeAttempts fake;
  const Plan plan = plan_of({inst("a", 1), inst("big", 8, 4096), inst("c", 1), inst("d", 1)});
  const RunSummary s = run(plan, fake, budget(4, 2048));
  EXPECT_EQ(s.counts.pass, 4);
  EXPECT_EQ(fake.running_at_start_["ktstr/big"], 0);
  // Nothing starts or ends between big's start and its end.
  const auto& log = fake.log_;
  const auto at = std::find(log.begin(), log.end(), "start ktstr/big");
  ASSERT_NE(at, log.end());
  EXPECT_EQ(*(at + 1), "end ktstr/big");
}

TEST(Executor, StartsInPlanOrderAndNeverSkipsAheadPastOneThatDoesNotFit) {
  // a (3 vCPUs) runs; b (3) does not fit beside it; c (1) would, but must wait
  // for b: starts are a, b, c, d, and b and c start only after a ended.
  for (int round = 0; round < 3; ++round) {
    FakeAttempts fake;
    fake.set("a", returns(kPass, 3ms));
    EventLog events;
    const Plan plan = plan_of({inst("a", 3), inst("b", 3), inst("c", 1), inst("d", 2)});
    const RunSummary s = run(plan, fake, budget(4), &events);
    std::vector<std::string> started;
    for (const auto& e : events.events)
      if (e.rfind("started ", 0) == 0) started.push_back(e.substr(8));
    EXPECT_THAT(started, ElementsAre("ktstr/a", "ktstr/b", "ktstr/c", "ktstr/d"));
    const auto& ev = events.events;
    EXPECT_LT(std::find(ev.begin(), ev.end(), "finished ktstr/a PASS"),
              std::find(ev.begin(), ev.end(), "started ktstr/c"));
    EXPECT_LT(std::find(ev.begin(), ev.end(), "finished ktstr/a PASS"),
              std::find(ev.begin(), ev.end(), "started ktstr/b"));
    EXPECT_THAT(statuses(s),
                ElementsAre("ktstr/a PASS", "ktstr/b PASS", "ktstr/c PASS", "ktstr/d PASS"));
  }
}

TEST(Executor, OutcomesAreInPlanOrderNotCompletionOrder) {
  FakeAttempts fake;
  fake.set("slow", returns(kPass, 5ms));
  fake.set("fast", returns(kFail));
  const Plan plan = plan_of({inst("slow"), inst("fast")});
  const RunSummary s = run(plan, fake, budget(2));
  EXPECT_THAT(statuses(s), ElementsAre("ktstr/slow PASS", "ktstr/fast FAIL"));
}

TEST(Executor, AFailThatPassesOnARetryIsFlakyAndDoesNotFailTheRun) {
  FakeAttempts fake;
  fake.set("a", fails_then_passes(1));
  ExecutorOptions options = budget(1);
  options.retries = 2;
  EventLog events;
  const Plan plan = plan_of({inst("a")});
  const RunSummary s = run(plan, fake, options, &events);
  ASSERT_EQ(s.outcomes.size(), 1u);
  const TestOutcome& o = s.outcomes[0];
  EXPECT_EQ(o.status, TestStatus::kFlaky);
  EXPECT_EQ(o.verdict.kind, kPass);
  ASSERT_EQ(o.attempts.size(), 2u);
  EXPECT_EQ(o.attempts[0].verdict.kind, kFail);
  EXPECT_EQ(o.attempts[1].verdict.kind, kPass);
  EXPECT_DOUBLE_EQ(o.seconds, o.attempts[0].seconds + o.attempts[1].seconds);
  EXPECT_EQ(o.dir, "dir-2");
  EXPECT_THAT(o.properties, ElementsAre(std::make_pair(std::string("attempt"), std::string("2"))));
  EXPECT_EQ(s.counts.flaky, 1);
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_THAT(events.events,
              ElementsAre("run_started", "started ktstr/a", "retrying ktstr/a 2 FAIL",
                          "finished ktstr/a FLAKY", "run_finished"));
}

TEST(Executor, AFailThatExhaustsItsRetriesStaysFail) {
  FakeAttempts fake;
  fake.set("a", fails_then_passes(10));
  ExecutorOptions options = budget(1);
  options.retries = 2;
  const Plan plan = plan_of({inst("a")});
  const RunSummary s = run(plan, fake, options);
  EXPECT_EQ(s.outcomes[0].status, TestStatus::kFail);
  EXPECT_EQ(s.outcomes[0].attempts.size(), 3u);
  EXPECT_THAT(fake.calls_, ElementsAre("ktstr/a#1", "ktstr/a#2", "ktstr/a#3"));
  EXPECT_EQ(s.exit_code, 1);
}

TEST(Executor, InconclusiveIsRetriedToo) {
  FakeAttempts fake;
  fake.set("a", fails_then_passes(1, kInconclusive));
  ExecutorOptions options = budget(1);
  options.retries = 1;
  const Plan plan = plan_of({inst("a")});
  const RunSummary s = run(plan, fake, options);
  EXPECT_EQ(s.outcomes[0].status, TestStatus::kFlaky);
}

TEST(Executor, WithoutRetriesAFailRunsOnce) {
  FakeAttempts fake;
  fake.set("a", fails_then_passes(1));
  const Plan plan = plan_of({inst("a")});
  const RunSummary s = run(plan, fake, budget(1));
  EXPECT_EQ(s.outcomes[0].status, TestStatus::kFail);
  EXPECT_THAT(fake.calls_, ElementsAre("ktstr/a#1"));
}

TEST(Executor, ASkipOrAPassIsNotRetried) {
  FakeAttempts fake;
  fake.set("skip", returns(kSkip));
  fake.set("pass", returns(kPass));
  ExecutorOptions options = budget(1);
  options.retries = 3;
  const Plan plan = plan_of({inst("skip"), inst("pass")});
  const RunSummary s = run(plan, fake, options);
  EXPECT_THAT(fake.calls_, ElementsAre("ktstr/skip#1", "ktstr/pass#1"));
  EXPECT_THAT(statuses(s), ElementsAre("ktstr/skip SKIP", "ktstr/pass PASS"));
  EXPECT_EQ(s.exit_code, 0);
}

TEST(Executor, FailFastStartsNothingAfterTheFirstFailure) {
  FakeAttempts fake;
  fake.set("b", returns(kFail));
  ExecutorOptions options = budget(1);
  options.fail_fast = true;
  const Plan plan = plan_of({inst("a"), inst("b"), inst("c"), inst("d")});
  const RunSummary s = run(plan, fake, options);
  EXPECT_THAT(statuses(s),
              ElementsAre("ktstr/a PASS", "ktstr/b FAIL", "ktstr/c NOT-RUN", "ktstr/d NOT-RUN"));
  EXPECT_THAT(s.outcomes[2].verdict.reasons,
              ElementsAre("not run: --fail-fast stopped the run after ktstr/b failed"));
  EXPECT_TRUE(s.outcomes[3].attempts.empty());
  EXPECT_THAT(fake.calls_, ElementsAre("ktstr/a#1", "ktstr/b#1"));
  EXPECT_TRUE(s.fail_fast_stopped);
  EXPECT_EQ(s.counts.not_run, 2);
  EXPECT_EQ(s.exit_code, 1);
}

// Tells when an instance's test_finished was heard.
class FinishWatcher : public RunListener {
 public:
  explicit FinishWatcher(std::string name) : name_(std::move(name)) {}
  void test_finished(const TestOutcome& o) override {
    if (o.instance->name == name_) finished = true;
  }
  std::atomic<bool> finished{false};

 private:
  std::string name_;
};

TEST(Executor, FailFastLetsTheRunningOnesFinish) {
  FakeAttempts fake;
  FinishWatcher a_finished("ktstr/a");
  fake.set("a", returns(kFail));
  // b runs beside a and ends only after a's failure was reported.
  fake.set("b", [&](int, const std::atomic<bool>&) {
    const auto give_up = std::chrono::steady_clock::now() + 2s;
    while (!a_finished.finished && std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(100us);
    return AttemptResult{verdict(kPass), "", {}, false};
  });
  ExecutorOptions options = budget(2);
  options.fail_fast = true;
  const Plan plan = plan_of({inst("a"), inst("b"), inst("c")});
  const RunSummary s = run(plan, fake, options, &a_finished);
  EXPECT_THAT(statuses(s), ElementsAre("ktstr/a FAIL", "ktstr/b PASS", "ktstr/c NOT-RUN"));
}

TEST(Executor, FailFastWithoutAFailureRunsEverything) {
  FakeAttempts fake;
  ExecutorOptions options = budget(2);
  options.fail_fast = true;
  const Plan plan = plan_of({inst("a"), inst("b"), inst("c")});
  const RunSummary s = run(plan, fake, options);
  EXPECT_EQ(s.counts.pass, 3);
  EXPECT_FALSE(s.fail_fast_stopped);
}

TEST(Executor, FailFastOnTheLastTestStopsNothing) {
  FakeAttempts fake;
  fake.set("b", returns(kFail));
  ExecutorOptions options = budget(1);
  options.fail_fast = true;
  const Plan plan = plan_of({inst("a"), inst("b")});
  const RunSummary s = run(plan, fake, options);
  EXPECT_FALSE(s.fail_fast_stopped);
  EXPECT_EQ(s.exit_code, 1);
}

TEST(Executor, AFlakyDoesNotTriggerFailFast) {
  FakeAttempts fake;
  fake.set("a", fails_then_passes(1));
  ExecutorOptions options = budget(1);
  options.fail_fast = true;
  options.retries = 1;
  const Plan plan = plan_of({inst("a"), inst("b")});
  const RunSummary s = run(plan, fake, options);
  EXPECT_THAT(statuses(s), ElementsAre("ktstr/a FLAKY", "ktstr/b PASS"));
}

TEST(Executor, InterruptCancelsTheRunningAndLeavesTheRestNotRun) {
  FakeAttempts fake;
  // a notices the cancel and reports the interruption; b ends with a verdict.
  fake.set("a", waits_for_cancel(AttemptResult{verdict(kFail), "", {}, true}));
  fake.set("b", waits_for_cancel(AttemptResult{verdict(kPass), "b", {}, false}));
  std::atomic<bool> interrupted{false};
  ExecutorOptions options = budget(2);
  options.interrupted = &interrupted;
  std::thread ctrl_c([&] {
    fake.wait_for_starts(2);
    interrupted = true;
  });
  EventLog events;
  const Plan plan = plan_of({inst("a"), inst("b"), inst("c"), inst("d")});
  const RunSummary s = run(plan, fake, options, &events);
  ctrl_c.join();
  EXPECT_THAT(statuses(s),
              ElementsAre("ktstr/a NOT-RUN", "ktstr/b PASS", "ktstr/c NOT-RUN", "ktstr/d NOT-RUN"));
  EXPECT_THAT(s.outcomes[0].verdict.reasons, ElementsAre("not run: interrupted"));
  EXPECT_THAT(s.outcomes[2].verdict.reasons, ElementsAre("not run: interrupted"));
  EXPECT_EQ(s.outcomes[0].dir, "");
  EXPECT_THAT(fake.saw_cancel_, ::testing::UnorderedElementsAre("ktstr/a", "ktstr/b"));
  EXPECT_THAT(fake.calls_, ::testing::UnorderedElementsAre("ktstr/a#1", "ktstr/b#1"));
  EXPECT_TRUE(s.interrupted);
  EXPECT_EQ(s.exit_code, 130);
  EXPECT_EQ(events.events.back(), "run_finished");
}

TEST(Executor, AnInterruptedRetryKeepsTheFinishedAttempt) {
  FakeAttempts fake;
  fake.set("a", [](int attempt, const std::atomic<bool>&) {
    return AttemptResult{verdict(kFail), "", {}, attempt == 2};
  });
  ExecutorOptions options = budget(1);
  options.retries = 3;
  const Plan plan = plan_of({inst("a"), inst("b")});
  const RunSummary s = run(plan, fake, options);
  EXPECT_THAT(statuses(s), ElementsAre("ktstr/a FAIL", "ktstr/b NOT-RUN"));
  EXPECT_EQ(s.outcomes[0].attempts.size(), 1u);
  EXPECT_EQ(s.exit_code, 130);
}

TEST(Executor, AnInterruptBeforeTheRunRunsNothing) {
  FakeAttempts fake;
  std::atomic<bool> interrupted{true};
  ExecutorOptions options = budget(2);
  options.interrupted = &interrupted;
  const Plan plan = plan_of({inst("a"), inst("b")});
  const RunSummary s = run(plan, fake, options);
  EXPECT_TRUE(fake.calls_.empty());
  EXPECT_EQ(s.counts.not_run, 2);
  EXPECT_EQ(s.exit_code, 130);
}

TEST(Executor, AnAttemptPastItsTimeoutIsCancelledAndFails) {
  FakeAttempts fake;
  fake.set("hangs", waits_for_cancel(AttemptResult{verdict(kPass), "", {}, false}));
  // Reports the cancel as an interruption: still a timeout, not a Ctrl-C.
  fake.set("quits", waits_for_cancel(AttemptResult{verdict(kFail), "", {}, true}));
  fake.set("says", waits_for_cancel(AttemptResult{
                       verdict(kFail, "scenario timed out after 20 ms"), "", {}, false}));
  ExecutorOptions options = budget(3);
  options.attempt_timeout = 20ms;
  const Plan plan = plan_of({inst("hangs"), inst("quits"), inst("says")});
  const RunSummary s = run(plan, fake, options);
  EXPECT_THAT(statuses(s), ElementsAre("ktstr/hangs FAIL", "ktstr/quits FAIL", "ktstr/says FAIL"));
  EXPECT_THAT(s.outcomes[0].verdict.reasons, ElementsAre("timed out after 0.02 s"));
  EXPECT_THAT(s.outcomes[1].verdict.reasons, ElementsAre("timed out after 0.02 s"));
  EXPECT_THAT(s.outcomes[2].verdict.reasons, ElementsAre("scenario timed out after 20 ms"));
  EXPECT_THAT(fake.saw_cancel_,
              ::testing::UnorderedElementsAre("ktstr/hangs", "ktstr/quits", "ktstr/says"));
  EXPECT_FALSE(s.interrupted);
  EXPECT_EQ(s.exit_code, 1);
}

TEST(Executor, ATimedOutAttemptIsRetriedWithAFreshDeadline) {
  FakeAttempts fake;
  fake.set("a", [](int attempt, const std::atomic<bool>& cancel) {
    if (attempt == 1)
      while (!cancel) std::this_thread::sleep_for(1ms);
    return AttemptResult{verdict(kPass), "", {}, false};
  });
  ExecutorOptions options = budget(1);
  options.attempt_timeout = 10ms;
  options.retries = 1;
  const Plan plan = plan_of({inst("a")});
  const RunSummary s = run(plan, fake, options);
  EXPECT_EQ(s.outcomes[0].status, TestStatus::kFlaky);
  EXPECT_THAT(s.outcomes[0].attempts[0].verdict.reasons, ElementsAre("timed out after 0.01 s"));
}

TEST(Executor, AThrowingAttemptIsAnInternalErrorFailAndTheRunGoesOn) {
  FakeAttempts fake;
  fake.set("a", [](int, const std::atomic<bool>&) -> AttemptResult {
    throw std::runtime_error("boom");
  });
  fake.set("b", [](int, const std::atomic<bool>&) -> AttemptResult { throw 42; });
  const Plan plan = plan_of({inst("a"), inst("b"), inst("c")});
  const RunSummary s = run(plan, fake, budget(1));
  EXPECT_THAT(statuses(s), ElementsAre("ktstr/a FAIL", "ktstr/b FAIL", "ktstr/c PASS"));
  EXPECT_THAT(s.outcomes[0].verdict.reasons, ElementsAre("internal error: boom"));
  EXPECT_THAT(s.outcomes[1].verdict.reasons, ElementsAre("internal error: unknown exception"));
  EXPECT_EQ(s.exit_code, 1);
}

TEST(Executor, ExitCodes) {
  struct Row {
    Verdict::Kind kind;
    int exit_code;
  };
  for (const Row& row : {Row{kPass, 0}, Row{kSkip, 0}, Row{kFail, 1}, Row{kInconclusive, 1}}) {
    FakeAttempts fake;
    fake.set("b", returns(row.kind));
    const Plan plan = plan_of({inst("a"), inst("b")});
    const RunSummary s = run(plan, fake, budget(2));
    EXPECT_EQ(s.exit_code, row.exit_code) << Verdict::name(row.kind);
  }
}

TEST(Executor, EmptyPlanExitsZeroWithRunEvents) {
  FakeAttempts fake;
  EventLog events;
  const RunSummary s = run(Plan{}, fake, budget(1), &events);
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_THAT(events.events, ElementsAre("run_started", "run_finished"));
}

TEST(Executor, ListenerHearsEachTestStartBeforeItsEndRunStartedFirstRunFinishedLast) {
  FakeAttempts fake;
  fake.set("c", fails_then_passes(1));
  ExecutorOptions options = budget(3);
  options.retries = 1;
  EventLog events;
  const Plan plan = plan_of({inst("a", 2), inst("b"), inst("c"), inst("d", 2), inst("e")});
  const RunSummary s = run(plan, fake, options, &events);
  const auto& ev = events.events;
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.front(), "run_started");
  EXPECT_EQ(ev.back(), "run_finished");
  EXPECT_EQ(ev.size(), 2 + 2 * plan.instances.size() + 1);  // + c's retry
  std::vector<std::string> started;
  for (const auto& i : plan.instances) {
    const auto start = std::find(ev.begin(), ev.end(), "started " + i.name);
    const auto end = std::find_if(ev.begin(), ev.end(), [&](const std::string& e) {
      return e.rfind("finished " + i.name + " ", 0) == 0;
    });
    ASSERT_NE(start, ev.end()) << i.name;
    ASSERT_NE(end, ev.end()) << i.name;
    EXPECT_LT(start, end) << i.name;
  }
  const auto retry = std::find(ev.begin(), ev.end(), "retrying ktstr/c 2 FAIL");
  ASSERT_NE(retry, ev.end());
  EXPECT_LT(std::find(ev.begin(), ev.end(), "started ktstr/c"), retry);
  EXPECT_LT(retry, std::find(ev.begin(), ev.end(), "finished ktstr/c FLAKY"));
  // Starts are heard in plan order.
  for (const auto& e : ev)
    if (e.rfind("started ", 0) == 0) started.push_back(e.substr(8));
  EXPECT_THAT(started, ElementsAre("ktstr/a", "ktstr/b", "ktstr/c", "ktstr/d", "ktstr/e"));
  EXPECT_EQ(s.counts.total(), 5);
}

TEST(Executor, IgnoredInstancesAreSkippedWithoutAnAttemptAndMergedByName) {
  FakeAttempts fake;
  TestInstance b = inst("b");
  b.ignored = true;
  TestInstance z = inst("z");
  z.ignored = true;
  EventLog events;
  const Plan plan = plan_of({inst("a"), inst("c")}, {b, z});
  const RunSummary s = run(plan, fake, budget(1), &events);
  EXPECT_THAT(statuses(s),
              ElementsAre("ktstr/a PASS", "ktstr/b SKIP", "ktstr/c PASS", "ktstr/z SKIP"));
  EXPECT_THAT(s.outcomes[1].verdict.reasons, ElementsAre("ignored (use --run-ignored to run it)"));
  EXPECT_TRUE(s.outcomes[1].attempts.empty());
  EXPECT_THAT(fake.calls_, ElementsAre("ktstr/a#1", "ktstr/c#1"));
  EXPECT_EQ(std::count(events.events.begin(), events.events.end(), "started ktstr/b"), 0);
  EXPECT_EQ(std::count(events.events.begin(), events.events.end(), "finished ktstr/b SKIP"), 1);
  EXPECT_EQ(s.counts.skip, 2);
  EXPECT_EQ(s.exit_code, 0);
}

TEST(Executor, IgnoredInstancesStaySkipWhenTheRunStopsEarly) {
  FakeAttempts fake;
  fake.set("a", returns(kFail));
  TestInstance b = inst("b");
  b.ignored = true;
  ExecutorOptions options = budget(1);
  options.fail_fast = true;
  const Plan plan = plan_of({inst("a"), inst("c")}, {b});
  const RunSummary s = run(plan, fake, options);
  EXPECT_THAT(statuses(s), ElementsAre("ktstr/a FAIL", "ktstr/b SKIP", "ktstr/c NOT-RUN"));
}

TEST(Executor, SummaryHasTheFinishTimeInUtcAndTheWallTime) {
  FakeAttempts fake;
  const Plan plan = plan_of({inst("a")});
  const RunSummary s = run(plan, fake, budget(1));
  EXPECT_TRUE(std::regex_match(s.finished_at, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << s.finished_at;
  EXPECT_GT(s.wall_seconds, 0);
  EXPECT_GE(s.wall_seconds, s.outcomes[0].seconds);
}

}  // namespace
}  // namespace ktstr
