// Declarative [[step]] tables on the host: when each step happens, and the
// pre-boot rules (docs/specs.md "Steps"): payload steps are not supported
// yet, a step must act on a cgroup that exists at its time (a [[cgroup]], or
// an add_cgroup step earlier in time, and not removed before), and it must
// happen within duration_s.
#pragma once

#include <optional>
#include <string_view>

#include "runner/diagnostic.h"
#include "runner/spec_catalog.h"
#include "runner/test_resolver.h"

namespace ktstr {

/// Milliseconds of an `at` string ("1500ms", "2s", "0.5s"); nullopt if it is
/// not a number followed by ms or s.
std::optional<double> step_at_ms(std::string_view text);

/// Reports every step of `t` the run would refuse, at the offending key.
void check_steps(const Catalog& catalog, const ResolvedTest& t, Diagnostics& diags);

}  // namespace ktstr
