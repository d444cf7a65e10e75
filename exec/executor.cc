// The executor. One dispatcher (the calling thread) walks the entries in
// order and starts each on its own worker thread as soon as it fits the
// budget; it never looks past an entry that does not fit, so two runs of the
// same plan start their instances in the same order whatever the timing.
// The dispatcher also is the watchdog and the interrupt poller: it sleeps on
// a condition variable until a worker ends, the nearest attempt deadline, or
// 20 ms (the Ctrl-C flag is set from a signal handler, which cannot notify a
// condition variable, so it is polled).
//
// Locks: `state_mu_` guards the budget, the slots and the stop state;
// `listener_mu_` serializes listener calls. A thread may take listener_mu_
// while holding state_mu_ (the dispatcher does, so test_started is in step
// with its decision), never the other way round, so the two cannot deadlock.
// A worker emits its test_finished before it gives its budget back, so no
// instance starts in its slot before the listeners heard that it ended.
#include "exec/executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <ctime>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace ktstr {

int default_cost_cpus(const TestInstance& instance) {
  return instance.host_only ? 1 : instance.vcpus;
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kPollInterval{20};
constexpr const char* kIgnoredReason = "ignored (use --run-ignored to run it)";
constexpr const char* kInterruptedReason = "not run: interrupted";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool retryable(Verdict::Kind kind) {
  return kind == Verdict::Kind::kFail || kind == Verdict::Kind::kInconclusive;
}

// An outcome that never ran an attempt (ignored, or not run).
TestOutcome unattempted(const TestInstance& instance, TestStatus status, std::string reason) {
  TestOutcome o;
  o.instance = &instance;
  o.status = status;
  o.verdict.kind = Verdict::Kind::kSkip;
  o.verdict.reasons.push_back(std::move(reason));
  return o;
}

// A timed-out attempt is a FAIL that says so first.
void mark_timed_out(Verdict& verdict, std::chrono::milliseconds timeout) {
  verdict.kind = Verdict::Kind::kFail;
  const bool says_so =
      std::any_of(verdict.reasons.begin(), verdict.reasons.end(),
                  [](const std::string& r) { return r.find("timed out") != std::string::npos; });
  if (!says_so)
    verdict.reasons.insert(verdict.reasons.begin(),
                           fmt::format("timed out after {:g} s", timeout.count() / 1000.0));
}

// One thing to report, in outcome order: an instance to run or an ignored one.
struct Entry {
  const TestInstance* instance;
  bool ignored;
};

// plan.instances in order, with plan.ignored merged in by name.
std::vector<Entry> merge_by_name(const Plan& plan) {
  std::vector<Entry> entries;
  entries.reserve(plan.instances.size() + plan.ignored.size());
  size_t i = 0, j = 0;
  while (i < plan.instances.size() || j < plan.ignored.size()) {
    const bool take_ignored =
        j < plan.ignored.size() &&
        (i == plan.instances.size() || plan.ignored[j].name < plan.instances[i].name);
    if (take_ignored)
      entries.push_back({&plan.ignored[j++], true});
    else
      entries.push_back({&plan.instances[i++], false});
  }
  return entries;
}

// A started instance: what it holds of the budget, its attempt's cancel flag
// and deadline, and its thread.
struct Slot {
  int cpus = 0;
  std::int64_t memory_mib = 0;
  std::atomic<bool> cancel{false};
  Clock::time_point deadline = Clock::time_point::max();  // state_mu_
  bool timed_out = false;                                 // state_mu_
  std::thread thread;
};

class Executor {
 public:
  Executor(const Plan& plan, const RunInfo& info, const RunAttempt& attempt,
           const ExecutorOptions& options, RunListener& listener)
      : plan_(plan),
        info_(info),
        attempt_(attempt),
        options_(options),
        listener_(listener),
        entries_(merge_by_name(plan)),
        outcomes_(entries_.size()),
        slots_(entries_.size()) {}

  RunSummary run();

 private:
  enum class Stop { kNone, kFailFast, kInterrupt };

  bool fits(int cpus, std::int64_t memory_mib) const;
  void start_what_fits(std::unique_lock<std::mutex>& lock);
  void start(size_t index);
  void poll_interrupt_and_deadlines();
  Clock::time_point next_wakeup() const;
  void join_finished();
  void worker(size_t index);
  TestOutcome run_attempts(const TestInstance& instance, Slot& slot, bool* interrupted);
  AttemptResult call_attempt(const TestInstance& instance, int number, Slot& slot);
  void stop_locked(Stop why);
  void emit_finished(const TestOutcome& outcome) {
    std::lock_guard<std::mutex> l(listener_mu_);
    listener_.test_finished(outcome);
  }

  const Plan& plan_;
  const RunInfo& info_;
  const RunAttempt& attempt_;
  const ExecutorOptions& options_;
  RunListener& listener_;
  const std::vector<Entry> entries_;
  std::vector<TestOutcome> outcomes_;         // by entry; a worker writes its own
  std::vector<std::unique_ptr<Slot>> slots_;  // by entry, made when started

  std::mutex state_mu_;
  std::condition_variable wake_;
  std::mutex listener_mu_;
  size_t next_ = 0;  // the next entry to start
  std::vector<size_t> running_;
  std::vector<size_t> finished_;  // workers done, to join
  int running_cpus_ = 0;
  std::int64_t running_memory_mib_ = 0;
  Stop stop_ = Stop::kNone;  // why nothing new starts (the first reason)
  bool interrupted_ = false;
  std::string fail_fast_name_;
};

bool Executor::fits(int cpus, std::int64_t memory_mib) const {
  if (running_.empty()) return true;  // even one larger than the budget, alone
  if (options_.jobs > 0 && static_cast<int>(running_.size()) + 1 > options_.jobs) return false;
  return running_cpus_ + cpus <= options_.budget_cpus &&
         running_memory_mib_ + memory_mib <= options_.budget_memory_mib;
}

void Executor::start_what_fits(std::unique_lock<std::mutex>& lock) {
  (void)lock;  // held throughout
  while (stop_ == Stop::kNone && next_ < entries_.size()) {
    const Entry& e = entries_[next_];
    if (e.ignored) {
      outcomes_[next_] = unattempted(*e.instance, TestStatus::kSkip, kIgnoredReason);
      emit_finished(outcomes_[next_]);
      ++next_;
      continue;
    }
    const int cpus = std::max(
        0, options_.cost_cpus ? options_.cost_cpus(*e.instance) : default_cost_cpus(*e.instance));
    const std::int64_t memory = e.instance->host_only ? 0 : std::max(0, e.instance->memory_mib);
    if (!fits(cpus, memory)) return;
    auto slot = std::make_unique<Slot>();
    slot->cpus = cpus;
    slot->memory_mib = memory;
    slots_[next_] = std::move(slot);
    start(next_++);
  }
}

void Executor::start(size_t index) {
  Slot& slot = *slots_[index];
  running_.push_back(index);
  running_cpus_ += slot.cpus;
  running_memory_mib_ += slot.memory_mib;
  {
    std::lock_guard<std::mutex> l(listener_mu_);
    listener_.test_started(*entries_[index].instance);
  }
  try {
    slot.thread = std::thread([this, index] { worker(index); });
  } catch (const std::exception& e) {
    // No thread: the instance fails here, and its budget is returned.
    TestOutcome& o = outcomes_[index];
    o.instance = entries_[index].instance;
    o.status = TestStatus::kFail;
    o.verdict.kind = Verdict::Kind::kFail;
    o.verdict.reasons = {fmt::format("internal error: cannot start a thread: {}", e.what())};
    if (options_.fail_fast) {
      if (stop_ == Stop::kNone) fail_fast_name_ = o.instance->display_name();
      stop_locked(Stop::kFailFast);
    }
    emit_finished(o);
    running_.erase(std::find(running_.begin(), running_.end(), index));
    running_cpus_ -= slot.cpus;
    running_memory_mib_ -= slot.memory_mib;
  }
}

void Executor::stop_locked(Stop why) {
  if (stop_ == Stop::kNone) stop_ = why;
  if (why == Stop::kInterrupt) {
    interrupted_ = true;
    for (size_t i : running_) slots_[i]->cancel = true;
  }
}

void Executor::poll_interrupt_and_deadlines() {
  if (options_.interrupted != nullptr && options_.interrupted->load() && !interrupted_)
    stop_locked(Stop::kInterrupt);
  const auto now = Clock::now();
  for (size_t i : running_) {
    Slot& s = *slots_[i];
    if (!s.timed_out && now >= s.deadline) {
      s.timed_out = true;
      s.cancel = true;
    }
  }
}

Clock::time_point Executor::next_wakeup() const {
  auto at = Clock::time_point::max();
  for (size_t i : running_)
    if (!slots_[i]->timed_out) at = std::min(at, slots_[i]->deadline);
  if (options_.interrupted != nullptr && !interrupted_)
    at = std::min(at, Clock::now() + kPollInterval);
  return at;
}

void Executor::join_finished() {
  // A finished worker has released state_mu_ for the last time: joining it
  // under the lock waits only for its return.
  for (size_t i : finished_) slots_[i]->thread.join();
  finished_.clear();
}

AttemptResult Executor::call_attempt(const TestInstance& instance, int number, Slot& slot) {
  try {
    return attempt_(instance, number, slot.cancel);
  } catch (const std::exception& e) {
    AttemptResult r;
    r.verdict.kind = Verdict::Kind::kFail;
    r.verdict.reasons = {fmt::format("internal error: {}", e.what())};
    return r;
  } catch (...) {
    AttemptResult r;
    r.verdict.kind = Verdict::Kind::kFail;
    r.verdict.reasons = {"internal error: unknown exception"};
    return r;
  }
}

TestOutcome Executor::run_attempts(const TestInstance& instance, Slot& slot, bool* interrupted) {
  TestOutcome o;
  o.instance = &instance;
  for (int number = 1;; ++number) {
    {
      std::lock_guard<std::mutex> l(state_mu_);
      slot.timed_out = false;
      slot.cancel = interrupted_;
      slot.deadline = options_.attempt_timeout.count() > 0 ? Clock::now() + options_.attempt_timeout
                                                           : Clock::time_point::max();
    }
    wake_.notify_all();  // the dispatcher's next deadline changed
    const auto start = Clock::now();
    AttemptResult r = call_attempt(instance, number, slot);
    const double seconds = seconds_since(start);
    bool timed_out = false;
    {
      std::lock_guard<std::mutex> l(state_mu_);
      timed_out = slot.timed_out;
      slot.deadline = Clock::time_point::max();
    }
    if (timed_out) {
      // The watchdog cancelled it: whatever it says, its time ran out.
      mark_timed_out(r.verdict, options_.attempt_timeout);
      r.interrupted = false;
    }
    if (r.interrupted) {
      *interrupted = true;
      // An earlier attempt's result stands; with none, it did not run.
      if (o.attempts.empty()) return unattempted(instance, TestStatus::kNotRun, kInterruptedReason);
      return o;
    }
    o.attempts.push_back({r.verdict, seconds});
    o.seconds += seconds;
    const bool failed_before = number > 1;
    o.status = status_of(r.verdict.kind);
    if (o.status == TestStatus::kPass && failed_before) o.status = TestStatus::kFlaky;
    o.dir = std::move(r.dir);
    o.properties = std::move(r.properties);
    o.verdict = std::move(r.verdict);
    if (!retryable(o.verdict.kind) || number > options_.retries) return o;
    {
      std::lock_guard<std::mutex> l(state_mu_);
      if (interrupted_) return o;
    }
    std::lock_guard<std::mutex> l(listener_mu_);
    listener_.test_retrying(instance, number + 1, o.verdict);
  }
}

void Executor::worker(size_t index) {
  const TestInstance& instance = *entries_[index].instance;
  Slot& slot = *slots_[index];
  bool interrupted = false;
  TestOutcome outcome = run_attempts(instance, slot, &interrupted);
  {
    std::lock_guard<std::mutex> l(state_mu_);
    if (interrupted) stop_locked(Stop::kInterrupt);
    if (options_.fail_fast && status_fails(outcome.status)) {
      if (stop_ == Stop::kNone) fail_fast_name_ = instance.display_name();
      stop_locked(Stop::kFailFast);
    }
    outcomes_[index] = std::move(outcome);
  }
  emit_finished(outcomes_[index]);
  {
    std::lock_guard<std::mutex> l(state_mu_);
    running_.erase(std::find(running_.begin(), running_.end(), index));
    running_cpus_ -= slot.cpus;
    running_memory_mib_ -= slot.memory_mib;
    finished_.push_back(index);
  }
  wake_.notify_all();
}

RunSummary Executor::run() {
  const auto start = Clock::now();
  {
    std::lock_guard<std::mutex> l(listener_mu_);
    listener_.run_started(info_, plan_);
  }
  std::unique_lock<std::mutex> lock(state_mu_);
  for (;;) {
    poll_interrupt_and_deadlines();
    join_finished();
    start_what_fits(lock);
    if (running_.empty() && (stop_ != Stop::kNone || next_ == entries_.size())) break;
    const auto wakeup = next_wakeup();
    if (wakeup == Clock::time_point::max())
      wake_.wait(lock);
    else
      wake_.wait_until(lock, wakeup);
  }
  join_finished();
  // What never started: ignored ones stay SKIP, the rest did not run.
  const std::string not_run =
      stop_ == Stop::kFailFast
          ? fmt::format("not run: --fail-fast stopped the run after {} failed", fail_fast_name_)
          : kInterruptedReason;
  bool left_some = false;
  for (; next_ < entries_.size(); ++next_) {
    const Entry& e = entries_[next_];
    left_some = left_some || !e.ignored;
    outcomes_[next_] = e.ignored ? unattempted(*e.instance, TestStatus::kSkip, kIgnoredReason)
                                 : unattempted(*e.instance, TestStatus::kNotRun, not_run);
    emit_finished(outcomes_[next_]);
  }
  lock.unlock();

  RunSummary summary;
  summary.outcomes = std::move(outcomes_);
  bool any_fails = false;
  for (const TestOutcome& o : summary.outcomes) {
    summary.counts.add(o.status);
    any_fails = any_fails || status_fails(o.status);
  }
  summary.interrupted = interrupted_;
  summary.fail_fast_stopped = stop_ == Stop::kFailFast && left_some;
  summary.exit_code = interrupted_ ? 130 : any_fails ? 1 : 0;
  summary.wall_seconds = seconds_since(start);
  summary.finished_at = utc_now_iso8601();
  std::lock_guard<std::mutex> l(listener_mu_);
  listener_.run_finished(summary);
  return summary;
}

}  // namespace

RunSummary run_plan(const Plan& plan, const RunInfo& info, const RunAttempt& attempt,
                    const ExecutorOptions& options, RunListener& listener) {
  return Executor(plan, info, attempt, options, listener).run();
}

}  // namespace ktstr
