// Plugin search, name resolution and inspection (see plugin_loader.h).
//
// Inspection is two-phase. First the file is read as data: its type and ELF
// header (plugin_file.h), then boost::dll::library_info reads the section
// table: a file without our "ktstr" section exporting ktstr_plugin_entry is
// "not a ktstr plugin". By default the scenario list then comes from the
// records KTSTR_SCENARIO wrote into section .ktstr.scenarios, so nothing of a
// plugin named by an untrusted spec runs on the host. Only with --load
// (PluginInspection::kLoad) is the file dlopen'ed (RTLD_NOW, so a missing
// dependency or symbol shows up here rather than in the guest) and the entry
// point called; it returns the registry the static initialisers filled.
// Scenario functions are never called. Strings are copied out before dlclose.
#include "runner/plugin_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <ktstr/detail/abi.h>
#include <algorithm>
#include <boost/dll/library_info.hpp>
#include <cstdlib>
#include <system_error>

#include "runner/edit_distance.h"
#include "runner/install_paths.h"
#include "runner/plugin_file.h"

namespace ktstr {
namespace fs = std::filesystem;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void add_unique(std::vector<fs::path>& dirs, const fs::path& dir) {
  if (dir.empty()) return;
  fs::path normal = dir.lexically_normal();
  if (std::find(dirs.begin(), dirs.end(), normal) == dirs.end()) dirs.push_back(normal);
}

PluginInfo failure(const fs::path& path, std::string kind, std::string error) {
  PluginInfo info;
  info.path = path;
  info.kind = std::move(kind);
  info.error = std::move(error);
  return info;
}

/// Closes a dlopen handle on scope exit.
struct DlHandle {
  void* handle = nullptr;
  ~DlHandle() {
    if (handle) dlclose(handle);
  }
};

const char* kRebuildHint =
    "rebuild it with find_package(ktstr) + ktstr_add_plugin() (see docs/plugins.md)";

}  // namespace

std::vector<fs::path> split_path_list(std::string_view text) {
  std::vector<fs::path> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(':', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(std::string(text.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

std::vector<fs::path> default_plugin_dirs() { return install_paths().plugin_dirs; }

std::vector<fs::path> plugin_search_dirs(const fs::path& spec_dir,
                                         const std::vector<fs::path>& project_plugin_path,
                                         const std::vector<fs::path>& cli_dirs,
                                         const char* env_value) {
  std::vector<fs::path> dirs;
  add_unique(dirs, spec_dir);
  for (const auto& d : project_plugin_path) add_unique(dirs, d);
  for (const auto& d : cli_dirs) add_unique(dirs, d);
  if (env_value)
    for (const auto& d : split_path_list(env_value)) add_unique(dirs, d);
  for (const auto& d : default_plugin_dirs()) add_unique(dirs, d);
  return dirs;
}

PluginLookup resolve_plugin(std::string_view value, const fs::path& spec_dir,
                            const std::vector<fs::path>& dirs) {
  PluginLookup lookup;
  std::error_code ec;
  auto found = [&](const fs::path& candidate) {
    lookup.tried.push_back(candidate);
    if (fs::is_regular_file(candidate, ec)) {
      lookup.path = fs::absolute(candidate, ec).lexically_normal();
      return true;
    }
    // Something that is not a file (a directory, a symlink loop) is named as
    // what it is, not reported as "not found".
    bool missing = true;
    std::string problem = plugin_file_problem(candidate, &missing);
    if (missing) return false;
    lookup.error = "plugin '" + std::string(value) + "': " + problem;
    return true;
  };
  if (value.empty()) {
    lookup.error =
        "plugin name is empty: set plugin = \"NAME\" (libktstr_NAME.so on the plugin "
        "path) or a path relative to the spec file";
    return lookup;
  }
  if (value.find('/') != std::string_view::npos || ends_with(value, ".so")) {
    fs::path p(std::string{value});
    if (p.is_relative()) p = spec_dir / p;
    if (found(p.lexically_normal())) return lookup;  // a file, or an error saying what is there
    lookup.error = "plugin '" + std::string(value) + "' not found: no file " +
                   p.lexically_normal().string() +
                   " (a plugin value with '/' or ending in .so is a path relative to the spec "
                   "file; fix the path or use a bare name found on the plugin path)";
    return lookup;
  }
  const std::string name(value);
  for (const auto& dir : dirs) {
    if (found(dir / ("libktstr_" + name + ".so"))) return lookup;
    if (found(dir / (name + ".so"))) return lookup;
  }
  std::string msg =
      "plugin '" + name + "' not found: looked for libktstr_" + name + ".so and " + name + ".so in";
  if (dirs.empty()) msg += " no directories";
  for (const auto& dir : dirs) msg += "\n    " + dir.string();
  msg +=
      "\n  fix: build the plugin, then add its directory with --plugin-path DIR, "
      "KTSTR_PLUGIN_PATH or ktstr.toml [run] plugin_path, or give a path relative to "
      "the spec file";
  lookup.error = std::move(msg);
  return lookup;
}

const ScenarioInfo* PluginInfo::find(std::string_view name) const {
  for (const auto& s : scenarios)
    if (s.name == name) return &s;
  return nullptr;
}

namespace {

// Phase 2 of a read-only inspection: the records KTSTR_SCENARIO wrote.
PluginInfo read_records(const fs::path& path) {
  const std::string where = path.string();
  ScenarioRecords records = read_scenario_records(path);
  if (!records.ok()) return failure(path, "not-a-plugin", records.error);
  PluginInfo info;
  info.path = path;
  info.abi = kPluginAbiVersion;
  for (const auto& r : records.records) {
    if (r.abi != kPluginAbiVersion) {
      info.abi = r.abi;
      info.sdk_version = r.sdk_version;
      return info;  // the caller reports the mismatch
    }
    info.sdk_version = r.sdk_version;
    info.scenarios.push_back(ScenarioInfo{r.name, r.file, r.line, r.description});
  }
  return info;
}

// Phase 2 of a loading inspection: dlopen (static initialisers register
// scenarios) and read the registry through the entry point.
PluginInfo load_registry(const fs::path& path) {
  const std::string where = path.string();
  dlerror();
  DlHandle lib{dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)};
  if (!lib.handle) {
    const char* err = dlerror();
    std::string text = err ? err : "unknown dlopen error";
    if (text.find("cannot open shared object file") != std::string::npos)
      return failure(path, "missing-dependency",
                     where + ": a shared library it needs is missing: " + text +
                         "; install that library or add its directory to LD_LIBRARY_PATH "
                         "(`ldd " +
                         where + "` lists what is missing); the guest needs it too");
    return failure(path, "load-failed",
                   where + ": cannot be loaded: " + text + "; " + kRebuildHint);
  }
  void* alias = dlsym(lib.handle, detail::kPluginEntryName);
  if (!alias)
    return failure(path, "not-a-plugin",
                   where + ": not a ktstr plugin (no " + detail::kPluginEntryName + " symbol); " +
                       kRebuildHint);
  // The alias is a variable holding the entry function's address (Boost.DLL).
  auto entry = reinterpret_cast<detail::PluginEntryFn*>(*static_cast<void**>(alias));
  const detail::PluginManifest* manifest = entry ? entry() : nullptr;
  if (!manifest || manifest->magic != detail::kPluginMagic)
    return failure(path, "not-a-plugin",
                   where +
                       ": not a ktstr plugin (its entry point returned no ktstr "
                       "manifest); " +
                       kRebuildHint);
  PluginInfo info;
  info.path = path;
  info.abi = manifest->abi_version;
  if (manifest->abi_version != kPluginAbiVersion) return info;  // the caller reports it
  info.sdk_version = manifest->sdk_version ? manifest->sdk_version : "";
  for (size_t i = 0; i < manifest->scenario_count; ++i) {
    const auto& e = manifest->scenarios[i];
    info.scenarios.push_back(ScenarioInfo{e.name ? e.name : "", e.file ? e.file : "", e.line,
                                          e.description ? e.description : ""});
  }
  return info;
}

}  // namespace

PluginInfo inspect_plugin(const fs::path& path, PluginInspection how) {
  const std::string where = path.string();
  bool not_found = false;
  if (std::string problem = plugin_file_problem(path, &not_found); !problem.empty())
    return failure(path, not_found ? "not-found" : "not-a-plugin", problem);

  // Phase 1: the ELF tables, without loading anything.
  try {
    boost::dll::library_info elf(path, true);
    auto sections = elf.sections();
    bool has_section =
        std::find(sections.begin(), sections.end(), detail::kPluginSectionName) != sections.end();
    bool has_entry = false;
    if (has_section) {
      auto symbols = elf.symbols(detail::kPluginSectionName);
      has_entry =
          std::find(symbols.begin(), symbols.end(), detail::kPluginEntryName) != symbols.end();
    }
    if (!has_entry)
      return failure(path, "not-a-plugin",
                     where + ": not a ktstr plugin (it does not export " +
                         detail::kPluginEntryName + " in section '" + detail::kPluginSectionName +
                         "'); a plugin defines scenarios with KTSTR_SCENARIO from "
                         "<ktstr/scenario.h>; " +
                         kRebuildHint);
  } catch (const std::exception& e) {
    return failure(path, "not-a-plugin",
                   where + ": not a ktstr plugin (its ELF tables cannot be read: " + e.what() +
                       "); " + kRebuildHint);
  }

  PluginInfo info = how == PluginInspection::kLoad ? load_registry(path) : read_records(path);
  if (!info.ok()) return info;
  if (info.abi != kPluginAbiVersion) {
    info.kind = "abi-mismatch";
    info.error = where + ": plugin ABI mismatch: the plugin was built for ABI version " +
                 std::to_string(info.abi) + ", this ktstr-run needs version " +
                 std::to_string(kPluginAbiVersion) +
                 "; rebuild the plugin against this ktstr's SDK (find_package(ktstr) of the "
                 "same install)";
    info.scenarios.clear();
    return info;
  }
  if (info.scenarios.empty()) {
    info.kind = "no-scenarios";
    info.error = where +
                 ": the plugin registers zero scenarios; define at least one with "
                 "KTSTR_SCENARIO(name) { ... } (scenarios in a static library must be linked "
                 "whole-archive: ktstr_add_plugin(NAME SOURCES ... LIBRARIES lib) does that)";
    if (how == PluginInspection::kReadOnly)
      info.error +=
          "; a plugin built with an SDK older than 0.1.0's scenario records lists its "
          "scenarios only when loaded: rebuild it, or inspect it with --load";
    return info;
  }
  std::map<std::string, const ScenarioInfo*> seen;
  for (const auto& s : info.scenarios) {
    auto [it, inserted] = seen.emplace(s.name, &s);
    if (!inserted) {
      info.kind = "duplicate-scenario";
      info.error = where + ": duplicate scenario name '" + s.name + "' at " + it->second->file +
                   ":" + std::to_string(it->second->line) + " and " + s.file + ":" +
                   std::to_string(s.line) + "; rename one of them (names are unique per plugin)";
      return info;
    }
  }
  return info;
}

std::string check_scenario(const PluginInfo& info, std::string_view scenario) {
  if (!info.ok()) return info.error;
  if (info.find(scenario)) return {};
  std::vector<std::string> names;
  for (const auto& s : info.scenarios) names.push_back(s.name);
  std::string msg = "unknown scenario '" + std::string(scenario) + "' in plugin " +
                    info.path.string() + did_you_mean(scenario, names) + "; it provides:";
  for (const auto& n : names) msg += " " + n;
  msg += " (list them with `ktstr-run plugins " + info.path.string() + "`)";
  return msg;
}

const PluginInfo& PluginInspector::inspect(const fs::path& path) {
  std::error_code ec;
  fs::path key = fs::weakly_canonical(path, ec);
  if (ec) key = path;
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  return cache_.emplace(key, inspect_plugin(path, how_)).first->second;
}

}  // namespace ktstr
