// Turns a cpuset expression of a spec or plugin ("llc:1", "numa:0", "0-3,6",
// "disjoint:1/2", "range:0.0-0.5") into CPU ids of the observed topology.
#pragma once

#include <ktstr/detail/assert_result.h>
#include <ktstr/detail/topology.h>

#include <string_view>
#include <vector>

namespace ktstr {

/// Resolves `text` against `topology` into sorted CPU ids. Errors name the
/// expression, the rule it breaks and the accepted forms.
Status resolve_cpuset_expr(std::string_view text, const Topology& topology, std::vector<int>& cpus);

}  // namespace ktstr
