// The SDK's value types written the ways docs/plugins.md shows them: aggregate
// initialisation naming only the first members, fluent setters, helpers. The
// plugins.docs_style test compiles this (and the docs' own snippets) with
// -Wall -Wextra -Werror: a plugin author following the docs sees no warning.
#include <ktstr/scenario.h>

KTSTR_SCENARIO(docs_style_aggregates) {
  std::vector<ktstr::CgroupDef> defs = {
      ktstr::CgroupDef{"wide"}.with_workers(4),
      ktstr::CgroupDef{"narrow", 2},
      ktstr::CgroupDef{"bursty", 2, ktstr::WorkType::bursty(5, 20)},
      ktstr::CgroupDef{"pinned", 1, ktstr::WorkType{"spin"}, "llc:0"},
  };
  std::vector<ktstr::Step> steps = {
      ktstr::Step{0.5},
      ktstr::Step{0.0, 500, ktstr::Op::clear_cpuset, "wide"},
      ktstr::Step::set_cpuset_at(0.5, "narrow", "llc:0"),
  };
  ktstr::AssertResult r{true};
  r.check(ktstr::Status{}, "status");
  ktstr::Topology t{};
  r.expect(t.num_cpus() == 0, "empty topology");
  return r.merge(ktstr::execute_steps(ctx, defs, steps));
}
