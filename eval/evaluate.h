// Evaluation: the verdict of one test from its run record and its thresholds.
// A pure function of its inputs (no I/O, no clock), called by a VM run, a
// host_only run and `ktstr-run reeval` alike. This library links neither vmm
// nor QEMU; the build enforces it (eval/CMakeLists.txt).
#pragma once

#include <string>
#include <vector>

#include "eval/checks.h"
#include "eval/run_record.h"

namespace ktstr {

/// One row of the per-cgroup table printed under a FAIL (and a PASS with -v).
struct CgroupRow {
  std::string cgroup;
  int workers = 0;
  std::string cpus;        ///< CPUs used by its workers, as a list ("0-1,3")
  double spread_pct = -1;  ///< off-CPU spread; < 0 = not computable (one worker)
  double worst_gap_ms = 0;
  std::uint64_t migrations = 0;
  std::uint64_t iterations = 0;
  double p99_wake_us = -1;  ///< < 0 = no wake samples
};

/// PASS, FAIL, SKIP or INCONCLUSIVE with the reasons a user reads. Each
/// reason is a runner-written sentence; guest text in it is quoted
/// (eval/guest_text.h rules).
struct Verdict {
  enum class Kind { kPass, kFail, kSkip, kInconclusive };
  Kind kind = Kind::kFail;
  std::vector<std::string> reasons;
  /// Per-cgroup summary of the telemetry (empty when there was none).
  std::vector<CgroupRow> table;
  /// The scenario's own detail lines (plugin details), also for a PASS.
  std::vector<std::string> details;
  /// What evaluation could not judge and why (a spread of one worker, no
  /// wake samples, an INCONCLUSIVE counted as PASS): not a failure, shown
  /// under -v.
  std::vector<std::string> notes;
  /// The sched_ext failure dump (BPF maps, SysRq-D; eval/failure_dump.h),
  /// runner-written headings over quoted guest text. The console shows it
  /// only when the verdict is not PASS; "" when the guest captured none.
  std::string failure_dump;
  static const char* name(Kind k);
};

/// Judges `record` against `checks`: a run that did not complete, a console
/// that shows a panic, a topology other than the declared one, a failing
/// scenario, then every [checks] threshold over the telemetry, then
/// expect_err / expect_scx_bpf_error_*, then cleanup_budget_ms.
Verdict evaluate(const RunRecord& record, const Checks& checks);

/// The text a sched_ext failure is matched against: the kernel's exit message
/// (data.scheduler.exit_message, `sched_ext: OPS: MESSAGE`) first, then the
/// agent's data.scheduler.error_text (exit kind, reason, kernel lines, output
/// tail), or else the result's details, plus the console's sched_ext findings.
std::string scx_error_text(const RunRecord& record);

/// The kernel's exit message of the scheduler (data.scheduler.exit_message),
/// "" when there was none.
std::string scx_exit_message(const RunRecord& record);

}  // namespace ktstr
