// What one load of a verifier sweep left in its sidecar (result.json): which
// scheduler under which flag profile, whether it attached, each struct_ops
// program's verified instruction count (the agent's
// data.scheduler.bpf.programs), and the scheduler's output tail. Everything
// under the agent's result is guest text: the reader checks every type and
// range, turns what it cannot use into one sentence in `problems`, and never
// throws.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ktstr {

/// The sweep's synthetic tests are named "verifier.<scheduler>" (full name
/// "ktstr/verifier.<scheduler>[/<profile>]").
inline constexpr const char* kVerifierTestPrefix = "verifier.";

/// The most programs read from one load; more are a problem (guest garbage).
inline constexpr size_t kMaxProgramsPerLoad = 256;

/// The largest verified_insns accepted: bpf_prog_info.verified_insns is a __u32.
inline constexpr std::uint64_t kMaxVerifiedInsns = 0xffffffffu;

/// One struct_ops program of a loaded scheduler.
struct ProgramCount {
  std::string name;  ///< guest text (escape it to print)
  /// The verifier's processed-instruction count; nullopt when the agent's
  /// value was missing or not a count (see VerifierLoad::problems).
  std::optional<std::uint64_t> verified_insns;
};

/// One instance of the sweep, as read back from its sidecar.
struct VerifierLoad {
  std::string scheduler;             ///< from the test name, host-written
  std::string profile;               ///< "" for the plain profile
  std::string instance;              ///< the instance's full name
  std::string status;                ///< "PASS", "FAIL", "ERROR", "SKIP", ...
  std::vector<std::string> reasons;  ///< the verdict's reasons (host-written, may quote guest text)
  bool attached = false;             ///< data.scheduler.ops was set: the scheduler attached
  /// data.scheduler.bpf.programs was present (an agent without it records none).
  bool programs_recorded = false;
  std::vector<ProgramCount> programs;  ///< in the agent's order
  std::string output_tail;             ///< the scheduler's output tail (guest text, collapsed)
  /// Why the agent says it failed (data.scheduler.exit_reason, guest text), or "".
  std::string exit_reason;
  std::vector<std::string> problems;  ///< what in the sidecar could not be used
  /// True when the load did not end in a PASS.
  bool failed() const { return status != "PASS"; }
};

/// Reads one sidecar. nullopt when it is not a sweep instance (its "test" is
/// not "verifier.<scheduler>"); otherwise a load whatever the rest holds.
std::optional<VerifierLoad> read_verifier_load(const nlohmann::json& sidecar);

/// The sweep instances among `sidecars` (null entries are skipped), in order.
std::vector<VerifierLoad> read_verifier_loads(const std::vector<nlohmann::json>& sidecars);

}  // namespace ktstr
