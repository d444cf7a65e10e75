// Discovery walks directories in sorted order so the run (and every message) is
// deterministic. Project files are found by walking up from each spec's
// directory; each is loaded once however many specs share it.
#include "runner/spec_loader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>
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

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Specs are regular files of bounded size. The type is checked on the open
// descriptor (O_NONBLOCK, so opening a FIFO cannot block), and at most one byte
// more than the cap is read, so /dev/zero or a growing file cannot exhaust memory.
std::string read_spec_text(const fs::path& p, std::string& out) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return "cannot read file: " + std::string(strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return "cannot read file: " + std::string(strerror(errno));
  if (!S_ISREG(st.st_mode))
    return fmt::format("{}, not a regular file: specs are regular TOML files",
                       file_kind(st.st_mode));
  const std::string too_big = fmt::format(
      "the file is larger than {} bytes (4 MiB), the limit for a spec file", kMaxSpecFileBytes);
  if (static_cast<uintmax_t>(st.st_size) > kMaxSpecFileBytes) return too_big;
  out.clear();
  char buf[65536];
  while (out.size() <= kMaxSpecFileBytes) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return "cannot read file: " + std::string(strerror(errno));
    if (n == 0) return "";
    out.append(buf, static_cast<size_t>(n));
  }
  return too_big;
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
  if (std::string err = read_spec_text(p, text); !err.empty()) {
    diags.error("io", SourcePos{shown, 0, 0}, err);
    return std::nullopt;
  }
  // Only files named *.toml are quoted in messages: a file named by hand may be
  // anything (`check /etc/shadow`), and its lines are not ours to print.
  const bool quotable = p.extension() == ".toml";
  if (quotable) set.sources.add(shown, text);
  Diagnostics parse_diags;
  auto doc = parse_toml(shown, text, parse_diags);
  for (Diagnostic d : parse_diags.all()) {
    if (!quotable && d.rule == "toml-syntax")
      d.help =
          "the file is not TOML; spec files are TOML files named *.toml (its text is not "
          "shown because its name does not end in .toml)";
    diags.add(std::move(d));
  }
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
