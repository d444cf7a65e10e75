#include "runner/stats_command.h"

#include <fmt/format.h>

#include <iostream>
#include <map>
#include <memory>

#include "runner/edit_distance.h"
#include "runner/exit_codes.h"
#include "store/run_metrics.h"
#include "store/run_store.h"
#include "store/stats_compare.h"

namespace ktstr {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path runs_parent(const StatsOptions& o) {
  return o.run_dir.empty() ? fs::path("ktstr-runs") : fs::path(o.run_dir);
}

std::string origin(const StatsOptions& o) {
  return o.run_dir.empty() ? "the default; --run-dir names another" : "--run-dir";
}

std::string str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

/// Reads the run the user named; prints why not and returns nullopt.
std::optional<StoredRun> load(const StatsOptions& o, const std::string& name, std::ostream& err) {
  std::string error;
  const auto dir = resolve_run(runs_parent(o), name, &error);
  std::optional<StoredRun> run;
  if (dir) run = read_run(*dir, &error);
  if (!run) {
    if (!dir) error += fmt::format(" ({}: {})", runs_parent(o).string(), origin(o));
    err << "ktstr-run: error: " << error << "\n";
  }
  return run;
}

std::map<std::string, int> status_counts(const StoredRun& run) {
  std::map<std::string, int> counts;
  for (const json& t : run.tests()) ++counts[str(t, "status")];
  return counts;
}

int failed(const std::map<std::string, int>& counts) {
  auto at = [&](const char* s) { return counts.count(s) ? counts.at(s) : 0; };
  return at("FAIL") + at("INCONCLUSIVE");
}

std::string counts_text(const std::map<std::string, int>& counts) {
  std::string out;
  for (const char* s : {"PASS", "FAIL", "FLAKY", "SKIP", "INCONCLUSIVE", "NOT-RUN"})
    if (counts.count(s)) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", counts.at(s), s);
  return out.empty() ? "no tests" : out;
}

/// Rows of cells, left-aligned, two spaces apart, no trailing blanks.
std::string aligned(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (w.size() <= i) w.push_back(0);
      w[i] = std::max(w[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i)
      line += fmt::format("{:<{}}", r[i], i + 1 < r.size() ? w[i] + 2 : 0);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::vector<std::string> metric_names() {
  std::vector<std::string> names;
  for (const MetricDef& d : metric_defs()) names.push_back(d.name);
  return names;
}

/// "" when `name` is a metric, else the error sentence with a suggestion.
std::string unknown_metric(const std::string& option, const std::string& name) {
  if (find_metric(name)) return "";
  std::string list;
  for (const std::string& n : metric_names()) list += (list.empty() ? "" : ", ") + n;
  return fmt::format("{} '{}': unknown metric{}; the metrics are {}", option, name,
                     did_you_mean(name, metric_names()), list);
}

}  // namespace

int run_stats_list(const StatsOptions& options, std::ostream& out, std::ostream& /*err*/) {
  const fs::path parent = runs_parent(options);
  const auto runs = list_runs(parent);
  if (runs.empty()) {
    out << fmt::format("no runs under {} ({})\n", parent.string(), origin(options));
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"RUN", "STARTED", "ACCEL", "TESTS", "FAILED", "STATE"}};
  for (const fs::path& dir : runs) {
    std::string error;
    const auto run = read_run(dir, &error);
    if (!run) {
      rows.push_back({dir.filename().string(), "", "", "", "", "unreadable: " + error});
      continue;
    }
    const auto counts = status_counts(*run);
    const bool complete = !run->summary.contains("complete") ||
                          (run->summary["complete"].is_boolean() && run->summary["complete"]);
    std::string state = complete ? "complete" : "incomplete";
    if (run->summary.contains("merged_from"))
      state += fmt::format(", merged from {}", run->summary["merged_from"].size());
    if (const std::string p = str(run->summary, "partition"); !p.empty() && p != "null")
      state += ", partition " + p;
    rows.push_back({run->run_id(), str(run->summary, "started_at"), str(run->summary, "accel"),
                    std::to_string(run->tests().size()), std::to_string(failed(counts)), state});
  }
  out << aligned(rows);
  return kExitOk;
}

int run_stats_show(const StatsOptions& options, std::ostream& out, std::ostream& err) {
  const auto run = load(options, options.runs.at(0), err);
  if (!run) return kExitInfra;
  out << fmt::format("run {} ({})\n", run->run_id(), run->dir.string());
  std::string facts;
  for (const char* k : {"started_at", "accel", "partition"})
    if (const std::string v = str(run->summary, k); !v.empty() && v != "null")
      facts += fmt::format("{}{}: {}", facts.empty() ? "" : ", ", k, v);
  if (!facts.empty()) out << facts << "\n";
  const bool complete = !run->summary.contains("complete") ||
                        (run->summary["complete"].is_boolean() && run->summary["complete"]);
  out << fmt::format("{} test{}: {}{}\n", run->tests().size(), run->tests().size() == 1 ? "" : "s",
                     counts_text(status_counts(*run)),
                     complete ? "" : " (incomplete: interrupted, or still running)");
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head = {"STATUS", "TEST"};
  for (const MetricDef& d : metric_defs()) head.push_back(d.name);
  rows.push_back(head);
  const json& tests = run->tests();
  for (size_t i = 0; i < tests.size(); ++i) {
    std::vector<std::string> row = {str(tests[i], "status"),
                                    pairing_name(tests[i], run->sidecars[i])};
    const auto m = sidecar_metrics(run->sidecars[i]);
    for (const MetricDef& d : metric_defs()) {
      const auto it = m.find(d.name);
      row.push_back(it == m.end() ? "-" : fmt::format("{:.4g}", it->second));
    }
    rows.push_back(row);
  }
  out << aligned(rows);
  for (const std::string& w : run->warnings) out << "warning: " << w << "\n";
  return kExitOk;
}

int run_stats_compare(const StatsOptions& options, std::ostream& out, std::ostream& err) {
  CompareOptions co;
  for (const std::string& t : options.thresholds) {
    std::string error;
    auto parsed = parse_threshold(t, &error);
    if (parsed) error = unknown_metric("--threshold", parsed->first);
    if (!error.empty()) {
      err << "ktstr-run: error: " << error << "\n";
      return kExitUsage;
    }
    co.thresholds[parsed->first] = parsed->second;
  }
  for (const std::string& m : options.metrics) {
    if (std::string error = unknown_metric("--metric", m); !error.empty()) {
      err << "ktstr-run: error: " << error << "\n";
      return kExitUsage;
    }
    co.metrics.push_back(m);
  }
  const auto a = load(options, options.runs.at(0), err);
  if (!a) return kExitInfra;
  const auto b = load(options, options.runs.at(1), err);
  if (!b) return kExitInfra;
  const Comparison c = compare_runs(*a, *b, co);
  out << format_comparison(c, *a, *b);
  return c.regressions() > 0 ? kExitTestFailed : kExitOk;
}

void add_stats_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<StatsOptions>();
  auto* stats =
      app.add_subcommand("stats", "Stored runs: list them, show one, compare two (regressions)");
  stats->require_subcommand(1);
  auto run_dir = [&](CLI::App* sub) {
    sub->add_option("--run-dir", opts->run_dir, "Where run directories are (default ktstr-runs)");
  };
  auto* list = stats->add_subcommand("list", "One line per stored run, oldest first");
  run_dir(list);
  list->callback([opts, &exit_code] { exit_code = run_stats_list(*opts, std::cout, std::cerr); });
  auto* show = stats->add_subcommand("show", "One run: its tests, statuses and metrics");
  show->add_option("run", opts->runs, "A run directory, a run id, or latest")
      ->required()
      ->expected(1);
  run_dir(show);
  show->callback([opts, &exit_code] { exit_code = run_stats_show(*opts, std::cout, std::cerr); });
  auto* compare = stats->add_subcommand(
      "compare", "What got worse from RUN_A to RUN_B (exit 1 on a regression)");
  compare->add_option("runs", opts->runs, "RUN_A RUN_B: run directories, run ids or latest")
      ->required()
      ->expected(2);
  run_dir(compare);
  compare
      ->add_option("--threshold", opts->thresholds,
                   "Override a metric's thresholds: METRIC=ABS,REL (repeatable)")
      ->allow_extra_args(false);
  compare->add_option("--metric", opts->metrics, "Compare only this metric (repeatable)")
      ->allow_extra_args(false);
  compare->callback(
      [opts, &exit_code] { exit_code = run_stats_compare(*opts, std::cout, std::cerr); });
}

}  // namespace ktstr
