#include "runner/pending_settings.h"

#include <fmt/format.h>

#include <string>

namespace ktstr {

namespace {

void refuse(const ResolvedTest& t, Diagnostics& diags, const std::string& key,
            const std::string& what, const std::string& help) {
  diags.error("not-supported", t.pos_of(key), fmt::format("test '{}': {}", t.name, what), 1, help);
}

}  // namespace

bool is_monitor_check(std::string_view key) {
  if (!key.starts_with("checks.")) return false;
  key.remove_prefix(7);
  for (const char* name : kMonitorCheckKeys)
    if (key == name) return true;
  return false;
}

void check_pending_settings(const ResolvedTest& t, Diagnostics& diags) {
  if (const int n = t.value_or<int>("num_snapshots", 0); n > 0)
    refuse(t, diags, "num_snapshots",
           fmt::format("num_snapshots = {} is not supported yet, comes with BPF-map snapshots", n),
           "remove num_snapshots (or set it to 0)");
  if (t.value_or<bool>("auto_repro", false))
    refuse(t, diags, "auto_repro",
           "auto_repro = true is not supported yet, comes with failure dumps (a crashed "
           "scheduler is not rerun today)",
           "remove auto_repro (or set it to false)");
  // The monitor's keys: refused whoever sets them (even to their built-in
  // value), since a threshold nothing reads would let a test pass untested.
  for (const char* name : kMonitorCheckKeys) {
    const std::string key = std::string("checks.") + name;
    const Setting* s = t.get(key);
    if (!s || s->origin.layer == Origin::Layer::kBuiltin) continue;
    const std::string by = s->origin.layer == Origin::Layer::kCommandLine
                               ? " (set by " + s->origin.describe() + ")"
                               : "";
    refuse(t, diags, key,
           fmt::format("[checks] {} is not evaluated yet, comes with the host-side monitor{}", name,
                       by),
           fmt::format("remove {} from [checks]", name));
  }
  if (const Setting* tm = t.get("temporal"); tm && tm->value.is_array() && !tm->value.empty())
    refuse(t, diags, "temporal",
           "[[temporal]] assertions are not supported yet, come with BPF-map snapshots (nothing "
           "captures a series today)",
           "remove the [[temporal]] tables");
}

void check_host_only_settings(const ResolvedTest& t, Diagnostics& diags) {
  if (!t.value_or<bool>("host_only", false)) return;
  const std::string sched = t.value_or<std::string>("scheduler", "eevdf");
  if (sched != "eevdf")
    refuse(t, diags, "scheduler",
           fmt::format("host_only = true cannot run scheduler '{}': it would replace the host's "
                       "own scheduler",
                       sched),
           "use scheduler = \"eevdf\" (the host's scheduler), or remove host_only");
  for (const auto& [key, s] : t.settings) {
    if (!key.starts_with("sysctls.")) continue;
    refuse(t, diags, key,
           fmt::format("host_only = true cannot set sysctl '{}': it would change the host",
                       key.substr(8)),
           "remove the sysctl, or remove host_only");
    break;  // one is enough to say it
  }
  for (const char* key : {"kargs", "extra_include_files"}) {
    const Setting* s = t.get(key);
    if (s && s->value.is_array() && !s->value.empty())
      refuse(t, diags, key, fmt::format("host_only = true cannot use {}: no guest is booted", key),
             fmt::format("remove {}, or remove host_only", key));
  }
}

}  // namespace ktstr
