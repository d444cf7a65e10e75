// Discovery walks directories in sorted order so the run (and every message) is
// deterministic. Project files are found by walking up from each spec's
// directory; each is loaded once however many specs share it.
#include "runner/spec_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "runner/schema_checker.h"

namespace ktstr {

namespace fs = std::filesystem;

namespace {

constexpr const char* kProjectFile = "ktstr.toml";

bool is_hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.size() > 1 && name[0] == '.' && name != "..";
}

void walk(const fs::path& dir, std::vector<fs::path>& out) {
  std::error_code ec;
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(it->path());
  }
  std::sort(entries.begin(), entries.end());
  for (const auto& e : entries) {
    if (is_hidden(e)) continue;
    std::error_code sec;
    if (fs::is_directory(e, sec)) {
      walk(e, out);
    } else if (e.extension() == ".toml" && e.filename() != kProjectFile) {
      out.push_back(e);
    }
  }
}

bool read_file(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// A project file holds [run] and [defaults] only; a spec file anything but [run].
void check_file_role(const TomlDocument& doc, bool is_project, Diagnostics& diags) {
  for (auto& [key, _] : doc.root.items()) {
    const std::string ptr = pointer_join("", key);
    if (is_project && key != "run" && key != "defaults") {
      diags.error("project-file", doc.key_pos(ptr),
                  fmt::format("[{}] does not belong in ktstr.toml, which holds only [run] and "
                              "[defaults]",
                              key),
                  static_cast<int>(key.size()), "move it to a spec file");
    } else if (!is_project && key == "run") {
      diags.error("project-file", doc.key_pos(ptr),
                  "[run] settings belong in ktstr.toml (the project file), not in a spec file", 3,
                  "move [run] to the ktstr.toml at or above this file");
    }
  }
}

std::optional<TomlDocument> load_one(const fs::path& p, bool is_project, SpecSet& set,
                                     Diagnostics& diags) {
  const std::string shown = display_path(p);
  std::string text;
  if (!read_file(p, text)) {
    diags.error("io", SourcePos{shown, 0, 0}, "cannot read file: " + std::string(strerror(errno)));
    return std::nullopt;
  }
  set.sources.add(shown, text);
  auto doc = parse_toml(shown, text, diags);
  if (!doc) return std::nullopt;
  SchemaChecker::spec().check(*doc, diags);
  check_file_role(*doc, is_project, diags);
  return doc;
}

}  // namespace

std::string display_path(const fs::path& p) {
  std::error_code ec;
  const fs::path abs = fs::absolute(p, ec).lexically_normal();
  const fs::path cwd = fs::current_path(ec);
  if (!ec) {
    const fs::path rel = abs.lexically_relative(cwd);
    if (!rel.empty() && *rel.begin() != "..") return rel.string();
  }
  return p.lexically_normal().string();
}

std::vector<fs::path> discover_spec_files(const std::vector<std::string>& paths,
                                          Diagnostics& diags) {
  std::vector<fs::path> out;
  for (const auto& arg : paths) {
    const fs::path p(arg);
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      diags.error("path", SourcePos{arg, 0, 0}, "no such file or directory", 1,
                  "give spec files (*.toml) or directories that contain them");
      continue;
    }
    if (fs::is_directory(p, ec)) {
      const size_t before = out.size();
      walk(p, out);
      if (out.size() == before) {
        diags.error("path", SourcePos{arg, 0, 0}, "no spec files (*.toml) in this directory");
      }
    } else if (p.filename() != kProjectFile) {
      out.push_back(p);
    }
  }
  // The same file named twice (a file and its directory) is loaded once.
  std::set<fs::path> seen;
  std::vector<fs::path> unique;
  for (auto& f : out) {
    std::error_code ec;
    fs::path key = fs::weakly_canonical(f, ec);
    if (seen.insert(ec ? f : key).second) unique.push_back(f);
  }
  return unique;
}

SpecSet load_specs(const std::vector<std::string>& paths, Diagnostics& diags) {
  SpecSet set;
  std::map<fs::path, int> project_index;  // canonical ktstr.toml path -> index (-1: none)
  for (const auto& file : discover_spec_files(paths, diags)) {
    auto doc = load_one(file, /*is_project=*/false, set, diags);
    if (!doc) continue;
    std::error_code ec;
    int index = -1;
    const fs::path candidate =
        find_project_file(fs::absolute(file, ec).lexically_normal().parent_path());
    if (!candidate.empty()) {
      auto it = project_index.find(candidate);
      if (it != project_index.end()) {
        index = it->second;
      } else {
        auto proj = load_one(candidate, /*is_project=*/true, set, diags);
        if (proj) {
          index = static_cast<int>(set.projects.size());
          set.projects.push_back(std::move(*proj));
        }
        project_index[candidate] = index;
      }
    }
    set.specs.push_back(std::move(*doc));
    set.project_of.push_back(index);
  }
  return set;
}

fs::path find_project_file(const fs::path& dir) {
  std::error_code ec;
  for (fs::path d = dir;; d = d.parent_path()) {
    const fs::path candidate = d / kProjectFile;
    if (fs::exists(candidate, ec)) return candidate;
    if (d == d.root_path() || d.empty()) return {};
  }
}

std::vector<fs::path> project_plugin_path(const TomlDocument& project) {
  std::vector<fs::path> dirs;
  const fs::path pdir = fs::absolute(fs::path(project.file)).parent_path();
  if (project.root.contains("run") && project.root["run"].is_object() &&
      project.root["run"].contains("plugin_path") && project.root["run"]["plugin_path"].is_array())
    for (const auto& d : project.root["run"]["plugin_path"])
      if (d.is_string()) dirs.push_back(pdir / d.get<std::string>());
  return dirs;
}

}  // namespace ktstr
