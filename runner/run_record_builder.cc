#include "runner/run_record_builder.h"

#include <filesystem>

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
  // Absolute: reeval may run from another directory.
  auto absolute = [](const std::string& p) {
    std::error_code ec;
    const auto a = std::filesystem::absolute(p, ec);
    return ec ? p : a.lexically_normal().string();
  };
  r.test = context.test;
  if (!context.spec_file.empty()) r.spec_file = absolute(context.spec_file);
  for (const std::string& p : context.spec_paths) r.spec_paths.push_back(absolute(p));
  if (r.spec_paths.empty() && !r.spec_file.empty()) r.spec_paths.push_back(r.spec_file);
  return r;
}

}  // namespace ktstr
