// The typed thresholds of a resolved test: every evaluated [checks] key and
// the test keys evaluation reads, with where each value came from. The
// built-in values are the schema's defaults (the resolver's built-in layer),
// so no default is repeated here.
#pragma once

#include "eval/checks.h"
#include "runner/test_resolver.h"

namespace ktstr {

/// The thresholds `test` is judged against. Provenance reads like
/// "examples/01-declarative/two_cgroups.toml:26", "built-in", "--set
/// max_gap_ms=500" or "ktstr.toml:12".
Checks checks_from_spec(const ResolvedTest& test);

}  // namespace ktstr
