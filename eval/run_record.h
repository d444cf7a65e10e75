// The per-test run record: everything the host knows of one finished test
// that a verdict depends on, as plain data. A VM run builds it from the VM's
// outcome (runner/run_record_builder.cc) and stores it in result.json under
// "record"; `ktstr-run reeval` reads it back and evaluates it again against
// the current specs. Later stages (stats, plots, temporal assertions) read
// the same record instead of re-running anything.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "guest/protocol/test_spec.h"

namespace ktstr {

/// Bumped on any incompatible change of RunRecord's JSON form; reeval refuses
/// records of another version with a message naming both.
inline constexpr int kRunRecordVersion = 1;

/// One line the console classifier flagged (panic, oops, sched_ext error, ...).
struct ConsoleNote {
  std::string line;    ///< guest text (untrusted)
  std::string detail;  ///< guest text (untrusted)
  bool fatal = false;
};

/// What one test run produced, and what it was expected to do.
struct RunRecord {
  int version = kRunRecordVersion;
  std::string name;  ///< full test name, with the kernel suffix when several
  std::string kernel;
  std::string accel;      ///< "kvm" | "tcg" | "host"
  double duration_s = 0;  ///< the scenario duration asked for
  TopologySpec declared;
  bool check_topology = true;  ///< false for host_only (the host's topology)
  // How the run ended (vmm's VmExitReason as its stable name: "done",
  // "panic", "boot_timeout", "scenario_timeout", "hard_timeout",
  // "qemu_failed", "agent_died", "interrupted").
  std::string exit_reason = "qemu_failed";
  std::string exit_detail;  ///< the supervisor's sentence (may quote guest text)
  std::vector<ConsoleNote> findings;
  std::string console_tail;           ///< guest text
  nlohmann::json booted;              ///< the agent's "booted" frame, or null (untrusted)
  nlohmann::json result;              ///< the agent's last "result" frame, or null (untrusted)
  std::optional<double> teardown_ms;  ///< host-side VM teardown, when measured
  // The test's expectations, as they were when it ran (reeval takes the
  // current spec's values instead).
  bool expect_err = false;
  std::string expect_scx_bpf_error_contains;
  std::string expect_scx_bpf_error_matches;
  // Where the test came from, for `ktstr-run reeval` to find its current spec.
  std::string test;                     ///< the spec's test name ("two_cgroups"), no prefix
  std::string spec_file;                ///< absolute path of the file declaring the test
  std::vector<std::string> spec_paths;  ///< the run's PATH arguments, absolute

  bool completed() const { return exit_reason == "done"; }
  bool interrupted() const { return exit_reason == "interrupted"; }
};

/// The record as JSON (result.json's "record").
void to_json(nlohmann::json& j, const RunRecord& r);
/// Throws nlohmann::json exceptions on a malformed record; a record of
/// another version throws out_of_range naming both versions.
void from_json(const nlohmann::json& j, RunRecord& r);
/// from_json() without exceptions: "" on success, else the reason as a
/// sentence without nlohmann's "[json.exception...]" prefix ("this record is
/// format 0; this ktstr-run reads format 1: re-run the test").
std::string read_run_record(const nlohmann::json& j, RunRecord& r);

}  // namespace ktstr
