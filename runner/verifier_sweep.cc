#include "runner/verifier_sweep.h"

#include <fmt/format.h>

#include "runner/edit_distance.h"
#include "runner/verifier_loads.h"

namespace ktstr {

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

// The `config` of the first test using `scheduler`, or nullptr.
const Setting* config_for(const LoadedSpecs& specs, const std::string& scheduler) {
  for (const auto& t : specs.tests)
    if (t.value_or<std::string>("scheduler", "") == scheduler)
      if (const Setting* c = t.get("config"); c && c->value.is_string()) return c;
  return nullptr;
}

}  // namespace

std::string toml_quote(const std::string& text) {
  std::string s = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      s += '\\';
      s += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      s += fmt::format("\\u{:04X}", c);
    } else {
      s += static_cast<char>(c);
    }
  }
  return s + "\"";
}

std::string pick_sweep_schedulers(const Catalog& catalog, const std::vector<std::string>& wanted,
                                  const std::vector<std::string>& paths,
                                  std::vector<std::string>* out) {
  const std::vector<std::string> declared = catalog.names("scheduler");
  if (declared.empty())
    return fmt::format(
        "no sched_ext scheduler in {}: the sweep loads the [scheduler.NAME] tables of the specs; "
        "name the spec files that declare them",
        joined(paths));
  if (wanted.empty()) {
    *out = declared;
    return "";
  }
  out->clear();
  for (const auto& w : wanted) {
    if (!catalog.find("scheduler", w))
      return fmt::format("--scheduler {}: no [scheduler.{}] in {}{}; the specs declare {}", w, w,
                         joined(paths), did_you_mean(w, declared), joined(declared));
    if (std::find(out->begin(), out->end(), w) == out->end()) out->push_back(w);
  }
  return "";
}

std::string make_sweep_spec(const LoadedSpecs& specs, const std::vector<std::string>& schedulers,
                            bool all_profiles, SweepSpec* out) {
  out->toml =
      "# Written by `ktstr-run verifier`: one load of each swept scheduler "
      "(docs/verifier.md).\n";
  std::string expr;
  for (const auto& name : schedulers) {
    const Entity* s = specs.catalog.find("scheduler", name);
    if (!s) return fmt::format("no [scheduler.{}]", name);
    const std::string test = kVerifierTestPrefix + name;
    const std::string key = toml_quote(test);
    std::string t = fmt::format("\n[test.{}]\n", key);
    t += fmt::format("description = {}\n", toml_quote("ktstr-run verifier: loads " + name));
    t += fmt::format("scheduler = {}\n", toml_quote(name));
    // A scheduler's own topology is its requirement; else the smallest VM.
    if (!(s->value && s->value->is_object() && s->value->contains("topology")))
      t += fmt::format("topology = {}\n", toml_quote(kVerifierTopology));
    t += "duration_s = 1\nallow_inconclusive = true\n";
    if (s->value && s->value->is_object() && s->value->contains("config_file")) {
      const Setting* c = config_for(specs, name);
      if (!c)
        return fmt::format(
            "scheduler '{}' ({}) declares config_file, so loading it needs a test's `config`: "
            "declare a test with scheduler = \"{}\" and a config, or leave it out with "
            "--scheduler",
            name, s->pos.file_line(), name);
      t += fmt::format("config = {}\n", toml_quote(c->value.get<std::string>()));
    }
    t += fmt::format("[[test.{}.cgroup]]\nname = \"cg_0\"\n", key);
    t += fmt::format("[test.{}.checks]\nnot_starved = false\n", key);
    out->toml += t;
    const std::string full = "ktstr/" + test;
    expr += (expr.empty() ? "" : " | ") + fmt::format("test(={})", full);
  }
  // test() matches every instance of the test: each flag profile's (and a
  // gauntlet variant's, which the sweep never asks for). The plain profile
  // is the one whose profile is "".
  out->filter_expr = "(" + expr + ") & preset(=)" + (all_profiles ? "" : " & profile(=)");
  return "";
}

}  // namespace ktstr
