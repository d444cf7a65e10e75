// Each layer is flattened to dotted keys ("checks.max_gap_ms",
// "topology.llcs", "sysctls.kernel.x") and applied in order, so a later layer
// replaces exactly the fields it sets. Two kinds of value merge differently, as
// SPEC.md says: sysctls add up key by key, and kargs lists are concatenated.
// Built-in defaults are read from the schema's "default" annotations, so the
// schema, the docs and the behaviour cannot disagree.
#include "runner/test_resolver.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <toml++/toml.h>
#include <cmath>
#include <cstdint>
#include <limits>
#include <regex>

#include "guest/protocol/topology_presets.h"
#include "runner/edit_distance.h"
#include "runner/json_read.h"
#include "runner/pending_settings.h"
#include "runner/schema_checker.h"

namespace ktstr {

using nlohmann::json;
using Layer = Origin::Layer;

const char* Origin::layer_name(Layer l) {
  switch (l) {
    case Layer::kBuiltin:
      return "built-in";
    case Layer::kDerived:
      return "derived";
    case Layer::kProject:
      return "project";
    case Layer::kScheduler:
      return "scheduler";
    case Layer::kFileDefaults:
      return "file [defaults]";
    case Layer::kTest:
      return "test";
    case Layer::kCommandLine:
      return "--set";
  }
  return "?";
}

std::string Origin::describe() const {
  switch (layer) {
    case Layer::kBuiltin:
      return "built-in";
    case Layer::kDerived:
      return "derived (" + label + ")";
    case Layer::kProject:
      return fmt::format("project ({})", pos.file_line());
    case Layer::kScheduler:
      return fmt::format("scheduler {} ({})", label, pos.file_line());
    case Layer::kFileDefaults:
      return fmt::format("file [defaults] ({})", pos.file_line());
    case Layer::kTest:
      return fmt::format("test ({})", pos.file_line());
    case Layer::kCommandLine:
      return "--set " + label;
  }
  return "?";
}

const Setting* ResolvedTest::get(const std::string& key) const {
  auto it = settings.find(key);
  return it == settings.end() ? nullptr : &it->second;
}

TopologySpec ResolvedTest::topology() const {
  TopologySpec t;
  t.numa_nodes = value_or<int>("topology.numa_nodes", 1);
  t.llcs = value_or<int>("topology.llcs", 1);
  t.cores = value_or<int>("topology.cores", 2);
  t.threads = value_or<int>("topology.threads", 1);
  return t;
}

SourcePos ResolvedTest::pos_of(const std::string& key) const {
  const Setting* s = get(key);
  if (s && s->origin.pos.known()) return s->origin.pos;
  return entity ? entity->pos : SourcePos{};
}

json ResolvedTest::tree() const {
  json out = json::object();
  for (const auto& [key, s] : settings) {
    // sysctl names contain dots: only the first segment is a table.
    const auto dot = key.find('.');
    if (dot == std::string::npos) {
      out[key] = s.value;
    } else {
      out[key.substr(0, dot)][key.substr(dot + 1)] = s.value;
    }
  }
  return out;
}

namespace {

struct Layering {
  std::map<std::string, Setting>& settings;
  const TomlDocument* doc;
  Origin base;
  Diagnostics* diags = nullptr;  ///< where values the schema cannot judge are refused

  Origin origin_at(const std::string& pointer) const {
    Origin o = base;
    if (doc) o.pos = doc->key_pos(pointer);
    return o;
  }

  void set(const std::string& key, json value, const std::string& pointer) {
    settings[key] = Setting{std::move(value), origin_at(pointer)};
  }

  void topology(const json& v, const std::string& ptr) {
    if (v.is_string()) {
      auto parsed = parse_topology_string(v.get<std::string>());
      if (!parsed.ok()) {
        // The schema reported a wrong form; a number out of range matches the
        // pattern, so it is refused here rather than dropped.
        if (parsed.out_of_range && diags && base.layer != Layer::kScheduler) {  // rules do those
          const SourcePos at = doc ? doc->value_pos(ptr) : base.pos;
          diags->error("range", at.known() ? at : SourcePos{"--set " + base.label, 0, 0},
                       parsed.error);
        }
        return;
      }
      set("topology.numa_nodes", parsed.topology.numa_nodes, ptr);
      set("topology.llcs", parsed.topology.llcs, ptr);
      set("topology.cores", parsed.topology.cores, ptr);
      set("topology.threads", parsed.topology.threads, ptr);
    } else if (v.is_object()) {
      for (auto& [k, d] : v.items()) {
        set("topology." + std::string(k == "sockets" ? "llcs" : k), d, pointer_join(ptr, k));
      }
    }
  }

  // Applies a test-shaped table (a test, or a [defaults]).
  void apply(const json& table, const std::string& ptr) {
    if (!table.is_object()) return;
    for (auto& [k, v] : table.items()) {
      const std::string kp = pointer_join(ptr, k);
      if (k == "checks" || k == "gauntlet" || k == "sysctls") {
        if (!v.is_object()) continue;
        for (auto& [ck, cv] : v.items()) set(k + "." + ck, cv, pointer_join(kp, ck));
      } else if (k == "topology") {
        topology(v, kp);
      } else if (k == "kargs" || k == "extra_sched_args") {
        append(k, v, kp);
      } else {
        set(k, v, kp);
      }
    }
  }

  void append(const std::string& key, const json& v, const std::string& ptr) {
    if (!v.is_array()) return;
    auto it = settings.find(key);
    if (it == settings.end() || it->second.origin.layer == Layer::kBuiltin) {
      set(key, v, ptr);
      return;
    }
    json merged = it->second.value;
    for (const auto& e : v) merged.push_back(e);
    Origin o = origin_at(ptr);
    o.label = it->second.origin.describe() + " + " + o.describe();
    settings[key] = Setting{merged, o};
  }
};

void builtin_defaults(std::map<std::string, Setting>& settings) {
  const json& schema = SchemaChecker::spec().schema();
  Origin builtin;
  if (!schema.contains("definitions")) return;
  const json& defs = schema["definitions"];
  auto take = [&](const char* def, const std::string& prefix) {
    if (!defs.contains(def) || !defs[def].contains("properties")) return;
    for (auto& [k, p] : defs[def]["properties"].items()) {
      if (p.contains("default")) settings[prefix + k] = Setting{p["default"], builtin};
    }
  };
  take("test", "");
  take("checks", "checks.");
  take("gauntlet", "gauntlet.");
  // Keys with a table value are flattened, not kept whole.
  for (const char* k : {"checks", "gauntlet", "sysctls", "topology"}) settings.erase(k);
  TopologySpec t;  // 1n1l2c1t
  settings["topology.numa_nodes"] = Setting{t.numa_nodes, builtin};
  settings["topology.llcs"] = Setting{t.llcs, builtin};
  settings["topology.cores"] = Setting{t.cores, builtin};
  settings["topology.threads"] = Setting{t.threads, builtin};
  if (!settings.count("watchdog_timeout_s")) settings["watchdog_timeout_s"] = Setting{4, builtin};
}

const json* defaults_of(const TomlDocument& doc) {
  auto it = doc.root.find("defaults");
  return (it != doc.root.end() && it->is_object()) ? &*it : nullptr;
}

std::string scheduler_name(const std::map<std::string, Setting>& s) {
  auto it = s.find("scheduler");
  return (it != s.end() && it->second.value.is_string()) ? it->second.value.get<std::string>()
                                                         : "eevdf";
}

}  // namespace

namespace {

// A TOML number in form (sign, digits, '_', '.', exponent), whatever its size.
bool looks_numeric(const std::string& text) {
  static const std::regex kNumber(R"(^[+-]?[0-9][0-9_]*(\.[0-9_]+)?([eE][+-]?[0-9_]+)?$)");
  return text.size() < 400 && std::regex_match(text, kNumber);
}

}  // namespace

std::vector<SetOverride> parse_set_overrides(const std::vector<std::string>& args,
                                             Diagnostics& diags) {
  std::vector<SetOverride> out;
  const SchemaChecker& schema = SchemaChecker::spec();
  const json& checks_props = schema.schema()["definitions"]["checks"]["properties"];
  for (const auto& arg : args) {
    const auto eq = arg.find('=');
    const SourcePos where{"--set " + arg, 0, 0};
    if (eq == std::string::npos || eq == 0) {
      diags.error("set", where, "expected KEY=VALUE, e.g. --set max_gap_ms=500");
      continue;
    }
    std::string key = arg.substr(0, eq);
    const std::string text = arg.substr(eq + 1);
    if (key.find('.') == std::string::npos && checks_props.contains(key)) key = "checks." + key;
    json value;
    {
      // The value is TOML; a bare word (not valid TOML) is a string: --set scheduler=simple.
      Diagnostics parse_diags;
      auto doc = parse_toml("--set", "v = " + text, parse_diags);
      if (!doc && looks_numeric(text)) {
        // toml++ refuses 1e400 and 99999999999999999999 as out of range; taking
        // them as the string "1e400" would report "found string".
        diags.error("set", where,
                    fmt::format("{} is out of range: integers are 64-bit ({} to {}) and floats "
                                "at most about 1.8e308",
                                text, std::numeric_limits<int64_t>::min(),
                                std::numeric_limits<int64_t>::max()));
        continue;
      } else if (!doc) {
        value = text;
      } else if (!parse_diags.empty()) {  // nan / inf
        diags.error("set", where, "the value must be a finite number");
        continue;
      } else {
        value = doc->root["v"];
      }
    }
    // Check it where it would sit in a test.
    // Where the value would sit in a test. Sysctl names contain dots of their own.
    std::string pointer = "/test/_";
    if (key.starts_with("sysctls.")) {
      pointer = pointer_join("/test/_/sysctls", key.substr(8));
    } else {
      for (size_t i = 0, j; i <= key.size(); i = j + 1) {
        j = std::min(key.find('.', i), key.size());
        pointer = pointer_join(pointer, key.substr(i, j - i));
      }
    }
    const std::string top = key.substr(0, key.find('.'));
    std::vector<std::string> problems;
    if (key.starts_with("sysctls.") && key.find('/') != std::string::npos) {
      problems.push_back(fmt::format(
          "'{}' is not a sysctl name: sysctl names are dotted, not paths (kernel.foo, not "
          "kernel/foo or /proc/sys/kernel/foo)",
          key.substr(8)));
    } else if (!schema.schema()["definitions"]["test"]["properties"].contains(top)) {
      std::vector<std::string> candidates;
      for (auto& [k, _] : schema.schema()["definitions"]["test"]["properties"].items())
        candidates.push_back(k);
      for (auto& [k, _] : checks_props.items()) candidates.push_back(k);
      problems.push_back(fmt::format("unknown setting '{}'{}", key, did_you_mean(key, candidates)));
    } else {
      problems = schema.check_value(pointer, value);
    }
    for (const auto& p : problems) diags.error("set", where, p);
    if (problems.empty()) out.push_back({key, value, arg});
  }
  return out;
}

namespace {

void check_merged(const Catalog& cat, ResolvedTest& t, Diagnostics& diags);

}  // namespace

double derived_timeout_s(double duration_s, int vcpus) {
  return std::ceil(90 + 2 * duration_s + 4 * vcpus);
}

std::vector<ResolvedTest> resolve_tests(const Catalog& cat,
                                        const std::vector<SetOverride>& overrides,
                                        Diagnostics& diags) {
  std::vector<ResolvedTest> out;
  const SpecSet& set = *cat.set;
  for (const Entity* e : cat.tests) {
    ResolvedTest t;
    t.name = e->name;
    t.full_name = "ktstr/" + e->name;
    t.entity = e;
    builtin_defaults(t.settings);
    const TomlDocument& doc = set.specs[e->file];
    const int proj = set.project_of[e->file];
    const TomlDocument* project = proj >= 0 ? &set.projects[proj] : nullptr;

    auto apply_defaults = [&](const TomlDocument* d, Layer layer) {
      if (!d) return;
      if (const json* defs = defaults_of(*d)) {
        Layering{t.settings, d, Origin{layer, "", {}}, &diags}.apply(*defs, "/defaults");
      }
    };
    // The scheduler layer sits between project and file defaults, but which
    // scheduler applies is itself decided by the later layers: find it first.
    apply_defaults(project, Layer::kProject);
    json chosen = t.settings.count("scheduler") ? t.settings["scheduler"].value : json("eevdf");
    if (const json* defs = defaults_of(doc); defs && defs->contains("scheduler"))
      chosen = (*defs)["scheduler"];
    if (e->value->contains("scheduler")) chosen = (*e->value)["scheduler"];
    for (const auto& o : overrides)
      if (o.key == "scheduler") chosen = o.value;
    const std::string sched = chosen.is_string() ? chosen.get<std::string>() : "eevdf";
    if (const Entity* s = cat.find("scheduler", sched)) {
      const TomlDocument& sdoc = set.specs[s->file];
      Layering layer{t.settings, &sdoc, Origin{Layer::kScheduler, sched, {}}, &diags};
      json subset = json::object();
      for (const char* k : {"checks", "topology", "watchdog_timeout_s", "sysctls", "kargs"})
        if (s->value->contains(k)) subset[k] = (*s->value)[k];
      layer.apply(subset, s->pointer);
    }
    apply_defaults(&doc, Layer::kFileDefaults);
    Layering{t.settings, &doc, Origin{Layer::kTest, "", {}}, &diags}.apply(*e->value, e->pointer);
    for (const auto& o : overrides) {
      Origin origin{Layer::kCommandLine, o.text, {}};
      if (o.key == "topology") {
        Layering{t.settings, nullptr, origin, &diags}.topology(o.value, "");
      } else {
        t.settings[o.key] = Setting{o.value, origin};
      }
    }
    // timeout_s: derived from duration and vCPUs unless set.
    if (!t.settings.count("timeout_s")) {
      const double d = t.value_or<double>("duration_s", 2);
      const int cpus = t.topology().total_cpus();
      t.settings["timeout_s"] =
          Setting{derived_timeout_s(d, cpus), Origin{Layer::kDerived, kDerivedTimeoutRule, {}}};
    }
    check_merged(cat, t, diags);
    out.push_back(std::move(t));
  }
  return out;
}

namespace {

void check_merged(const Catalog& cat, ResolvedTest& t, Diagnostics& diags) {
  auto err = [&](const std::string& rule, const std::string& key, const std::string& msg,
                 const std::string& help = {}) {
    diags.error(rule, t.pos_of(key), fmt::format("test '{}': {}", t.name, msg), 1, help);
  };
  // The position of a value inside a table or array setting set by the test
  // itself ("cgroup", "/1/cpuset"), else of the setting.
  auto sub_pos = [&](const std::string& key, const std::string& suffix) {
    const Setting* st = t.get(key);
    if (st && st->origin.layer == Layer::kTest)
      return cat.set->specs[t.entity->file].value_pos(t.entity->pointer + "/" + key + suffix);
    return t.pos_of(key);
  };
  auto err_at = [&](const std::string& rule, const SourcePos& pos, const std::string& msg) {
    diags.error(rule, pos, fmt::format("test '{}': {}", t.name, msg));
  };
  // Topology: numa_nodes must divide llcs (a merged rule: the two may come from different layers).
  const TopologySpec topo = t.topology();
  if (topo.numa_nodes > 0 && topo.llcs % topo.numa_nodes != 0) {
    err("topology", "topology.numa_nodes",
        fmt::format("llcs ({}) must be divisible by numa_nodes ({})", topo.llcs, topo.numa_nodes));
  }
  // The scheduler exists.
  const std::string sched = scheduler_name(t.settings);
  const Entity* s = cat.find("scheduler", sched);
  if (sched != "eevdf" && !s) {
    auto names = cat.names("scheduler");
    names.push_back("eevdf");
    err("reference", "scheduler",
        fmt::format("unknown scheduler '{}'{}", sched, did_you_mean(sched, names)),
        "define [scheduler." + sched + "] or use \"eevdf\" (the kernel's own scheduler)");
  }
  // Flags exist in that scheduler.
  std::vector<std::string> flags;
  if (s && s->value->contains("flags") && (*s->value)["flags"].is_object())
    for (auto& [f, _] : (*s->value)["flags"].items()) flags.push_back(f);
  for (const char* key : {"required_flags", "excluded_flags"}) {
    const Setting* f = t.get(key);
    if (!f || !f->value.is_array()) continue;
    for (const auto& v : f->value) {
      if (!v.is_string()) continue;
      const std::string name = v.get<std::string>();
      if (std::find(flags.begin(), flags.end(), name) == flags.end()) {
        err("reference", key,
            fmt::format("{} names flag '{}', which scheduler '{}' does not declare{}", key, name,
                        sched, did_you_mean(name, flags)));
      }
    }
  }
  bool conflict = false;
  if (const Setting* r = t.get("required_flags"); r && r->value.is_array())
    if (const Setting* x = t.get("excluded_flags"); x && x->value.is_array())
      for (const auto& v : r->value)
        if (std::find(x->value.begin(), x->value.end(), v) != x->value.end()) {
          err("conflict", "excluded_flags",
              fmt::format("flag {} is both required and excluded", v.dump()));
          conflict = true;
        }
  // The flag profiles it runs with.
  if (s) {
    const auto required = t.value_or<std::vector<std::string>>("required_flags", {});
    const auto excluded = t.value_or<std::vector<std::string>>("excluded_flags", {});
    t.profiles = flag_profiles(declared_flags(cat, *s), required, excluded);
    if (t.profiles.empty() && !conflict)
      err("conflict", required.empty() ? "excluded_flags" : "required_flags",
          fmt::format("no flag profile of scheduler '{}' satisfies required_flags [{}] and "
                      "excluded_flags [{}] (with the flags' requires and excludes)",
                      sched, fmt::join(required, ", "), fmt::join(excluded, ", ")),
          "drop a required flag that another one excludes, or one that requires an excluded "
          "flag");
  }
  // Payload references; the same payload may not be both primary and extra.
  auto payloads = cat.names("payload");
  std::string primary;
  if (const Setting* p = t.get("payload"); p && p->value.is_string()) {
    primary = p->value.get<std::string>();
    if (!cat.find("payload", primary))
      err("reference", "payload",
          fmt::format("unknown payload '{}'{}", primary, did_you_mean(primary, payloads)));
  }
  if (const Setting* w = t.get("workloads"); w && w->value.is_array()) {
    for (const auto& v : w->value) {
      if (!v.is_string()) continue;
      const std::string name = v.get<std::string>();
      if (!cat.find("payload", name))
        err("reference", "workloads",
            fmt::format("unknown payload '{}' in workloads{}", name, did_you_mean(name, payloads)));
      if (name == primary)
        err("conflict", "workloads",
            fmt::format("payload '{}' is both the primary payload and in workloads", name),
            "list it in one place only");
    }
  }
  // Presets named by the gauntlet exist.
  if (const Setting* p = t.get("gauntlet.presets"); p && p->value.is_array()) {
    std::vector<std::string> known = cat.names("preset");
    for (const auto& pr : gauntlet_presets()) known.emplace_back(pr.name);
    for (const auto& v : p->value) {
      if (!v.is_string()) continue;
      const std::string name = v.get<std::string>();
      if (std::find(known.begin(), known.end(), name) == known.end())
        err("reference", "gauntlet.presets",
            fmt::format("unknown preset '{}'{}", name, did_you_mean(name, known)));
    }
  }
  // Gauntlet ranges are consistent.
  for (const char* dim : {"llcs", "cpus", "numa_nodes"}) {
    const int lo = t.value_or<int>(std::string("gauntlet.min_") + dim, 1);
    const Setting* hi = t.get(std::string("gauntlet.max_") + dim);
    if (hi && hi->value.is_number_integer() && hi->value.get<int>() < lo)
      err("range", std::string("gauntlet.max_") + dim,
          fmt::format("gauntlet max_{} ({}) is below min_{} ({})", dim, hi->value.get<int>(), dim,
                      lo));
  }
  // Mutually exclusive modes.
  if (t.value_or<bool>("performance_mode", false) && t.value_or<bool>("no_perf_mode", false)) {
    const std::string later =
        t.get("performance_mode")->origin.layer >= t.get("no_perf_mode")->origin.layer
            ? "performance_mode"
            : "no_perf_mode";
    err("conflict", later, "performance_mode and no_perf_mode are mutually exclusive",
        "set only one of them");
  }
  // expect_scx_bpf_error_* only make sense when the test expects an error.
  for (const char* key : {"expect_scx_bpf_error_contains", "expect_scx_bpf_error_matches"}) {
    if (t.get(key) && !t.value_or<bool>("expect_err", false))
      err("requires", key, fmt::format("{} requires expect_err = true", key),
          "add expect_err = true, or remove " + std::string(key));
  }
  if (const Setting* m = t.get("expect_scx_bpf_error_matches"); m && m->value.is_string()) {
    try {
      std::regex re(m->value.get<std::string>());
      if (std::regex_search("", re))
        err("regex", "expect_scx_bpf_error_matches",
            "expect_scx_bpf_error_matches matches the empty string, so it would match any error");
    } catch (const std::regex_error& e) {
      err("regex", "expect_scx_bpf_error_matches",
          fmt::format("expect_scx_bpf_error_matches is not a valid regex: {}", e.what()));
    }
  }
  // config iff the scheduler declares config_file.
  const bool has_config_file = s && s->value->contains("config_file");
  if (t.get("config") && !has_config_file)
    err("config", "config",
        fmt::format("config is set but scheduler '{}' declares no config_file", sched),
        "add config_file to [scheduler." + sched + "], or remove config");
  if (!t.get("config") && has_config_file)
    err("config", "scheduler",
        fmt::format("scheduler '{}' declares config_file, so the test must set config", sched));
  // A scenario needs both halves; without one, declarative cgroups are needed.
  const bool has_plugin = t.get("plugin"), has_scenario = t.get("scenario");
  if (has_plugin && !has_scenario)
    err("scenario", "plugin", "plugin is set but scenario is not", "name the scenario function");
  if (has_scenario && !has_plugin)
    err("scenario", "scenario", "scenario is set but plugin is not", "name the plugin");
  if (!has_plugin && !has_scenario && !t.get("cgroup") && !t.get("step"))
    err("scenario", "description",
        "the test has no scenario: set plugin and scenario, or declare [[test." + t.name +
            ".cgroup]] tables");
  // Declarative cgroups: unique names; cpusets within the topology; steps name known cgroups.
  std::vector<std::string> cg_names;
  if (const Setting* cg = t.get("cgroup"); cg && cg->value.is_array()) {
    for (size_t i = 0; i < cg->value.size(); ++i) {
      const json& c = cg->value[i];
      if (!c.is_object()) continue;
      const std::string name = json_str(c, "name");
      if (std::find(cg_names.begin(), cg_names.end(), name) != cg_names.end())
        err("duplicate-name", "cgroup", fmt::format("cgroup '{}' is declared twice", name));
      // A cgroup is a directory next to the parent's interface files: a name
      // such as cgroup.procs or cpu.max would collide with one of them.
      static constexpr const char* kControllerPrefixes[] = {
          "cgroup.",  "cpu.",  "cpuset.", "memory.", "io.",   "pids.",
          "hugetlb.", "rdma.", "misc.",   "irq.",    "blkio."};
      for (const char* prefix : kControllerPrefixes)
        if (name.starts_with(prefix)) {
          err_at("name", sub_pos("cgroup", "/" + std::to_string(i) + "/name"),
                 fmt::format("cgroup name '{}' starts with '{}', which cgroupfs reserves for its "
                             "interface files",
                             name, prefix));
          break;
        }
      cg_names.push_back(name);
      const std::string cpuset = json_str(c, "cpuset");
      int n = -1, limit = 0;
      const char* what = "";
      if (cpuset.starts_with("llc:")) {
        n = std::atoi(cpuset.c_str() + 4);
        limit = topo.llcs;
        what = "LLC";
      }
      if (cpuset.starts_with("numa:")) {
        n = std::atoi(cpuset.c_str() + 5);
        limit = topo.numa_nodes;
        what = "NUMA node";
      }
      if (n >= limit && n >= 0)
        err_at(
            "range", sub_pos("cgroup", "/" + std::to_string(i) + "/cpuset"),
            fmt::format("cgroup '{}' uses cpuset \"{}\" but the topology {} has {} {}{} (0-{})",
                        name, cpuset, topo.str(), limit, what, limit == 1 ? "" : "s", limit - 1));
    }
  }
  if (const Setting* st = t.get("step"); st && st->value.is_array()) {
    std::vector<std::string> known = cg_names;
    for (const auto& n : cg_names)  // "outer/inner" declares "outer" too
      for (size_t slash = n.find('/'); slash != std::string::npos; slash = n.find('/', slash + 1))
        known.push_back(n.substr(0, slash));
    for (size_t si = 0; si < st->value.size(); ++si) {
      const json& step = st->value[si];
      if (!step.is_object()) continue;
      const std::string at = "/" + std::to_string(si);
      const std::string op = json_str(step, "op");
      if (step.contains("cgroup") && step["cgroup"].is_string()) {
        const std::string cg = step["cgroup"];
        if (op == "add_cgroup") {
          known.push_back(cg);
        } else if (std::find(known.begin(), known.end(), cg) == known.end()) {
          err_at("reference", sub_pos("step", at + "/cgroup"),
                 fmt::format("step '{}' names cgroup '{}', which is not declared{}", op, cg,
                             did_you_mean(cg, known)));
        }
      }
      if (step.contains("payload") && step["payload"].is_string() &&
          !cat.find("payload", step["payload"]))
        err_at("reference", sub_pos("step", at + "/payload"),
               fmt::format("step '{}' names unknown payload '{}'", op,
                           step["payload"].get<std::string>()));
    }
  }
  check_pending_settings(t, diags);
  check_host_only_settings(t, diags);
}

}  // namespace

}  // namespace ktstr
