#include "runner/run_options.h"

#include <fmt/format.h>

#include "runner/edit_distance.h"

namespace ktstr {

std::optional<ReporterSpec> parse_reporter(const std::string& text, std::string* error) {
  const auto eq = text.find('=');
  const std::string kind = text.substr(0, eq);
  if (eq == std::string::npos || eq + 1 == text.size()) {
    *error = fmt::format(
        "--reporter '{}': expected KIND=PATH (junit=report.xml or json=summary.json)", text);
    return std::nullopt;
  }
  ReporterSpec r;
  r.path = text.substr(eq + 1);
  if (kind == "junit") {
    r.kind = ReporterSpec::Kind::kJunit;
  } else if (kind == "json") {
    r.kind = ReporterSpec::Kind::kJson;
  } else {
    *error = fmt::format("--reporter '{}': unknown reporter '{}'{}; known: junit, json", text, kind,
                         did_you_mean(kind, {"junit", "json"}));
    return std::nullopt;
  }
  return r;
}

void add_run_options(CLI::App* run, RunOptions& o) {
  // take_all() is not used anywhere: each option takes exactly one value per
  // occurrence, so a path after an option is a path.
  auto one = [](CLI::Option* opt) { return opt->allow_extra_args(false); };
  run->add_option("paths", o.specs.paths, "Spec files or directories")->required();
  one(run->add_option("--kernel", o.kernels,
                      "Kernel: cache label, bzImage or built tree (repeatable; KTSTR_KERNEL)"));
  run->add_option("--accel", o.accel, "auto | kvm | tcg (default: [run] accel, else auto)")
      ->envname("KTSTR_ACCEL");
  one(run->add_option("-f,--filter", o.filters, "Only tests whose name contains this (repeatable)")
          ->envname("KTSTR_FILTER"));
  one(run->add_option("-E,--filter-expr", o.exprs,
                      "Only tests in this filter expression, e.g. 'test(/^ktstr\\/fair/) & "
                      "!kernel(cloud)' (repeatable; docs/filtering.md)")
          ->envname("KTSTR_FILTER_EXPR"));
  one(run->add_option("--set", o.specs.sets, "Override a setting for every test (KEY=VALUE)"));
  one(run->add_option("--plugin-path", o.specs.plugin_paths,
                      "Extra directory to search for plugins"));
  run->add_option("--run-dir", o.run_dir, "Where run directories go (default ktstr-runs)")
      ->envname("KTSTR_RUN_DIR");
  run->add_flag("--run-ignored", o.run_ignored, "Also run tests marked ignore = true")
      ->envname("KTSTR_RUN_IGNORED");
  run->add_flag("--list", o.list, "Print the tests that would run, one per line; run nothing");
  run->add_flag("--gauntlet", o.gauntlet,
                "Also run each test's gauntlet variants: every topology preset that satisfies its "
                "[gauntlet] constraints and fits the host")
      ->envname("KTSTR_GAUNTLET");
  run->add_option("--budget", o.budget_s,
                  "Run only the tests that cover the most configurations per estimated second "
                  "within SECS seconds (docs/gauntlet.md)")
      ->envname("KTSTR_BUDGET_SECS");
  run->add_option("--no-tests", o.no_tests,
                  "When no test matches: fail (exit 4, the default), warn or pass (exit 0)")
      ->envname("KTSTR_NO_TESTS")
      ->check(CLI::IsMember({"fail", "warn", "pass"}));
  run->add_option("--repeat", o.repeat, "Run every selected test N times")
      ->envname("KTSTR_REPEAT")
      ->check(CLI::Range(1, 10000));
  run->add_option("--retries", o.retries,
                  "Run a failed test up to N more times; one that then passes is FLAKY")
      ->envname("KTSTR_RETRIES")
      ->check(CLI::Range(0, 100));
  run->add_flag("--fail-fast", o.fail_fast, "Start no test after the first failure")
      ->envname("KTSTR_FAIL_FAST");
  run->add_option("--partition", o.partition, "Run one shard: hash:K/N or count:K/N")
      ->envname("KTSTR_PARTITION");
  run->add_flag("--shuffle", o.shuffle, "Run the tests in a random order (printed; see --seed)")
      ->envname("KTSTR_SHUFFLE");
  run->add_option("--seed", o.seed, "The shuffle's seed (implies --shuffle)")
      ->envname("KTSTR_SEED");
  run->add_option("-j,--jobs", o.jobs,
                  "At most N VMs at once (default: [run] jobs, else the host's CPUs and memory)")
      ->envname("KTSTR_JOBS")
      ->check(CLI::Range(1, 4096));
  one(run->add_option("--reporter", o.reporters,
                      "Also write a report: junit=PATH or json=PATH (repeatable)")
          ->envname("KTSTR_REPORTER"));
  run->add_flag("-v,--verbose", o.verbose, "Print reasons for passing tests too");
}

}  // namespace ktstr
