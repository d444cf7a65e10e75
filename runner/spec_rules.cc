// Cycle detection over flag `requires` is a depth-first search with three
// colours; the first back edge found is reported as the full path
// ("a -> b -> a") at the flag that closes it.
#include "runner/spec_rules.h"

#include <fmt/format.h>

#include <functional>
#include <regex>

#include "guest/protocol/topology_presets.h"
#include "runner/edit_distance.h"
#include "runner/flag_profiles.h"
#include "runner/json_read.h"

namespace ktstr {

using nlohmann::json;

namespace {

const TomlDocument& doc_of(const Catalog& cat, const Entity& e) { return cat.set->specs[e.file]; }

void check_flags(const Catalog& cat, const Entity& s, Diagnostics& diags) {
  if (!s.value->contains("flags") || !(*s.value)["flags"].is_object()) return;
  const json& flags = (*s.value)["flags"];
  const TomlDocument& doc = doc_of(cat, s);
  const size_t errors_before = diags.size();
  if (flags.size() > kMaxSchedulerFlags)
    diags.error(
        "range", doc.key_pos(s.pointer + "/flags"),
        fmt::format("scheduler '{}' declares {} flags; at most {} (2^{} = {} profiles)", s.name,
                    flags.size(), kMaxSchedulerFlags, kMaxSchedulerFlags, 1u << kMaxSchedulerFlags),
        1, "split the scheduler into two [scheduler.*] tables, or drop flags");
  std::vector<std::string> names;
  for (auto& [f, _] : flags.items()) names.push_back(f);
  auto requires_of = [&](const std::string& f) {
    std::vector<std::string> out;
    const json& fl = flags[f];
    if (fl.is_object() && fl.contains("requires") && fl["requires"].is_array())
      for (const auto& r : fl["requires"])
        if (r.is_string()) out.push_back(r);
    return out;
  };
  for (const auto& f : names) {
    const auto req = requires_of(f);
    for (size_t i = 0; i < req.size(); ++i) {
      if (!flags.contains(req[i])) {
        const std::string ptr = s.pointer + "/flags/" + f + "/requires/" + std::to_string(i);
        diags.error("reference", doc.value_pos(ptr),
                    fmt::format("flag '{}' requires '{}', which scheduler '{}' does not declare{}",
                                f, req[i], s.name, did_you_mean(req[i], names)));
      }
    }
  }
  std::map<std::string, int> colour;  // 0 white, 1 grey, 2 black
  std::vector<std::string> stack;
  bool reported = false;
  std::function<void(const std::string&)> dfs = [&](const std::string& f) {
    colour[f] = 1;
    stack.push_back(f);
    for (const auto& r : requires_of(f)) {
      if (!flags.contains(r) || reported) continue;
      if (colour[r] == 1) {
        std::string path;
        auto it = std::find(stack.begin(), stack.end(), r);
        for (; it != stack.end(); ++it) path += *it + " -> ";
        path += r;
        diags.error("cycle", doc.key_pos(s.pointer + "/flags/" + f + "/requires"),
                    fmt::format("flag requires form a cycle in scheduler '{}': {}", s.name, path),
                    8, "a flag cannot require itself, directly or through others");
        reported = true;
      } else if (colour[r] == 0) {
        dfs(r);
      }
    }
    stack.pop_back();
    colour[f] = 2;
  };
  for (const auto& f : names)
    if (colour[f] == 0 && !reported) dfs(f);
  for (const auto& f : names) {
    const json& fl = flags[f];
    if (!fl.is_object() || !fl.contains("excludes") || !fl["excludes"].is_array()) continue;
    for (size_t i = 0; i < fl["excludes"].size(); ++i) {
      const json& x = fl["excludes"][i];
      if (!x.is_string()) continue;
      const std::string ptr = s.pointer + "/flags/" + f + "/excludes/" + std::to_string(i);
      if (x == f)
        diags.error("conflict", doc.value_pos(ptr), fmt::format("flag '{}' excludes itself", f), 0,
                    "remove it from excludes");
      else if (!flags.contains(x.get<std::string>()))
        diags.error(
            "reference", doc.value_pos(ptr),
            fmt::format("flag '{}' excludes '{}', which scheduler '{}' does not declare{}", f,
                        x.get<std::string>(), s.name, did_you_mean(x.get<std::string>(), names)));
    }
  }
  if (reported || diags.size() != errors_before || flags.size() > kMaxSchedulerFlags) return;
  // A flag that is in no profile at all (it requires a flag it excludes,
  // directly or through others) would be declared and never run.
  const auto all = flag_profiles(declared_flags(cat, s), {}, {});
  for (const auto& f : names) {
    bool used = false;
    for (const auto& p : all)
      used = used || std::find(p.flags.begin(), p.flags.end(), f) != p.flags.end();
    if (!used)
      diags.error("conflict", doc.key_pos(s.pointer + "/flags/" + f),
                  fmt::format("flag '{}' of scheduler '{}' can never be enabled: it requires a "
                              "flag that it (or a flag it requires) excludes",
                              f, s.name),
                  static_cast<int>(f.size()), "remove the conflicting requires or excludes");
  }
}

void check_topology_value(const TomlDocument& doc, const std::string& ptr, const json& v,
                          const std::string& owner, Diagnostics& diags) {
  int numa = 1, llcs = 1;
  if (v.is_string()) {
    auto parsed = parse_topology_string(v.get<std::string>());
    if (parsed.out_of_range)
      diags.error("range", doc.value_pos(ptr), fmt::format("{}: {}", owner, parsed.error));
    if (!parsed.ok()) return;  // a wrong form is the schema's to report
    numa = parsed.topology.numa_nodes;
    llcs = parsed.topology.llcs;
  } else if (v.is_object()) {
    if (v.contains("llcs") && v.contains("sockets")) {
      diags.error("conflict", doc.key_pos(ptr + "/sockets"),
                  "topology sets both llcs and sockets (sockets is an alias of llcs)", 7,
                  "keep one of them");
      return;
    }
    // Only a table that sets both dimensions can be judged here; merged
    // topologies are checked per test.
    if (!v.contains("numa_nodes") || !(v.contains("llcs") || v.contains("sockets"))) return;
    numa = json_int(v, "numa_nodes", 1);
    llcs = v.contains("llcs") ? json_int(v, "llcs", 1) : json_int(v, "sockets", 1);
  } else {
    return;
  }
  if (numa > 0 && llcs % numa != 0)
    diags.error(
        "topology", doc.value_pos(ptr),
        fmt::format("{}: llcs ({}) must be divisible by numa_nodes ({})", owner, llcs, numa));
}

void check_payload(const Catalog& cat, const Entity& p, Diagnostics& diags) {
  const TomlDocument& doc = doc_of(cat, p);
  const json& v = *p.value;
  const std::string output = json_str(v, "output", "exit_code");
  std::vector<std::string> metrics;
  if (v.contains("metric") && v["metric"].is_array()) {
    for (size_t i = 0; i < v["metric"].size(); ++i) {
      const json& m = v["metric"][i];
      if (!m.is_object()) continue;
      const std::string mp = p.pointer + "/metric/" + std::to_string(i);
      metrics.push_back(json_str(m, "name"));
      if (m.contains("regex") && m["regex"].is_string()) {
        const std::string rx = m["regex"];
        try {
          std::regex re(rx);
          if (std::regex_search("", re)) {
            diags.error("regex", doc.value_pos(mp + "/regex"),
                        fmt::format("metric '{}': regex '{}' matches the empty string",
                                    json_str(m, "name"), rx),
                        1, "anchor it on text the payload prints, e.g. 'Time:\\s+([0-9.]+)'");
          } else if (re.mark_count() < 1) {
            diags.error("regex", doc.value_pos(mp + "/regex"),
                        fmt::format("metric '{}': regex '{}' has no capture group for the value",
                                    json_str(m, "name"), rx),
                        1, "wrap the number in parentheses, e.g. '([0-9.]+)'");
          }
        } catch (const std::regex_error& e) {
          diags.error("regex", doc.value_pos(mp + "/regex"),
                      fmt::format("metric '{}': regex '{}' does not compile: {}",
                                  json_str(m, "name"), rx, e.what()));
        }
      }
      if (output == "regex" && !m.contains("regex"))
        diags.error(
            "required", doc.key_pos(mp),
            fmt::format("metric '{}' needs a regex because the payload's output is \"regex\"",
                        json_str(m, "name")));
      if (output == "json" && !m.contains("json_pointer"))
        diags.error(
            "required", doc.key_pos(mp),
            fmt::format("metric '{}' needs a json_pointer because the payload's output is \"json\"",
                        json_str(m, "name")));
    }
  }
  if (v.contains("check") && v["check"].is_array()) {
    for (size_t i = 0; i < v["check"].size(); ++i) {
      const json& c = v["check"][i];
      if (!c.is_object() || !c.contains("metric") || !c["metric"].is_string()) continue;
      const std::string name = c["metric"];
      if (std::find(metrics.begin(), metrics.end(), name) == metrics.end())
        diags.error("reference",
                    doc.value_pos(p.pointer + "/check/" + std::to_string(i) + "/metric"),
                    fmt::format("check names metric '{}', which payload '{}' does not define{}",
                                name, p.name, did_you_mean(name, metrics)));
      if (c.contains("min") && c.contains("max") && c["min"].is_number() && c["max"].is_number() &&
          c["min"].get<double>() > c["max"].get<double>())
        diags.error("range", doc.value_pos(p.pointer + "/check/" + std::to_string(i) + "/max"),
                    fmt::format("check on '{}': max ({}) is below min ({})", name, c["max"].dump(),
                                c["min"].dump()));
    }
  }
}

}  // namespace

void check_entity_rules(const Catalog& cat, Diagnostics& diags) {
  for (const auto& [name, s] : cat.by_kind.count("scheduler") ? cat.by_kind.at("scheduler")
                                                              : std::map<std::string, Entity>{}) {
    check_flags(cat, s, diags);
    if (s.value->contains("topology"))
      check_topology_value(doc_of(cat, s), s.pointer + "/topology", (*s.value)["topology"],
                           "scheduler '" + name + "'", diags);
  }
  if (cat.by_kind.count("payload"))
    for (const auto& [_, p] : cat.by_kind.at("payload")) check_payload(cat, p, diags);
  if (cat.by_kind.count("preset")) {
    for (const auto& [name, p] : cat.by_kind.at("preset")) {
      if (find_topology_preset(name))
        diags.error("duplicate-name", p.pos,
                    fmt::format("preset '{}' is a built-in preset name", name),
                    static_cast<int>(name.size()), "choose another name");
      if (p.value->contains("topology"))
        check_topology_value(doc_of(cat, p), p.pointer + "/topology", (*p.value)["topology"],
                             "preset '" + name + "'", diags);
    }
  }
}

}  // namespace ktstr
