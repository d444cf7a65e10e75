// Reads the merged "checks.*" keys (and the test keys cleanup_budget_ms and
// allow_inconclusive) into typed thresholds. The built-in layer of the merge
// is the schema's "default" annotations (test_resolver.cc builtin_defaults),
// so a key with no value anywhere is simply not checked here, and no
// default is written twice. A value the schema let through but that is not
// of the key's type (it cannot happen after validation) is not checked
// rather than guessed.
#include "runner/checks_from_spec.h"

namespace ktstr {
namespace {

/// Provenance as a user reads it next to a threshold: the file position for
/// a value from a file, else the layer ("built-in", "--set max_gap_ms=500").
std::string provenance(const Origin& o) {
  switch (o.layer) {
    case Origin::Layer::kProject:
    case Origin::Layer::kFileDefaults:
    case Origin::Layer::kTest:
      return o.pos.known() ? o.pos.file_line() : o.describe();
    case Origin::Layer::kBuiltin:
    case Origin::Layer::kDerived:
    case Origin::Layer::kScheduler:
    case Origin::Layer::kCommandLine:
      break;
  }
  return o.describe();
}

template <class T>
void read(const ResolvedTest& t, const std::string& key, Threshold<T>& out) {
  const Setting* s = t.get(key);
  if (!s || s->value.is_null()) return;
  if constexpr (std::is_same_v<T, bool>) {
    if (!s->value.is_boolean()) return;
  } else {
    if (!s->value.is_number()) return;
  }
  out.value = s->value.get<T>();
  out.origin = provenance(s->origin);
}

}  // namespace

Checks checks_from_spec(const ResolvedTest& test) {
  Checks c;
  read(test, "checks.not_starved", c.not_starved);
  read(test, "checks.isolation", c.isolation);
  read(test, "checks.max_gap_ms", c.max_gap_ms);
  read(test, "checks.max_spread_pct", c.max_spread_pct);
  read(test, "checks.max_throughput_cv", c.max_throughput_cv);
  read(test, "checks.min_work_rate", c.min_work_rate);
  read(test, "checks.max_p99_wake_latency_ns", c.max_p99_wake_latency_ns);
  read(test, "checks.max_wake_latency_cv", c.max_wake_latency_cv);
  read(test, "checks.min_iteration_rate", c.min_iteration_rate);
  read(test, "checks.max_migration_ratio", c.max_migration_ratio);
  read(test, "cleanup_budget_ms", c.cleanup_budget_ms);
  read(test, "allow_inconclusive", c.allow_inconclusive);
  return c;
}

}  // namespace ktstr
