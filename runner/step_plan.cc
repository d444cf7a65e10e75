// Step rules (see step_plan.h). Steps run in time order (ties in file order),
// so "earlier" below means earlier in time: a step may act on a cgroup that an
// add_cgroup step created before it, but not on one removed before it. Names
// that nothing declares at all are reported by the resolver
// (runner/test_resolver.cc); this pass adds what only time order shows.
#include "runner/step_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace ktstr {

using nlohmann::json;

std::optional<double> step_at_ms(std::string_view text) {
  double scale = 0;
  if (text.ends_with("ms")) {
    scale = 1;
    text.remove_suffix(2);
  } else if (text.ends_with("s")) {
    scale = 1000;
    text.remove_suffix(1);
  } else {
    return std::nullopt;
  }
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string_view::npos)
    return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v * scale;
}

void check_steps(const Catalog& cat, const ResolvedTest& t, Diagnostics& diags) {
  const Setting* st = t.get("step");
  if (!st || !st->value.is_array()) return;
  // Positions of a step's own keys when the test itself declares the steps.
  const TomlDocument* doc = nullptr;
  if (t.entity && st->origin.layer == Origin::Layer::kTest)
    doc = &cat.set->specs[static_cast<size_t>(t.entity->file)];
  auto pos = [&](size_t i, const char* key) {
    if (!doc) return t.pos_of("step");
    const std::string base = t.entity->pointer + "/step/" + std::to_string(i);
    const json& s = st->value[i];
    return doc->value_pos(s.is_object() && s.contains(key) ? base + "/" + key : base);
  };
  auto err = [&](size_t i, const char* key, const std::string& msg, const std::string& help = {}) {
    diags.error("step", pos(i, key), fmt::format("test '{}': step {}: {}", t.name, i + 1, msg), 1,
                help);
  };

  const double duration_s = t.value_or<double>("duration_s", 2);
  std::set<std::string> known;
  if (const Setting* cg = t.get("cgroup"); cg && cg->value.is_array())
    for (const auto& c : cg->value)
      if (c.is_object() && c.contains("name") && c["name"].is_string()) {
        // "outer/inner" defines its parents too.
        const std::string name = c["name"].get<std::string>();
        for (size_t slash = name.find('/'); slash != std::string::npos;
             slash = name.find('/', slash + 1))
          known.insert(name.substr(0, slash));
        known.insert(name);
      }

  struct Timed {
    double ms;
    size_t index;
  };
  std::vector<Timed> order;
  const json& steps = st->value;
  for (size_t i = 0; i < steps.size(); ++i) {
    const json& s = steps[i];
    if (!s.is_object()) continue;  // the schema reports it
    double ms = 0;
    if (s.contains("at") && s["at"].is_number()) ms = s["at"].get<double>() * duration_s * 1000;
    if (s.contains("at") && s["at"].is_string()) {
      const std::string text = s["at"].get<std::string>();
      ms = step_at_ms(text).value_or(0);
      if (ms > duration_s * 1000)
        err(i, "at",
            fmt::format("at = \"{}\" is beyond the end of the run (duration_s = {:g})", text,
                        duration_s),
            "use a time up to duration_s, or a fraction of it (at = 0.5)");
    }
    order.push_back({ms, i});
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const Timed& a, const Timed& b) { return a.ms < b.ms; });
  // Names the resolver already knows in file order; a name outside them is
  // the resolver's to report ("names cgroup 'x', which is not declared").
  std::set<std::string> in_file = known;
  for (const auto& s : steps)
    if (s.is_object() && s.value("op", "") == "add_cgroup" && s.contains("cgroup") &&
        s["cgroup"].is_string())
      in_file.insert(s["cgroup"].get<std::string>());
  std::map<std::string, size_t> removed_by;
  for (const Timed& o : order) {
    const json& s = steps[o.index];
    const std::string op = s.value("op", "");
    if (op == "run_payload" || op == "kill_payload") {
      err(o.index, "op",
          fmt::format("op = \"{}\" is not supported: payloads are not supported by the VM runner "
                      "yet (key 'op')",
                      op),
          "the VM runner cannot run this test yet");
      continue;
    }
    if (!s.contains("cgroup") || !s["cgroup"].is_string()) continue;  // the schema reports it
    const std::string cgroup = s["cgroup"].get<std::string>();
    if (op == "add_cgroup") {
      known.insert(cgroup);
      removed_by.erase(cgroup);
      continue;
    }
    if (auto r = removed_by.find(cgroup); r != removed_by.end()) {
      err(o.index, "cgroup",
          fmt::format("cgroup '{}' no longer exists: step {} (remove_cgroup) removed it before",
                      cgroup, r->second + 1));
      continue;
    }
    if (!in_file.count(cgroup)) continue;
    if (!known.count(cgroup)) {
      std::string names;
      for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
      err(o.index, "cgroup",
          fmt::format("cgroup '{}' does not exist yet at this time: only an add_cgroup step "
                      "later in the run creates it (existing then: {})",
                      cgroup, names.empty() ? "none" : names),
          "steps run in time order; move the add_cgroup step earlier");
      continue;
    }
    if (op == "remove_cgroup") {
      for (auto it = known.begin(); it != known.end();)
        it = (*it == cgroup || it->starts_with(cgroup + "/")) ? known.erase(it) : ++it;
      removed_by[cgroup] = o.index;
    }
  }
}

}  // namespace ktstr
