#include "runner/run_record_builder.h"

namespace ktstr {

RunRecord build_run_record(const VmOutcome& outcome, const GuestTestSpec& spec,
                           const RunContext& context) {
  RunRecord r;
  r.name = context.name;
  r.kernel = context.kernel;
  r.accel = context.accel;
  r.duration_s = spec.duration_s;
  r.declared = spec.topology;
  r.check_topology = context.check_topology;
  r.exit_reason = std::string(to_string(outcome.reason));
  r.exit_detail = outcome.detail;
  for (const auto& f : outcome.findings) r.findings.push_back({f.line, f.detail, f.fatal});
  r.console_tail = outcome.console_tail;
  r.booted = outcome.booted;
  r.result = outcome.result;
  if (outcome.reason != VmExitReason::kInterrupted) r.teardown_ms = outcome.timings.teardown_ms;
  r.expect_err = spec.expect_err;
  r.expect_scx_bpf_error_contains = spec.expect_scx_bpf_error_contains;
  r.expect_scx_bpf_error_matches = spec.expect_scx_bpf_error_matches;
  return r;
}

}  // namespace ktstr
