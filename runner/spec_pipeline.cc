#include "runner/spec_pipeline.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "runner/include_files.h"
#include "runner/plugin_loader.h"
#include "runner/preboot_check.h"
#include "runner/spec_rules.h"

namespace ktstr {

namespace fs = std::filesystem;

namespace {

void check_plugins(LoadedSpecs& out, const SpecOptions& options) {
  PluginInspector inspector(options.load_plugins ? PluginInspection::kLoad
                                                 : PluginInspection::kReadOnly);
  std::vector<fs::path> cli;
  for (const auto& p : options.plugin_paths) cli.emplace_back(p);
  for (auto& t : out.tests) {
    const Setting* plugin = t.get("plugin");
    const Setting* scenario = t.get("scenario");
    if (!plugin || !plugin->value.is_string() || !scenario || !scenario->value.is_string())
      continue;
    const SpecSet& set = *out.set;
    const int f = t.entity->file;
    // A plugin value is relative to the file that set it.
    fs::path spec_dir = fs::absolute(fs::path(plugin->origin.pos.known() ? plugin->origin.pos.file
                                                                         : set.specs[f].file))
                            .parent_path();
    const int proj = set.project_of[f];
    const std::vector<fs::path> project_dirs =
        proj >= 0 ? project_plugin_path(set.projects[proj]) : std::vector<fs::path>{};
    auto dirs = plugin_search_dirs(spec_dir, project_dirs, cli, std::getenv("KTSTR_PLUGIN_PATH"));
    auto lookup = resolve_plugin(plugin->value.get<std::string>(), spec_dir, dirs);
    if (!lookup.ok()) {
      out.diags.error("plugin", t.pos_of("plugin"),
                      fmt::format("test '{}': {}", t.name, lookup.error));
      continue;
    }
    const PluginInfo& info = inspector.inspect(lookup.path);
    if (!info.ok()) {
      out.diags.error("plugin", t.pos_of("plugin"),
                      fmt::format("test '{}': {}", t.name, info.error));
      continue;
    }
    std::string err = check_scenario(info, scenario->value.get<std::string>());
    if (!err.empty())
      out.diags.error("plugin", t.pos_of("scenario"), fmt::format("test '{}': {}", t.name, err));
    t.settings["plugin_file"] = Setting{lookup.path.string(), plugin->origin};
  }
}

}  // namespace

LoadedSpecs load_and_resolve(const SpecOptions& options) {
  LoadedSpecs out;
  auto overrides = parse_set_overrides(options.sets, out.diags);
  out.set = std::make_unique<SpecSet>(load_specs(options.paths, out.diags));
  out.catalog = build_catalog(*out.set, out.diags);
  check_entity_rules(out.catalog, out.diags);
  out.tests = resolve_tests(out.catalog, overrides, out.diags);
  // include_files need the host (files, the initrd budget): checked here, not in the spec layer.
  for (const auto& t : out.tests) check_include_files(out.catalog, t, out.diags);
  if (options.check_plugins) check_plugins(out, options);
  if (options.check_preboot) {
    out.kernels = kernels_for_run(*out.set, options.kernels);
    check_preboot(out.catalog, out.tests, out.kernels.kernels, out.diags);
  }
  out.diags.sort_and_dedupe();
  return out;
}

void report_diagnostics(const LoadedSpecs& specs, bool json) {
  if (json) {
    std::cout
        << render_json(specs.diags).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
    return;
  }
  RenderOptions ro;
  ro.color = isatty(STDERR_FILENO) && !std::getenv("NO_COLOR");
  std::cerr << render_text(specs.diags, specs.set->sources, ro);
}

}  // namespace ktstr
