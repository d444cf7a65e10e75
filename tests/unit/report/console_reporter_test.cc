#include "report/console_reporter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "eval/guest_text.h"

namespace ktstr {
namespace {

// Instances and outcomes for the console, built by name.
struct FakeRun {
  Plan plan;
  std::deque<TestInstance> owned;  // stable addresses
  RunInfo info;

  FakeRun() {
    plan.kernels = {{"6.12.117-cloud", "", false}};
    info.run_dir = "/runs/r1";
    info.accel = "tcg";
    info.jobs = 1;
  }
  const TestInstance& instance(const std::string& name) {
    TestInstance& t = owned.emplace_back();
    t.name = name;
    t.dir = name.substr(name.find('/') + 1);
    plan.instances.push_back(t);
    return t;
  }
};

Verdict verdict(Verdict::Kind kind, std::vector<std::string> reasons = {}) {
  Verdict v;
  v.kind = kind;
  v.reasons = std::move(reasons);
  return v;
}

TestOutcome outcome(const TestInstance& t, TestStatus status, std::vector<Attempt> attempts,
                    std::vector<std::string> reasons = {}) {
  TestOutcome o;
  o.instance = &t;
  o.status = status;
  o.attempts = std::move(attempts);
  for (const Attempt& a : o.attempts) o.seconds += a.seconds;
  o.verdict =
      o.attempts.empty() ? verdict(Verdict::Kind::kFail, reasons) : o.attempts.back().verdict;
  return o;
}

RunSummary summary_of(const std::vector<TestOutcome>& outcomes) {
  RunSummary s;
  for (const TestOutcome& o : outcomes) s.counts.add(o.status);
  s.outcomes = outcomes;
  return s;
}

// The pipe transcript of a run of `outcomes` (run_started to run_finished).
std::string transcript(FakeRun& run, const std::vector<TestOutcome>& outcomes, ConsoleStyle style,
                       bool interrupted = false) {
  std::ostringstream out;
  ConsoleReporter reporter(out, style);
  reporter.run_started(run.info, run.plan);
  for (const TestOutcome& o : outcomes) {
    if (o.status != TestStatus::kNotRun) reporter.test_started(*o.instance);
    reporter.test_finished(o);
  }
  RunSummary s = summary_of(outcomes);
  s.interrupted = interrupted;
  reporter.run_finished(s);
  return out.str();
}

TEST(ConsoleReporterPipe, OneBlockPerTestThenTheCountsAndTheRunDirectory) {
  FakeRun run;
  const auto& pass = run.instance("ktstr/pass");
  const auto& fail = run.instance("ktstr/fail");
  const auto& flaky = run.instance("ktstr/flaky");
  const auto& skip = run.instance("ktstr/skip");
  const auto& inc = run.instance("ktstr/inc");
  const auto& later = run.instance("ktstr/later");
  const std::vector<TestOutcome> outcomes = {
      outcome(pass, TestStatus::kPass, {{verdict(Verdict::Kind::kPass), 1.5}}),
      outcome(fail, TestStatus::kFail,
              {{verdict(Verdict::Kind::kFail, {"scenario failed", "console tail:\n| a"}), 2.0}}),
      outcome(
          flaky, TestStatus::kFlaky,
          {{verdict(Verdict::Kind::kFail, {"max_gap_ms: 812.0 ms > 500", "second\nthird"}), 3.0},
           {verdict(Verdict::Kind::kInconclusive, {"no samples"}), 1.0},
           {verdict(Verdict::Kind::kPass), 2.0}}),
      outcome(skip, TestStatus::kSkip,
              {{verdict(Verdict::Kind::kSkip, {"kernel lacks CONFIG_SCHED_CLASS_EXT"}), 0.0}}),
      outcome(inc, TestStatus::kInconclusive,
              {{verdict(Verdict::Kind::kInconclusive, {"max_spread_pct: no samples"}), 4.0}}),
      outcome(later, TestStatus::kNotRun, {}, {"interrupted"}),
  };
  EXPECT_EQ(transcript(run, outcomes, {}, true),
            "ktstr-run: 6 tests on 6.12.117-cloud (tcg), runs in /runs/r1\n"
            "PASS ktstr/pass 1.5s\n"
            "FAIL ktstr/fail 2.0s\n"
            "    scenario failed\n"
            "    console tail:\n"
            "    | a\n"
            "FLAKY ktstr/flaky 6.0s\n"
            "    attempt 1/3 failed: max_gap_ms: 812.0 ms > 500\n"
            "        second\n"
            "        third\n"
            "    attempt 2/3 failed (INCONCLUSIVE): no samples\n"
            "SKIP ktstr/skip 0.0s\n"
            "    kernel lacks CONFIG_SCHED_CLASS_EXT\n"
            "INCONCLUSIVE ktstr/inc 4.0s\n"
            "    max_spread_pct: no samples\n"
            "NOT-RUN ktstr/later\n"
            "    interrupted\n"
            "1 passed, 1 failed, 1 inconclusive, 1 flaky, 1 skipped, 1 not run\n"
            "ktstr-run: interrupted; partial results in /runs/r1\n");
}

TEST(ConsoleReporterPipe, ACompleteRunNamesItsDirectoryAndOmitsEmptyCategories) {
  FakeRun run;
  run.plan.kernels.push_back({"6.12.117-scx", "kernel_6_12_117_scx", true});
  const auto& a = run.instance("ktstr/a");
  EXPECT_EQ(
      transcript(run, {outcome(a, TestStatus::kPass, {{verdict(Verdict::Kind::kPass), 1}})}, {}),
      "ktstr-run: 1 test on 2 kernels (6.12.117-cloud, 6.12.117-scx) (tcg), runs in "
      "/runs/r1\n"
      "PASS ktstr/a 1.0s\n"
      "1 passed, 0 failed, 0 skipped\n"
      "ktstr-run: results in /runs/r1\n");
}

TEST(ConsoleReporterPipe, AFailAfterRetriesListsItsEarlierAttempts) {
  FakeRun run;
  const auto& t = run.instance("ktstr/t");
  const std::string out = transcript(run,
                                     {outcome(t, TestStatus::kFail,
                                              {{verdict(Verdict::Kind::kFail, {"first"}), 1},
                                               {verdict(Verdict::Kind::kFail, {"last"}), 1}})},
                                     {});
  EXPECT_NE(out.find("FAIL ktstr/t 2.0s\n    last\n    attempt 1/2 failed: first\n"),
            std::string::npos)
      << out;
}

TEST(ConsoleReporterPipe, NamesPathsAndReasonsAreEscaped) {
  FakeRun run;
  run.info.run_dir = "/runs/\x1b]0;x\x07";
  const auto& t = run.instance("ktstr/\x1b[2Jevil\nPASS ktstr/fake");
  const std::string out = transcript(
      run,
      {outcome(t, TestStatus::kFlaky,
               {{verdict(Verdict::Kind::kFail, {"\r\x1b[31mred\nPASS ktstr/forged 0.1s"}), 1},
                {verdict(Verdict::Kind::kPass), 1}}),
       outcome(t, TestStatus::kNotRun, {}, {"\x1b[1mstopped"})},
      {});
  for (char c : out) EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << out;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    // Only the runner's own lines start at column 0, and none is forged.
    EXPECT_FALSE(line.starts_with("PASS ktstr/f")) << out;
  }
  EXPECT_NE(out.find("FLAKY ktstr/\\x1b[2Jevil\\nPASS ktstr/fake 2.0s\n"), std::string::npos);
  EXPECT_NE(out.find("    attempt 1/2 failed: \\r\\x1b[31mred\n        PASS ktstr/forged 0.1s\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("NOT-RUN ktstr/\\x1b[2Jevil\\nPASS ktstr/fake\n    \\x1b[1mstopped\n"),
            std::string::npos);
  EXPECT_NE(out.find("runs in /runs/\\x1b]0;x\\x07\n"), std::string::npos);
}

TEST(ConsoleReporterPipe, ColourOnlyTheStatusWordAndOnlyWhenAsked) {
  FakeRun run;
  const auto& a = run.instance("ktstr/a");
  const auto& b = run.instance("ktstr/b");
  const auto& c = run.instance("ktstr/c");
  const std::vector<TestOutcome> outcomes = {
      outcome(a, TestStatus::kPass, {{verdict(Verdict::Kind::kPass), 1}}),
      outcome(b, TestStatus::kFail, {{verdict(Verdict::Kind::kFail, {"why"}), 1}}),
      outcome(c, TestStatus::kFlaky,
              {{verdict(Verdict::Kind::kFail), 1}, {verdict(Verdict::Kind::kPass), 1}})};
  const std::string coloured = transcript(run, outcomes, {.colour = true});
  EXPECT_NE(coloured.find("\x1b[32mPASS\x1b[0m ktstr/a 1.0s\n"), std::string::npos) << coloured;
  EXPECT_NE(coloured.find("\x1b[31mFAIL\x1b[0m ktstr/b 1.0s\n    why\n"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[33mFLAKY\x1b[0m ktstr/c 2.0s\n"), std::string::npos);
  EXPECT_EQ(transcript(run, outcomes, {}).find('\x1b'), std::string::npos);
}

TEST(ConsoleReporterTty, TheStatusLineIsRedrawnAndClearedBeforeEachBlock) {
  FakeRun run;
  const auto& a = run.instance("ktstr/a");
  const auto& b = run.instance("ktstr/b");
  run.instance("ktstr/c");
  std::ostringstream out;
  ConsoleReporter reporter(out, {.live = true, .width = 80});
  reporter.run_started(run.info, run.plan);
  EXPECT_EQ(out.str(),
            "ktstr-run: 3 tests on 6.12.117-cloud (tcg), runs in /runs/r1\n"
            "\r\x1b[K[0/3] 0 running | 0 passed, 0 failed");
  out.str("");
  reporter.test_started(a);
  reporter.test_started(b);
  EXPECT_EQ(out.str(),
            "\r\x1b[K[0/3] 1 running: ktstr/a | 0 passed, 0 failed"
            "\r\x1b[K[0/3] 2 running: ktstr/a, ktstr/b | 0 passed, 0 failed");
  out.str("");
  reporter.test_finished(
      outcome(b, TestStatus::kFail, {{verdict(Verdict::Kind::kFail, {"why"}), 2.0}}));
  // ETA: 2 s mean x 2 tests left / 1 job.
  EXPECT_EQ(out.str(),
            "\r\x1b[KFAIL ktstr/b 2.0s\n    why\n"
            "\r\x1b[K[1/3] 1 running: ktstr/a | 0 passed, 1 failed | ETA 0:04");
  EXPECT_EQ(reporter.status_line(), "[1/3] 1 running: ktstr/a | 0 passed, 1 failed | ETA 0:04");
  out.str("");
  reporter.run_finished(summary_of({}));
  EXPECT_EQ(out.str(), "\r\x1b[K0 passed, 0 failed, 0 skipped\nktstr-run: results in /runs/r1\n");
}

TEST(ConsoleReporterTty, TheEtaDividesByTheJobs) {
  FakeRun run;
  run.info.jobs = 4;
  std::vector<const TestInstance*> ts;
  for (int i = 0; i < 10; ++i) ts.push_back(&run.instance("ktstr/t" + std::to_string(i)));
  std::ostringstream out;
  ConsoleReporter reporter(out, {.live = true, .width = 200});
  reporter.run_started(run.info, run.plan);
  reporter.test_finished(outcome(*ts[0], TestStatus::kPass, {{verdict(Verdict::Kind::kPass), 80}}));
  reporter.test_finished(outcome(*ts[1], TestStatus::kSkip, {{verdict(Verdict::Kind::kSkip), 0}}));
  // mean (80 + 0) / 2 = 40 s x 8 left / 4 jobs = 80 s.
  EXPECT_EQ(reporter.status_line(), "[2/10] 0 running | 1 passed, 0 failed, 1 skipped | ETA 1:20");
}

TEST(ConsoleReporterTty, TheStatusLineFitsTheTerminalAndKeepsTheCounts) {
  FakeRun run;
  std::ostringstream out;
  ConsoleReporter reporter(out, {.live = true, .width = 60});
  const auto& a = run.instance("ktstr/a_rather_long_test_name_" + std::string(20, 'x'));
  const auto& b = run.instance("ktstr/b_ünïcode_name");
  reporter.run_started(run.info, run.plan);
  reporter.test_started(a);
  reporter.test_started(b);
  const std::string line = reporter.status_line();
  EXPECT_EQ(line, "[0/2] 2 running: ktstr/a_rather_long_… | 0 passed, 0 failed");
  size_t columns = 0;
  for (char c : line) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  EXPECT_EQ(columns, 59u);  // width - 1: the cursor never wraps

  ConsoleReporter narrow(out, {.live = true, .width = 20});
  narrow.run_started(run.info, run.plan);
  narrow.test_started(a);
  EXPECT_EQ(narrow.status_line(), "[0/2] 1 running | …");  // 19 columns
}

TEST(ConsoleReporterTty, RunningNamesAreEscaped) {
  FakeRun run;
  std::ostringstream out;
  ConsoleReporter reporter(out, {.live = true, .width = 200});
  reporter.run_started(run.info, run.plan);
  reporter.test_started(run.instance("ktstr/\x1b[2J\rx"));
  EXPECT_EQ(reporter.status_line(), "[0/0] 1 running: ktstr/\\x1b[2J\\rx | 0 passed, 0 failed");
}

// A stream buffer that gives the other threads time to write between any
// two writes (its own state is locked: only interleaving can go wrong).
class YieldingBuf : public std::streambuf {
 public:
  std::string text() {
    std::lock_guard lock(mu_);
    return text_;
  }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    {
      std::lock_guard lock(mu_);
      text_.append(s, static_cast<size_t>(n));
    }
    usleep(20);
    return n;
  }
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) {
      const char ch = traits_type::to_char_type(c);
      xsputn(&ch, 1);
    }
    return c;
  }

 private:
  std::mutex mu_;
  std::string text_;
};

TEST(ConsoleReporterThreads, BlocksFromSeveralThreadsNeverInterleave) {
  FakeRun run;
  constexpr int kThreads = 8, kEach = 40, kLines = 6;
  std::vector<std::vector<TestOutcome>> work(kThreads);
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kEach; ++i) {
      std::vector<std::string> reasons;
      for (int l = 0; l < kLines; ++l) reasons.push_back(fmt::format("t{} i{} line {}", t, i, l));
      const auto& inst = run.instance(fmt::format("ktstr/t{}_{}", t, i));
      work[t].push_back(
          outcome(inst, TestStatus::kFail, {{verdict(Verdict::Kind::kFail, reasons), 1}}));
    }
  YieldingBuf buf;
  std::ostream out(&buf);
  ConsoleReporter reporter(out, {.live = true, .width = 120});
  reporter.run_started(run.info, run.plan);
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      ++ready;
      while (ready < kThreads) std::this_thread::yield();
      for (const TestOutcome& o : work[t]) {
        reporter.test_started(*o.instance);
        reporter.test_finished(o);
      }
    });
  for (auto& th : threads) th.join();
  // Every block is its verdict line and then exactly its own reasons.
  std::istringstream lines(buf.text());
  std::string line;
  std::getline(lines, line);  // the run's first line
  int blocks = 0;
  while (std::getline(lines, line)) {
    const size_t at = line.find("FAIL ktstr/t");
    if (at == std::string::npos) continue;
    // Status lines (no newline) may precede it, but the block starts right
    // after an erase, never in the middle of one.
    ASSERT_TRUE(line.substr(0, at).ends_with("\r\x1b[K")) << line;
    int t = 0, i = 0;
    ASSERT_EQ(sscanf(line.c_str() + at, "FAIL ktstr/t%d_%d", &t, &i), 2) << line;
    for (int l = 0; l < kLines; ++l) {
      ASSERT_TRUE(std::getline(lines, line));
      EXPECT_EQ(line, fmt::format("    t{} i{} line {}", t, i, l));
    }
    ++blocks;
  }
  EXPECT_EQ(blocks, kThreads * kEach);
}

// ConsoleStyle::detect on a pseudo-terminal, a pipe and each environment.
class Detect : public ::testing::Test {
 protected:
  void SetUp() override {
    master_ = posix_openpt(O_RDWR | O_NOCTTY);
    ASSERT_GE(master_, 0);
    ASSERT_EQ(grantpt(master_), 0);
    ASSERT_EQ(unlockpt(master_), 0);
    tty_ = open(ptsname(master_), O_RDWR | O_NOCTTY);
    ASSERT_GE(tty_, 0);
    winsize ws{};
    ws.ws_col = 132;
    ws.ws_row = 40;
    ASSERT_EQ(ioctl(tty_, TIOCSWINSZ, &ws), 0);
    for (const char* name : {"NO_COLOR", "TERM"}) {
      const char* v = getenv(name);
      saved_[name] = v ? std::optional<std::string>(v) : std::nullopt;
    }
    unsetenv("NO_COLOR");
    setenv("TERM", "xterm-256color", 1);
  }
  void TearDown() override {
    for (const auto& [name, v] : saved_) {
      if (v)
        setenv(name.c_str(), v->c_str(), 1);
      else
        unsetenv(name.c_str());
    }
    close(tty_);
    close(master_);
  }
  int master_ = -1, tty_ = -1;
  std::map<std::string, std::optional<std::string>> saved_;
};

TEST_F(Detect, ATerminalIsLiveAndColouredAtItsWidth) {
  const ConsoleStyle s = ConsoleStyle::detect(tty_, true);
  EXPECT_TRUE(s.live);
  EXPECT_TRUE(s.colour);
  EXPECT_TRUE(s.verbose);
  EXPECT_EQ(s.width, 132);
  EXPECT_EQ(s.width_fd, tty_);
}

TEST_F(Detect, NoColorWithAValueTurnsColourOffButAnEmptyOneDoesNot) {
  setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(ConsoleStyle::detect(tty_, false).colour);
  EXPECT_TRUE(ConsoleStyle::detect(tty_, false).live);
  setenv("NO_COLOR", "0", 1);  // any value, even "0"
  EXPECT_FALSE(ConsoleStyle::detect(tty_, false).colour);
  setenv("NO_COLOR", "", 1);  // no-color.org: "present and not an empty string"
  EXPECT_TRUE(ConsoleStyle::detect(tty_, false).colour);
}

TEST_F(Detect, ADumbTerminalGetsPlainLines) {
  setenv("TERM", "dumb", 1);
  const ConsoleStyle s = ConsoleStyle::detect(tty_, false);
  EXPECT_FALSE(s.live);
  EXPECT_FALSE(s.colour);
}

TEST_F(Detect, APipeGetsPlainLines) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const ConsoleStyle s = ConsoleStyle::detect(fds[1], false);
  EXPECT_FALSE(s.live);
  EXPECT_FALSE(s.colour);
  EXPECT_EQ(s.width, 80);
  EXPECT_EQ(s.width_fd, -1);
  close(fds[0]);
  close(fds[1]);
}

TEST_F(Detect, TheWidthIsAskedAgainAtEachRedraw) {
  FakeRun run;
  std::ostringstream out;
  ConsoleReporter reporter(out, ConsoleStyle::detect(tty_, false));
  reporter.run_started(run.info, run.plan);
  reporter.test_started(run.instance("ktstr/" + std::string(200, 'n')));
  EXPECT_EQ(reporter.status_line().size(), 131u + 2);  // "…" is 3 bytes, 1 column
  winsize ws{};
  ws.ws_col = 50;
  ASSERT_EQ(ioctl(tty_, TIOCSWINSZ, &ws), 0);
  EXPECT_EQ(reporter.status_line().size(), 49u + 2);
}

}  // namespace
}  // namespace ktstr
