// The `plugins` subcommand: resolve each argument, inspect it without running
// any scenario, and print the scenarios as aligned text or JSON. Paths are
// shown as the user would type them: relative to the cwd when below it.
#include "runner/plugins_command.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runner/exit_codes.h"
#include "runner/plugin_loader.h"
#include "runner/spec_loader.h"

namespace ktstr {
namespace fs = std::filesystem;

namespace {

// A scenario's source file as its plugin recorded it (__FILE__): our own
// plugins record it from their source root; a plugin built elsewhere may
// record an absolute path, shown relative to the cwd when below it.
std::string shown_source(const std::string& file) {
  return fs::path(file).is_absolute() ? display_path(file) : file;
}

nlohmann::json to_json(const PluginInfo& info) {
  nlohmann::json j;
  j["path"] = display_path(info.path);
  j["abi"] = info.abi;
  j["sdk_version"] = info.sdk_version;
  j["scenarios"] = nlohmann::json::array();
  for (const auto& s : info.scenarios)
    j["scenarios"].push_back({{"name", s.name},
                              {"file", shown_source(s.file)},
                              {"line", s.line},
                              {"description", s.description}});
  if (!info.ok()) {
    j["error"] = info.error;
    j["kind"] = info.kind;
  }
  return j;
}

void print_text(const PluginInfo& info, std::ostream& out) {
  out << display_path(info.path) << " (ABI " << info.abi << ", " << info.scenarios.size()
      << (info.scenarios.size() == 1 ? " scenario)\n" : " scenarios)\n");
  size_t name_w = 0, loc_w = 0;
  std::vector<std::string> locs;
  for (const auto& s : info.scenarios) {
    locs.push_back(shown_source(s.file) + ":" + std::to_string(s.line));
    name_w = std::max(name_w, s.name.size());
    loc_w = std::max(loc_w, locs.back().size());
  }
  for (size_t i = 0; i < info.scenarios.size(); ++i) {
    const auto& s = info.scenarios[i];
    std::string line = "  " + s.name + std::string(name_w - s.name.size() + 2, ' ') + locs[i];
    if (!s.description.empty())
      line += std::string(loc_w - locs[i].size() + 2, ' ') + s.description;
    out << line << "\n";
  }
}

}  // namespace

int run_plugins_command(const PluginsOptions& options, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  const std::vector<fs::path> cli_dirs(options.plugin_path.begin(), options.plugin_path.end());
  // The nearest ktstr.toml's [run] plugin_path counts as it does for `check` and `run`.
  std::vector<fs::path> project_dirs;
  if (const fs::path project = find_project_file(cwd); !project.empty()) {
    std::ifstream in(project);
    std::stringstream text;
    text << in.rdbuf();
    Diagnostics diags;
    if (auto doc = parse_toml(display_path(project), text.str(), diags))
      project_dirs = project_plugin_path(*doc);
    else
      err << "ktstr-run: warning: " << display_path(project)
          << " does not parse; its [run] plugin_path is ignored (`ktstr-run check` says why)\n";
  }
  const auto dirs =
      plugin_search_dirs(cwd, project_dirs, cli_dirs, std::getenv("KTSTR_PLUGIN_PATH"));
  nlohmann::json all = nlohmann::json::array();
  int code = kExitOk;
  bool first = true;
  for (const auto& arg : options.plugins) {
    PluginInfo info;
    // Anything at that path (a file, a directory, a symlink) is taken as is and
    // said what it is; anything else is a name or spec-style path.
    const auto how = options.load ? PluginInspection::kLoad : PluginInspection::kReadOnly;
    if (fs::symlink_status(arg, ec).type() != fs::file_type::not_found &&
        fs::symlink_status(arg, ec).type() != fs::file_type::none) {
      info = inspect_plugin(fs::absolute(arg, ec).lexically_normal(), how);
    } else {
      PluginLookup lookup = resolve_plugin(arg, cwd, dirs);
      if (lookup.ok()) {
        info = inspect_plugin(lookup.path, how);
      } else {
        info.path = arg;
        info.kind = "not-found";
        info.error = lookup.error;
      }
    }
    if (!info.ok()) code = kExitUsage;
    if (options.json) {
      all.push_back(to_json(info));
      continue;
    }
    if (!info.ok()) {
      err << "ktstr-run: error: " << info.error << "\n";
      continue;
    }
    if (!first) out << "\n";
    first = false;
    print_text(info, out);
  }
  if (options.json) out << nlohmann::json{{"plugins", all}}.dump(2) << "\n";
  return code;
}

void add_plugins_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PluginsOptions>();
  CLI::App* sub = app.add_subcommand(
      "plugins", "List the scenarios of plugins (names on the plugin path, or .so paths)");
  sub->add_option("PLUGIN", options->plugins, "plugin name (libktstr_NAME.so / NAME.so) or path")
      ->required();
  sub->add_flag("--json", options->json, "print JSON instead of text");
  sub->add_flag("--load", options->load,
                "also load each plugin (runs its static constructors as this user) to find "
                "missing libraries; by default plugins are only read");
  sub->add_option("--plugin-path", options->plugin_path,
                  "extra directory to search for plugins (repeatable)");
  sub->callback(
      [options, &exit_code] { exit_code = run_plugins_command(*options, std::cout, std::cerr); });
}

}  // namespace ktstr
