// Pairing is by display name, so a replica or a repetition is compared with
// the same replica or repetition of the other run, and a test renamed between
// the runs shows up as one test only in A and one only in B. Metrics are
// compared in A's order of tests and metric_defs() order, so the output is
// the same for the same two runs.
#include "store/stats_compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

namespace ktstr {

using nlohmann::json;

namespace {

std::optional<double> parse_number(std::string text, bool allow_percent) {
  double scale = 1;
  if (allow_percent && !text.empty() && text.back() == '%') {
    text.pop_back();
    scale = 0.01;
  }
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v) || v < 0) return std::nullopt;
  return v * scale;
}

bool is_failing(const std::string& status) { return status == "FAIL" || status == "INCONCLUSIVE"; }

std::string value_text(const std::optional<double>& v) {
  return v ? fmt::format("{:.4g}", *v) : "-";
}

std::string change_text(const MetricChange& c) {
  if (!c.a || !c.b) return "";
  if (*c.a == 0) return *c.b == 0 ? "0%" : "new";
  return fmt::format("{:+.1f}%", (*c.b - *c.a) / std::fabs(*c.a) * 100);
}

}  // namespace

std::optional<std::pair<std::string, MetricThreshold>> parse_threshold(const std::string& text,
                                                                       std::string* error) {
  const size_t eq = text.find('=');
  const size_t comma = text.find(',', eq == std::string::npos ? 0 : eq);
  if (eq == std::string::npos || eq == 0 || comma == std::string::npos) {
    *error = fmt::format(
        "--threshold '{}': expected METRIC=ABS,REL (e.g. worst_gap_ms=20,0.25 or "
        "worst_gap_ms=20,25%)",
        text);
    return std::nullopt;
  }
  const std::string name = text.substr(0, eq);
  const auto abs = parse_number(text.substr(eq + 1, comma - eq - 1), false);
  const auto rel = parse_number(text.substr(comma + 1), true);
  if (!abs || !rel) {
    *error = fmt::format(
        "--threshold '{}': ABS and REL must be numbers >= 0 (REL a fraction, 0.25, or a "
        "percentage, 25%)",
        text);
    return std::nullopt;
  }
  return std::make_pair(name, MetricThreshold{*abs, *rel});
}

bool moved_worse(const MetricDef& def, const MetricThreshold& t, double a, double b) {
  const double worse_by = def.higher_is_worse ? b - a : a - b;
  if (!(worse_by > t.abs)) return false;
  if (a == 0) return true;
  return worse_by / std::fabs(a) > t.rel;
}

int Comparison::regressions() const {
  int n = 0;
  for (const auto& m : metrics) n += m.regression;
  for (const auto& s : statuses) n += s.regression;
  return n;
}

int Comparison::improvements() const {
  int n = 0;
  for (const auto& m : metrics) n += m.improvement;
  return n;
}

std::string pairing_name(const json& entry, const json& sidecar) {
  for (const json* j : {&entry, &sidecar})
    if (j->is_object() && j->contains("display_name") && (*j)["display_name"].is_string())
      return (*j)["display_name"].get<std::string>();
  for (const json* j : {&entry, &sidecar})
    if (j->is_object() && j->contains("name") && (*j)["name"].is_string())
      return (*j)["name"].get<std::string>();
  return "";
}

namespace {

struct Side {
  const json* entry;
  const json* sidecar;
};

/// Each test of `run` by pairing name, in order; duplicates and nameless
/// entries are warned about and left out.
std::vector<std::pair<std::string, Side>> by_name(const StoredRun& run, const char* which,
                                                  std::vector<std::string>& warnings) {
  std::vector<std::pair<std::string, Side>> out;
  std::set<std::string> seen;
  const json& tests = run.tests();
  for (size_t i = 0; i < tests.size(); ++i) {
    const json& sidecar = i < run.sidecars.size() ? run.sidecars[i] : tests[i];
    const std::string name = pairing_name(tests[i], sidecar);
    if (name.empty()) {
      warnings.push_back(fmt::format("run {}: entry {} has no name; left out", which, i + 1));
      continue;
    }
    if (!seen.insert(name).second) {
      warnings.push_back(
          fmt::format("run {}: '{}' appears twice; the first is compared", which, name));
      continue;
    }
    out.push_back({name, {&tests[i], &sidecar}});
  }
  return out;
}

std::string status_of_entry(const Side& s) {
  for (const json* j : {s.entry, s.sidecar})
    if (j->is_object() && j->contains("status") && (*j)["status"].is_string())
      return (*j)["status"].get<std::string>();
  return "";
}

}  // namespace

Comparison compare_runs(const StoredRun& a, const StoredRun& b, const CompareOptions& options) {
  Comparison c;
  for (const auto& w : a.warnings) c.warnings.push_back("run A: " + w);
  for (const auto& w : b.warnings) c.warnings.push_back("run B: " + w);
  const auto in_a = by_name(a, "A", c.warnings);
  const auto in_b = by_name(b, "B", c.warnings);
  std::map<std::string, Side> b_index(in_b.begin(), in_b.end());
  std::set<std::string> a_names;
  for (const auto& [name, side_a] : in_a) {
    a_names.insert(name);
    const auto it = b_index.find(name);
    if (it == b_index.end()) {
      c.only_in_a.push_back(name);
      continue;
    }
    const Side& side_b = it->second;
    ++c.paired;
    const std::string sa = status_of_entry(side_a), sb = status_of_entry(side_b);
    if (sa != sb)
      c.statuses.push_back(
          {name, sa.empty() ? "?" : sa, sb.empty() ? "?" : sb, !is_failing(sa) && is_failing(sb)});
    const auto ma = sidecar_metrics(*side_a.sidecar);
    const auto mb = sidecar_metrics(*side_b.sidecar);
    for (const MetricDef& def : metric_defs()) {
      if (!options.metrics.empty() && std::find(options.metrics.begin(), options.metrics.end(),
                                                def.name) == options.metrics.end())
        continue;
      const auto fa = ma.find(def.name), fb = mb.find(def.name);
      const bool has_a = fa != ma.end(), has_b = fb != mb.end();
      if (!has_a && !has_b) continue;
      MetricChange ch{name, def.name, std::nullopt, std::nullopt};
      if (has_a) ch.a = fa->second;
      if (has_b) ch.b = fb->second;
      if (has_a && has_b) {
        ++c.metrics_compared;
        MetricThreshold t{def.abs_threshold, def.rel_threshold};
        if (auto o = options.thresholds.find(def.name); o != options.thresholds.end())
          t = o->second;
        MetricDef inverse = def;
        inverse.higher_is_worse = !def.higher_is_worse;
        ch.regression = moved_worse(def, t, *ch.a, *ch.b);
        ch.improvement = moved_worse(inverse, t, *ch.a, *ch.b);
        if (!ch.regression && !ch.improvement) continue;
      }
      c.metrics.push_back(ch);
    }
  }
  for (const auto& [name, _] : in_b)
    if (!a_names.count(name)) c.only_in_b.push_back(name);
  return c;
}

std::string format_comparison(const Comparison& c, const StoredRun& a, const StoredRun& b) {
  struct Row {
    std::string test, metric, a, b, change, mark;
  };
  std::vector<Row> rows;
  for (const StatusChange& s : c.statuses)
    rows.push_back({s.test, "status", s.a, s.b, "", s.regression ? "REGRESSION" : "changed"});
  for (const MetricChange& m : c.metrics) {
    std::string mark = m.regression    ? "REGRESSION"
                       : m.improvement ? "improved"
                       : !m.a          ? "missing in A"
                                       : "missing in B";
    rows.push_back({m.test, m.metric, value_text(m.a), value_text(m.b), change_text(m), mark});
  }
  std::string out = fmt::format("A: {} ({})\nB: {} ({})\n", a.run_id(), a.dir.string(), b.run_id(),
                                b.dir.string());
  if (!rows.empty()) {
    Row head{"TEST", "METRIC", "A", "B", "CHANGE", ""};
    size_t w[5] = {head.test.size(), head.metric.size(), head.a.size(), head.b.size(),
                   head.change.size()};
    for (const Row& r : rows) {
      w[0] = std::max(w[0], r.test.size());
      w[1] = std::max(w[1], r.metric.size());
      w[2] = std::max(w[2], r.a.size());
      w[3] = std::max(w[3], r.b.size());
      w[4] = std::max(w[4], r.change.size());
    }
    auto line = [&](const Row& r) {
      std::string l = fmt::format("{:<{}}  {:<{}}  {:>{}}  {:>{}}  {:>{}}  {}", r.test, w[0],
                                  r.metric, w[1], r.a, w[2], r.b, w[3], r.change, w[4], r.mark);
      while (!l.empty() && l.back() == ' ') l.pop_back();
      return l + "\n";
    };
    out += line(head);
    for (const Row& r : rows) out += line(r);
  }
  for (const std::string& t : c.only_in_a) out += "only in A: " + t + "\n";
  for (const std::string& t : c.only_in_b) out += "only in B: " + t + "\n";
  for (const std::string& w : c.warnings) out += "warning: " + w + "\n";
  const int reg = c.regressions(), imp = c.improvements();
  std::string extra;
  if (imp) extra += fmt::format(", {} improvement{}", imp, imp == 1 ? "" : "s");
  const size_t only = c.only_in_a.size() + c.only_in_b.size();
  if (only) extra += fmt::format(", {} test{} in one run only", only, only == 1 ? "" : "s");
  out += fmt::format(
      "stats compare: {} regression{}{} in {} paired test{} ({} metric value{} "
      "compared)\n",
      reg, reg == 1 ? "" : "s", extra, c.paired, c.paired == 1 ? "" : "s", c.metrics_compared,
      c.metrics_compared == 1 ? "" : "s");
  return out;
}

}  // namespace ktstr
