// Line-oriented matcher over the guest console. Bytes are split at '\n' (a
// '\r' before it is dropped); each complete line is checked against a small
// table of substrings the kernel prints verbatim, so no regex engine runs over
// untrusted text. A line longer than the cap is truncated for matching and for
// the tail, and the rest of it is skipped up to the next newline. Console
// bytes become text here: every line (and the pending partial one) is decoded
// as UTF-8 with replacement, so findings and the tail are always valid UTF-8.
#include "vmm/console_classifier.h"

#include <algorithm>
#include <cstdlib>

#include "guest/protocol/valid_utf8.h"

namespace ktstr {
namespace {

bool contains(std::string_view s, std::string_view what) {
  return s.find(what) != std::string_view::npos;
}

/// The text after `marker` in `line`, trimmed ("" if absent).
std::string after(std::string_view line, std::string_view marker) {
  size_t at = line.find(marker);
  if (at == std::string_view::npos) return "";
  std::string_view rest = line.substr(at + marker.size());
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  while (!rest.empty() &&
         (rest.back() == ' ' || rest.back() == '\t' || rest.back() == ']' || rest.back() == '-')) {
    rest.remove_suffix(1);
  }
  return std::string(rest);
}

/// "exitcode=0x0000000b (killed by signal 11)" from the kill-init line.
std::string agent_exit_detail(std::string_view line) {
  size_t at = line.find("exitcode=");
  if (at == std::string_view::npos) return "";
  std::string_view code = line.substr(at + 9);
  size_t end = code.find_first_of(" \t");
  if (end != std::string_view::npos) code = code.substr(0, end);
  std::string detail = "exitcode=" + std::string(code);
  // The value is the wait status of PID 1: low 7 bits a signal, else exit code << 8.
  std::string digits(code);
  char* stop = nullptr;
  unsigned long status = std::strtoul(digits.c_str(), &stop, 0);
  if (stop != digits.c_str() && *stop == '\0') {
    if ((status & 0x7f) != 0) {
      detail += " (killed by signal " + std::to_string(status & 0x7f) + ")";
    } else {
      detail += " (exit status " + std::to_string((status >> 8) & 0xff) + ")";
    }
  }
  return detail;
}

/// Exit reasons of a scheduler that left on purpose (sched_ext's SCX_EXIT_UNREG*).
bool is_normal_scx_exit(std::string_view reason) {
  return reason.starts_with("unregistered from user space") ||
         reason.starts_with("unregistered from BPF");
}

}  // namespace

std::string_view to_string(FindingKind kind) {
  switch (kind) {
    case FindingKind::kKernelPanic:
      return "kernel_panic";
    case FindingKind::kOops:
      return "oops";
    case FindingKind::kBug:
      return "bug";
    case FindingKind::kRcuStall:
      return "rcu_stall";
    case FindingKind::kInitramfsFailed:
      return "initramfs_unpacking_failed";
    case FindingKind::kOutOfMemory:
      return "out_of_memory";
    case FindingKind::kFortifyPanic:
      return "fortify_panic";
    case FindingKind::kAgentDied:
      return "agent_died";
    case FindingKind::kSchedExtDisabled:
      return "sched_ext_disabled";
  }
  return "unknown";
}

ConsoleClassifier::ConsoleClassifier(size_t tail_bytes, size_t max_line, size_t max_findings)
    : tail_bytes_(tail_bytes),
      max_line_(std::max<size_t>(max_line, 80)),
      max_findings_(max_findings) {}

void ConsoleClassifier::feed(std::string_view bytes) {
  bytes_ += bytes.size();
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    std::string_view piece = bytes.substr(0, nl);
    if (!partial_truncated_) {
      size_t room = max_line_ - partial_.size();
      if (piece.size() > room) {
        partial_.append(piece.substr(0, room));
        partial_truncated_ = true;
      } else {
        partial_.append(piece);
      }
    }
    if (nl == std::string_view::npos) break;
    end_line();
    bytes.remove_prefix(nl + 1);
  }
}

void ConsoleClassifier::finish() {
  if (!partial_.empty()) end_line();
}

void ConsoleClassifier::end_line() {
  if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
  ++line_count_;
  const std::string line = make_valid_utf8(partial_);
  classify(line);
  remember(line);
  partial_.clear();
  partial_truncated_ = false;
}

void ConsoleClassifier::classify(std::string_view line) {
  if (contains(line, "Kernel panic - not syncing") && !contains(line, "---[ end Kernel panic")) {
    add(FindingKind::kKernelPanic, line, after(line, "Kernel panic - not syncing:"));
  }
  if (contains(line, "Attempted to kill init")) {
    add(FindingKind::kAgentDied, line, agent_exit_detail(line));
  }
  if (contains(line, "Oops: ") || contains(line, "Oops#")) {
    add(FindingKind::kOops, line, after(line, "Oops:"));
  }
  if (contains(line, "BUG: ")) add(FindingKind::kBug, line, after(line, "BUG:"));
  if (contains(line, "rcu") && contains(line, "detected stall")) {
    std::string flavor = contains(line, "rcu_preempt") ? "rcu_preempt"
                         : contains(line, "rcu_sched") ? "rcu_sched"
                                                       : "rcu";
    add(FindingKind::kRcuStall, line, flavor);
  }
  if (contains(line, "Initramfs unpacking failed")) {
    add(FindingKind::kInitramfsFailed, line, after(line, "Initramfs unpacking failed:"));
  }
  if (contains(line, "Out of memory") || contains(line, "out of memory: Killed process") ||
      contains(line, "oom-kill")) {
    // One OOM event prints several matching lines; report it once.
    bool recent = !findings_.empty() && findings_.back().kind == FindingKind::kOutOfMemory &&
                  line_count_ - findings_.back().line_number < 100;
    if (!recent) add(FindingKind::kOutOfMemory, line, "");
  }
  if (contains(line, "fortify_panic")) add(FindingKind::kFortifyPanic, line, "");
  constexpr std::string_view kScx = "sched_ext: BPF scheduler \"";
  if (size_t at = line.find(kScx); at != std::string_view::npos) {
    std::string_view rest = line.substr(at + kScx.size());
    size_t quote = rest.find('"');
    if (quote != std::string_view::npos && rest.substr(quote + 1).starts_with(" disabled")) {
      std::string_view name = rest.substr(0, quote);
      std::string_view tail = rest.substr(quote + 1);
      std::string_view reason;
      size_t open = tail.find('(');
      size_t close = tail.rfind(')');
      if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
        reason = tail.substr(open + 1, close - open - 1);
      }
      add(FindingKind::kSchedExtDisabled, line, std::string(name) + ": " + std::string(reason),
          !is_normal_scx_exit(reason));
    }
  }
}

void ConsoleClassifier::add(FindingKind kind, std::string_view line, std::string detail,
                            bool fatal) {
  if (findings_.size() >= max_findings_) {
    ++dropped_findings_;
    return;
  }
  findings_.push_back(
      ConsoleFinding{kind, std::string(line), std::move(detail), line_count_, fatal});
}

void ConsoleClassifier::remember(std::string_view line) {
  tail_.emplace_back(line);
  tail_size_ += line.size() + 1;
  while (tail_size_ > tail_bytes_ && tail_.size() > 1) {
    tail_size_ -= tail_.front().size() + 1;
    tail_.pop_front();
  }
  if (tail_size_ > tail_bytes_) {  // a single line longer than the tail
    std::string& only = tail_.front();
    only.erase(0, only.size() + 1 - tail_bytes_);
    only = make_valid_utf8(only);  // the cut may have split a character
    tail_size_ = only.size() + 1;
  }
}

const ConsoleFinding* ConsoleClassifier::first(FindingKind kind) const {
  for (const ConsoleFinding& f : findings_) {
    if (f.kind == kind) return &f;
  }
  return nullptr;
}

bool ConsoleClassifier::has_fatal() const {
  return std::any_of(findings_.begin(), findings_.end(),
                     [](const ConsoleFinding& f) { return f.fatal; });
}

std::string ConsoleClassifier::tail() const {
  std::string out;
  out.reserve(tail_size_ + partial_.size());
  for (const std::string& line : tail_) {
    out += line;
    out += '\n';
  }
  out += make_valid_utf8(partial_);
  return out;
}

}  // namespace ktstr
