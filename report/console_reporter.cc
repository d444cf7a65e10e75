// The console reporter. Each event turns into one string written with one
// call under a lock: on a pipe a finished test's whole block; on a terminal
// "\r\x1b[K" (erase the status line), the block, then the redrawn status
// line, so a block never lands in the middle of the status line and two
// blocks never mix. Blocks reuse print_verdict(), which escapes guest text;
// every other name or path printed here goes through escape_guest_line too.
//
// The ETA is deliberately crude: the mean time of the tests finished so far,
// times the tests left, divided by the jobs that run at once. It is redrawn
// on every event (there is no ticker thread), so it jumps rather than counts
// down.
#include "report/console_reporter.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string_view>

#include "eval/guest_text.h"
#include "report/console_report.h"

namespace ktstr {

namespace {

constexpr std::string_view kEraseLine = "\r\x1b[K";

int terminal_width(int fd) {
  winsize ws{};
  if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

// Columns `s` takes: escaped text is ASCII plus printable UTF-8, one column
// per code point (wide CJK characters are counted as one; good enough here).
size_t columns(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The first `cols` columns of `s`, cut at a code point boundary.
std::string_view first_columns(std::string_view s, size_t cols) {
  size_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (seen++ == cols) return s.substr(0, i);
  }
  return s;
}

// `s` in at most `cols` columns, ending in "…" when cut.
std::string fit(std::string_view s, size_t cols) {
  if (columns(s) <= cols) return std::string(s);
  if (cols == 0) return "";
  return std::string(first_columns(s, cols - 1)) + "…";
}

// Every line of `text` escaped, the first indented by `first`, the rest by `rest`.
void append_lines(std::string& out, std::string_view text, int first, int rest) {
  int indent = first;
  for (;;) {
    const size_t nl = text.find('\n');
    out += std::string(static_cast<size_t>(indent), ' ') + escape_guest_line(text.substr(0, nl)) +
           "\n";
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
    indent = rest;
  }
}

const char* colour_of(TestStatus status) {
  switch (status) {
    case TestStatus::kPass:
      return "\x1b[32m";  // green
    case TestStatus::kFail:
    case TestStatus::kInconclusive:
      return "\x1b[31m";  // red
    case TestStatus::kFlaky:
    case TestStatus::kSkip:
    case TestStatus::kNotRun:
      return "\x1b[33m";  // yellow
  }
  return "";
}

// The attempts before the last, each "attempt K/N failed: REASON" with the
// rest of its reasons under it (a FLAKY's failures, a FAIL's earlier tries).
void append_earlier_attempts(std::string& text, const std::vector<Attempt>& attempts) {
  const size_t n = attempts.size();
  for (size_t i = 0; i + 1 < n; ++i) {
    const Verdict& v = attempts[i].verdict;
    std::string head = fmt::format("attempt {}/{} failed", i + 1, n);
    if (v.kind != Verdict::Kind::kFail) head += fmt::format(" ({})", Verdict::name(v.kind));
    if (!v.reasons.empty()) head += ": " + v.reasons[0];
    append_lines(text, head, 4, 8);
    for (size_t r = 1; r < v.reasons.size(); ++r) append_lines(text, v.reasons[r], 8, 8);
  }
}

// One finished test as the console shows it, colour aside.
std::string format_block(const TestOutcome& outcome, bool verbose) {
  const std::string name = outcome.instance ? outcome.instance->display_name() : "?";
  std::string text;
  if (outcome.status == TestStatus::kNotRun) {
    text = "NOT-RUN " + escape_guest_line(name) + "\n";
    for (const std::string& reason : outcome.verdict.reasons) append_lines(text, reason, 4, 4);
    return text;
  }
  std::ostringstream out;
  print_verdict(out, name, outcome.verdict, outcome.seconds, {.verbose = verbose});
  text = out.str();
  if (outcome.status == TestStatus::kFlaky) {
    // print_verdict wrote the passing attempt's "PASS ..."; the run calls it FLAKY.
    text = std::string(status_name(TestStatus::kFlaky)) + text.substr(text.find(' '));
  }
  append_earlier_attempts(text, outcome.attempts);
  return text;
}

std::string eta(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

ConsoleStyle ConsoleStyle::detect(int fd, bool verbose) {
  ConsoleStyle style;
  style.verbose = verbose;
  const char* term = std::getenv("TERM");
  const bool dumb = term && std::strcmp(term, "dumb") == 0;
  const char* no_colour = std::getenv("NO_COLOR");
  const bool tty = isatty(fd) == 1;
  style.live = tty && !dumb;
  style.colour = tty && !dumb && !(no_colour && no_colour[0] != '\0');
  if (tty) {
    style.width = terminal_width(fd);
    style.width_fd = fd;
  }
  return style;
}

void ConsoleReporter::write(const std::string& text) {
  out_.write(text.data(), static_cast<std::streamsize>(text.size()));
  out_.flush();
}

void ConsoleReporter::run_started(const RunInfo& info, const Plan& plan) {
  std::lock_guard lock(mu_);
  info_ = info;
  if (info_.kernels.empty()) info_.kernels = plan.kernels;
  total_ = plan.instances.size() + plan.ignored.size();
  counts_ = {};
  running_.clear();
  finished_seconds_ = 0;
  finished_ran_ = 0;
  start_ = std::chrono::steady_clock::now();
  std::string kernels;
  for (const PlanKernel& k : info_.kernels)
    kernels += (kernels.empty() ? "" : ", ") + escape_guest_line(k.label);
  if (info_.kernels.size() > 1)
    kernels = fmt::format("{} kernels ({})", info_.kernels.size(), kernels);
  if (kernels.empty()) kernels = "the host";
  write(fmt::format("ktstr-run: {} test{} on {}{}, runs in {}\n", total_, total_ == 1 ? "" : "s",
                    kernels, info_.accel.empty() ? "" : " (" + escape_guest_line(info_.accel) + ")",
                    escape_guest_line(info_.run_dir.string())) +
        redraw());
}

void ConsoleReporter::test_started(const TestInstance& instance) {
  std::lock_guard lock(mu_);
  running_.emplace_back(instance.key(), escape_guest_line(instance.display_name()));
  if (style_.live) write(redraw());
}

void ConsoleReporter::test_retrying(const TestInstance& /*instance*/, int /*attempt*/,
                                    const Verdict& /*failed*/) {
  // The finished block lists every failed attempt; nothing to say before.
}

void ConsoleReporter::test_finished(const TestOutcome& outcome) {
  std::string block = format_block(outcome, style_.verbose);
  if (style_.colour) {
    const size_t word = block.find(' ');
    block = colour_of(outcome.status) + block.substr(0, word) + "\x1b[0m" + block.substr(word);
  }
  std::lock_guard lock(mu_);
  if (outcome.instance) {
    const auto it = std::find_if(running_.begin(), running_.end(),
                                 [&](const auto& r) { return r.first == outcome.instance->key(); });
    if (it != running_.end()) running_.erase(it);
  }
  counts_.add(outcome.status);
  if (!outcome.attempts.empty()) {
    finished_seconds_ += outcome.seconds;
    ++finished_ran_;
  }
  write(style_.live ? std::string(kEraseLine) + block + redraw() : block);
}

void ConsoleReporter::run_finished(const RunSummary& summary) {
  std::lock_guard lock(mu_);
  const StatusCounts& c = summary.counts;
  std::string text = style_.live ? std::string(kEraseLine) : "";
  text += fmt::format("{} passed, {} failed", c.pass, c.fail);
  if (c.inconclusive) text += fmt::format(", {} inconclusive", c.inconclusive);
  if (c.flaky) text += fmt::format(", {} flaky", c.flaky);
  text += fmt::format(", {} skipped", c.skip);
  if (c.not_run) text += fmt::format(", {} not run", c.not_run);
  text += "\n";
  const std::string dir = escape_guest_line(info_.run_dir.string());
  if (summary.fail_fast_stopped && !summary.interrupted)
    text += "ktstr-run: --fail-fast: stopped after the first failure\n";
  if (summary.interrupted)
    text += "ktstr-run: interrupted; partial results in " + dir + "\n";
  else if (!info_.run_dir.empty())
    text += "ktstr-run: results in " + dir + "\n";
  write(text);
}

std::string ConsoleReporter::status_line() const {
  std::lock_guard lock(mu_);
  return redraw().substr(style_.live ? kEraseLine.size() : 0);
}

std::string ConsoleReporter::redraw() const {
  if (!style_.live) return "";
  const int width = style_.width_fd >= 0 ? terminal_width(style_.width_fd) : style_.width;
  const size_t max = static_cast<size_t>(std::max(width, 2) - 1);
  const int done = counts_.total();
  const std::string prefix = fmt::format("[{}/{}] {} running", done, total_, running_.size());
  std::string names;
  for (const auto& [key, name] : running_) names += (names.empty() ? ": " : ", ") + name;
  std::string suffix =
      fmt::format(" | {} passed, {} failed", counts_.pass, counts_.fail + counts_.inconclusive);
  if (counts_.flaky) suffix += fmt::format(", {} flaky", counts_.flaky);
  if (counts_.skip) suffix += fmt::format(", {} skipped", counts_.skip);
  const size_t left = total_ > static_cast<size_t>(done) ? total_ - done : 0;
  if (finished_ran_ > 0 && left > 0) {
    const double mean = finished_seconds_ / finished_ran_;
    suffix += " | ETA " + eta(mean * static_cast<double>(left) / std::max(1, info_.jobs));
  }
  std::string line;
  const size_t fixed = columns(prefix) + columns(suffix);
  if (fixed + columns(names) <= max)
    line = prefix + names + suffix;
  else if (fixed + 3 <= max)  // room for ": " and one column of names
    line = prefix + fit(names, max - fixed) + suffix;
  else
    line = fit(prefix + suffix, max);
  return std::string(kEraseLine) + line;
}

}  // namespace ktstr
