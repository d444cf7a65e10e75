// The verifier sweep as ordinary tests: for each swept [scheduler.NAME], a
// synthetic spec file declares `[test."verifier.NAME"]` that runs it on a tiny
// topology (1n1l2c1t, unless the scheduler declares its own) for 1 s with one
// cgroup and the starvation check off, and an -E expression selects exactly
// these tests (the plain profile, or every flag profile). `ktstr-run verifier`
// runs them through the same passes as `ktstr-run run`, so a load here is a
// load there.
#pragma once

#include <string>
#include <vector>

#include "runner/spec_pipeline.h"

namespace ktstr {

/// The topology of a sweep's VM when the scheduler declares none.
inline constexpr const char* kVerifierTopology = "1n1l2c1t";

/// The swept schedulers: every [scheduler.NAME] of `catalog` (sorted by
/// name), or `wanted` (each must exist). Returns "" or the error: an
/// unknown name with a did-you-mean and the declared ones, or no scheduler
/// in `paths` at all.
std::string pick_sweep_schedulers(const Catalog& catalog, const std::vector<std::string>& wanted,
                                  const std::vector<std::string>& paths,
                                  std::vector<std::string>* out);

/// The synthetic spec of a sweep and the expression selecting its tests.
struct SweepSpec {
  std::string toml;         ///< the spec file's text
  std::string filter_expr;  ///< an -E expression matching exactly the sweep's instances
};

/// Builds the sweep of `schedulers` (names in `specs.catalog`). A scheduler
/// with a config_file takes the `config` of the first test using it.
/// Returns "" or the error (such a scheduler with no test that sets one).
std::string make_sweep_spec(const LoadedSpecs& specs, const std::vector<std::string>& schedulers,
                            bool all_profiles, SweepSpec* out);

/// `text` as a TOML basic string, quotes included.
std::string toml_quote(const std::string& text);

}  // namespace ktstr
