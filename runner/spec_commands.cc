#include "runner/spec_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <iterator>
#include <set>

#include "runner/edit_distance.h"
#include "runner/exit_codes.h"
#include "runner/pending_settings.h"
#include "runner/plan_host.h"

namespace ktstr {

namespace {

void add_spec_options(CLI::App* cmd, SpecOptions& o) {
  cmd->add_option("--set", o.sets, "Override a setting for every test (KEY=VALUE)")
      ->allow_extra_args(false);
  cmd->add_option("--plugin-path", o.plugin_paths, "Extra directory to search for plugins")
      ->allow_extra_args(false);
}

}  // namespace

int run_check(const SpecOptions& options, bool json, std::ostream& out) {
  // check refuses what run would refuse before booting: the same pre-boot pass.
  SpecOptions with_preboot = options;
  with_preboot.check_preboot = true;
  auto specs = load_and_resolve(with_preboot);
  if (!specs.ok()) {
    report_diagnostics(specs, json);
    return kExitUsage;
  }
  if (json) {
    out << nlohmann::json{{"count", 0},
                          {"errors", nlohmann::json::array()},
                          {"files", specs.set->specs.size()},
                          {"tests", specs.tests.size()}}
               .dump(2)
        << "\n";
  } else {
    out << fmt::format("ok: {} file{}, {} test{}\n", specs.set->specs.size(),
                       specs.set->specs.size() == 1 ? "" : "s", specs.tests.size(),
                       specs.tests.size() == 1 ? "" : "s");
  }
  return kExitOk;
}

int run_list(const SpecOptions& options, bool json, std::ostream& out, bool verbose,
             bool gauntlet) {
  auto specs = load_and_resolve(options);
  if (!specs.ok()) {
    report_diagnostics(specs, false);
    return kExitUsage;
  }
  // The plan's instances (flag profiles, and gauntlet variants with
  // --gauntlet), so what is listed is what `run` names.
  PlanOptions plan_opts;
  plan_opts.gauntlet = gauntlet;
  add_host_to_plan(plan_opts, specs.catalog, resolve_accel(Accel::kAuto).accel);
  const Plan plan = make_plan(specs.tests, {}, plan_opts);
  std::vector<const TestInstance*> all;
  // Both lists are in plan order (by test name); a test is ignored or not as a whole.
  auto by_test = [](const TestInstance* a, const TestInstance* b) {
    return a->test->full_name < b->test->full_name;
  };
  std::vector<const TestInstance*> run, ignored;
  for (const auto& i : plan.instances) run.push_back(&i);
  for (const auto& i : plan.ignored) ignored.push_back(&i);
  std::merge(run.begin(), run.end(), ignored.begin(), ignored.end(), std::back_inserter(all),
             by_test);
  std::vector<const TestInstance*> unique;
  std::set<std::string> seen;
  for (const auto* i : all)
    if (seen.insert(i->name).second) unique.push_back(i);
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const TestInstance* i : unique) {
      const ResolvedTest& t = *i->test;
      arr.push_back({{"name", i->name},
                     {"test", t.name},
                     {"description", t.value_or<std::string>("description", "")},
                     {"file", t.entity->pos.file},
                     {"line", t.entity->pos.line},
                     {"scheduler", i->scheduler},
                     {"profile", i->profile},
                     {"flags", i->flags},
                     {"preset", i->preset},
                     {"topology", i->topology.str()},
                     {"ignore", i->ignored}});
    }
    out << arr.dump(2) << "\n";
    return kExitOk;
  }
  // SPEC: one full test name per line, so scripts can read it; -v adds the
  // description and the ignore mark.
  size_t width = 0;
  for (const TestInstance* i : unique) width = std::max(width, i->name.size());
  for (const TestInstance* i : unique) {
    if (!verbose) {
      out << i->name << "\n";
      continue;
    }
    const std::string desc = i->test->value_or<std::string>("description", "");
    out << fmt::format("{:<{}}  {}{}\n", i->name, width, desc, i->ignored ? " [ignored]" : "");
  }
  if (verbose && gauntlet)
    for (const auto& m : plan.gauntlet_missed)
      out << fmt::format("# not run: {}: {}\n", m.name, m.reason);
  return kExitOk;
}

int run_explain(const SpecOptions& options, const std::string& test, bool json, std::ostream& out) {
  auto specs = load_and_resolve(options);
  if (!specs.ok()) {
    report_diagnostics(specs, false);
    return kExitUsage;
  }
  const std::string want = test.starts_with("ktstr/") ? test.substr(6) : test;
  const ResolvedTest* found = nullptr;
  std::vector<std::string> names;
  for (const auto& t : specs.tests) {
    names.push_back(t.name);
    if (t.name == want) found = &t;
  }
  if (!found) {
    std::cerr << fmt::format("ktstr-run: error: no test named '{}'{}\n", test,
                             did_you_mean(want, names));
    return kExitUsage;
  }
  if (json) {
    nlohmann::json settings = nlohmann::json::object();
    for (const auto& [k, s] : found->settings) {
      settings[k] = {{"value", s.value},
                     {"origin", Origin::layer_name(s.origin.layer)},
                     {"source", s.origin.describe()},
                     {"file", s.origin.pos.file},
                     {"line", s.origin.pos.line}};
      if (is_monitor_check(k)) {
        settings[k]["evaluated"] = false;
        settings[k]["note"] = kNotEvaluatedYet;
      }
    }
    out << nlohmann::json{{"name", found->full_name},
                          {"file", found->entity->pos.file},
                          {"line", found->entity->pos.line},
                          {"settings", settings}}
               .dump(2)
        << "\n";
    return kExitOk;
  }
  out << fmt::format("{}  ({})\n", found->full_name, found->entity->pos.file_line());
  size_t kw = 0, vw = 0;
  for (const auto& [k, s] : found->settings) {
    kw = std::max(kw, k.size());
    vw = std::max(vw, std::min<size_t>(s.value.dump().size(), 40));
  }
  for (const auto& [k, s] : found->settings) {
    out << fmt::format("  {:<{}}  {:<{}}  {}{}\n", k, kw, s.value.dump(), vw, s.origin.describe(),
                       is_monitor_check(k) ? fmt::format("  [{}]", kNotEvaluatedYet) : "");
  }
  return kExitOk;
}

void add_spec_commands(CLI::App& app, int& exit_code) {
  struct State {
    SpecOptions options;
    bool json = false;
    bool verbose = false;
    bool gauntlet = false;
    std::string format = "text";
    std::string test;
  };
  auto st = std::make_shared<State>();

  auto* check = app.add_subcommand("check", "Validate spec files and report every problem");
  check->add_option("paths", st->options.paths, "Spec files or directories")->required();
  check->add_option("--format", st->format, "Output format for problems")
      ->check(CLI::IsMember({"text", "json"}));
  add_spec_options(check, st->options);
  check->add_flag("--load", st->options.load_plugins,
                  "Also load each plugin (runs its static constructors as this user) to find "
                  "missing libraries; by default plugins are only read");
  check->callback(
      [st, &exit_code] { exit_code = run_check(st->options, st->format == "json", std::cout); });

  auto* list = app.add_subcommand("list", "List full test names, one per line");
  list->add_option("paths", st->options.paths, "Spec files or directories")->required();
  list->add_flag("--json", st->json, "Print JSON");
  list->add_flag("-v,--verbose", st->verbose,
                 "Also print descriptions and [ignored] (with --gauntlet: the presets left out, "
                 "and why)");
  list->add_flag("--gauntlet", st->gauntlet,
                 "Also list the gauntlet variants (gauntlet/NAME/PRESET[/PROFILE])");
  add_spec_options(list, st->options);
  list->callback([st, &exit_code] {
    exit_code = run_list(st->options, st->json, std::cout, st->verbose, st->gauntlet);
  });

  auto* explain =
      app.add_subcommand("explain", "Show every merged setting of a test and its origin");
  explain->add_option("test", st->test, "Test name (NAME or ktstr/NAME)")->required();
  explain->add_option("paths", st->options.paths, "Spec files or directories (default: .)");
  explain->add_flag("--json", st->json, "Print JSON");
  add_spec_options(explain, st->options);
  explain->callback([st, &exit_code] {
    if (st->options.paths.empty()) st->options.paths.push_back(".");
    exit_code = run_explain(st->options, st->test, st->json, std::cout);
  });
}

}  // namespace ktstr
