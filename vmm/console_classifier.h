// Incremental classification of a VM's serial console: finds kernel panics,
// oopses, RCU stalls, initramfs and memory failures, the death of the agent
// (PID 1) and sched_ext disable messages, and keeps a bounded tail of the text
// for verdicts. The console is untrusted guest output: memory stays bounded
// whatever arrives (long lines are truncated, findings and tail are capped),
// and every string it hands out is valid UTF-8 (ill-formed bytes become U+FFFD).
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace ktstr {

/// What a console line revealed.
enum class FindingKind {
  kKernelPanic,       ///< "Kernel panic - not syncing: REASON"
  kOops,              ///< "Oops: ..."
  kBug,               ///< "BUG: ..." (NULL dereference, soft lockup, ...)
  kRcuStall,          ///< "rcu: INFO: rcu_sched|rcu_preempt detected stalls"
  kInitramfsFailed,   ///< "Initramfs unpacking failed: ..."
  kOutOfMemory,       ///< "Out of memory: ..." or an oom-kill record
  kFortifyPanic,      ///< "fortify_panic"
  kAgentDied,         ///< "Attempted to kill init! exitcode=0x..."
  kSchedExtDisabled,  ///< sched_ext: BPF scheduler "X" disabled (REASON)
};

/// Stable lower-case name of a finding kind ("kernel_panic", "agent_died", ...).
std::string_view to_string(FindingKind kind);

/// One classified console line.
struct ConsoleFinding {
  FindingKind kind;
  std::string line;        ///< the console line (timestamp included, truncated to the line cap)
  std::string detail;      ///< panic reason, exit code, "SCHED: REASON", ... ("" if none)
  size_t line_number = 0;  ///< 1-based line number in the console stream
  /// False for events that are normal in a passing run (a sched_ext scheduler
  /// unregistered by its own user-space side at the end of a test).
  bool fatal = true;
};

/// Scans console text as it arrives, in pieces of any size.
class ConsoleClassifier {
 public:
  /// `tail_bytes`: size of the kept tail; `max_line`: longer lines are
  /// truncated to this many bytes; `max_findings`: findings kept (later ones
  /// are only counted).
  explicit ConsoleClassifier(size_t tail_bytes = 16 * 1024, size_t max_line = 4096,
                             size_t max_findings = 64);

  /// Feeds console bytes; complete lines are classified immediately.
  void feed(std::string_view bytes);
  /// Classifies a final line without a newline (call at end of stream).
  void finish();

  /// Findings in console order (at most max_findings).
  const std::vector<ConsoleFinding>& findings() const { return findings_; }
  /// Findings beyond max_findings that were dropped.
  size_t dropped_findings() const { return dropped_findings_; }
  /// The first finding of `kind`, or nullptr.
  const ConsoleFinding* first(FindingKind kind) const;
  /// True if any fatal finding was seen.
  bool has_fatal() const;
  /// Complete lines seen so far.
  size_t lines() const { return line_count_; }
  /// Total bytes fed.
  size_t bytes() const { return bytes_; }
  /// The last `tail_bytes` of the console (plus the pending partial line),
  /// starting at a line boundary when possible.
  std::string tail() const;

 private:
  void end_line();
  void classify(std::string_view line);
  void add(FindingKind kind, std::string_view line, std::string detail, bool fatal = true);
  void remember(std::string_view line);

  size_t tail_bytes_;
  size_t max_line_;
  size_t max_findings_;
  std::string partial_;  ///< current incomplete line (at most max_line_ bytes)
  bool partial_truncated_ = false;
  std::deque<std::string> tail_;  ///< last complete lines
  size_t tail_size_ = 0;          ///< bytes in tail_ (with newlines)
  std::vector<ConsoleFinding> findings_;
  size_t dropped_findings_ = 0;
  size_t line_count_ = 0;
  size_t bytes_ = 0;
};

}  // namespace ktstr
