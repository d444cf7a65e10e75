// The work types and the work_args each accepts (docs/work-types.md): names,
// defaults, ranges and the worker-count divisor. Host and guest share it: the
// agent validates what it is told to run (parse_work), and `check`/`run`
// refuse a worker count the divisor does not divide before any VM boots. The
// schema states the same rules per work type (definitions.cgroup allOf); a
// unit test keeps the two equal.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ktstr {

/// One accepted work_args key. Every argument is a whole number.
struct WorkArgSpec {
  const char* key;
  long long fallback;  ///< used when the key is absent
  long long min;
  long long max;
  const char* doc;  ///< what it sets, for messages and docs
};

/// One work type.
struct WorkTypeSpec {
  const char* name;
  std::vector<WorkArgSpec> args;
  /// Workers come in groups of this many that work together (1 = alone).
  int divisor = 1;
  /// When set, the divisor is this argument's value (mutex_contention's
  /// contenders) plus `divisor_plus`.
  const char* divisor_arg = nullptr;
  int divisor_plus = 0;
};

/// Every work type the agent runs, in the schema's order.
const std::vector<WorkTypeSpec>& work_type_specs();

/// The spec of `name`, or nullptr.
const WorkTypeSpec* find_work_type(std::string_view name);

/// work_args after validation: every key of the type, defaults applied.
struct CheckedWorkArgs {
  std::vector<std::pair<std::string, double>> values;
  int divisor = 1;
};

/// Validates `args` (a JSON object) for work type `name`. Returns "" and fills
/// `out`, or a message naming the key, the rule and the accepted keys.
std::string check_work_args(std::string_view name, const nlohmann::json& args,
                            CheckedWorkArgs& out);

/// "" when `workers` workers of a type with `divisor` can be grouped; else the
/// rule it breaks ("futex_ping_pong needs a worker count divisible by 2, got 3").
std::string check_worker_count(std::string_view name, int divisor, int workers);

}  // namespace ktstr
