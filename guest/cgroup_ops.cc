// Cgroup v2 file operations (see cgroup_ops.h). Removal on cgroup2 is
// depth-first rmdir with a few retries: a task killed a moment ago may still
// be exiting and keep its cgroup populated (EBUSY).
#include "guest/cgroup_ops.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

namespace ktstr {
namespace fs = std::filesystem;

namespace {

std::string errno_text(int err) { return std::strerror(err); }

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<int> parse_pids(const std::string& text) {
  std::vector<int> pids;
  std::istringstream in(text);
  int pid = 0;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

}  // namespace

CgroupOps::CgroupOps(fs::path root) : root_(std::move(root)) {}

Status CgroupOps::init() {
  std::error_code ec;
  fs::path parent = root_.parent_path();
  if (!fs::is_directory(parent, ec))
    return Status::failure("cgroup root " + parent.string() + " does not exist");
  struct statfs st {};
  cgroup2_ = statfs(parent.c_str(), &st) == 0 &&
             static_cast<unsigned long>(st.f_type) == CGROUP2_SUPER_MAGIC;
  if (cgroup2_) enable_controllers(parent);
  if (!fs::is_directory(root_, ec) && mkdir(root_.c_str(), 0755) != 0 && errno != EEXIST)
    return Status::failure("create cgroup " + root_.string() + ": " + errno_text(errno));
  return {};
}

void CgroupOps::enable_controllers(const fs::path& dir) const {
  // Separately, so a controller the kernel lacks does not block the other.
  for (const char* c : {"+cpuset", "+cpu"})
    (void)write_file(dir / "cgroup.subtree_control", c, false);
}

Status CgroupOps::validate_name(std::string_view name) {
  if (name.empty()) return Status::failure("cgroup name is empty");
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..")
      return Status::failure("cgroup name '" + std::string(name) +
                             "': empty, '.' or '..' path component");
    for (char c : part)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
        return Status::failure("cgroup name '" + std::string(name) + "': character '" +
                               std::string(1, c) +
                               "' is not allowed (use A-Z a-z 0-9 _ - . and /)");
    start = end + 1;
  }
  return {};
}

bool CgroupOps::exists(std::string_view name) const {
  std::error_code ec;
  return fs::is_directory(path_of(name), ec);
}

Status CgroupOps::write_file(const fs::path& file, const std::string& text, bool append) const {
  int flags = O_WRONLY | O_CLOEXEC;
  if (!cgroup2_) flags |= O_CREAT | (append ? O_APPEND : O_TRUNC);
  int fd = open(file.c_str(), flags, 0644);
  if (fd < 0) return Status::failure("open " + file.string() + ": " + errno_text(errno));
  ssize_t n = write(fd, text.data(), text.size());
  int err = errno;
  close(fd);
  if (n < 0)
    return Status::failure("write '" + text + "' to " + file.string() + ": " + errno_text(err));
  return {};
}

Status CgroupOps::create(std::string_view name, std::vector<std::string>* created) {
  if (Status s = validate_name(name); !s) return s;
  fs::path dir = root_;
  std::string rel;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string part(name.substr(start, end - start));
    if (cgroup2_) enable_controllers(dir);
    dir /= part;
    rel = rel.empty() ? part : rel + "/" + part;
    if (mkdir(dir.c_str(), 0755) == 0) {
      if (created) created->push_back(rel);
    } else if (errno != EEXIST) {
      return Status::failure("create cgroup " + dir.string() + ": " + errno_text(errno));
    }
    start = end + 1;
  }
  return {};
}

Status CgroupOps::remove_dir_tree(const fs::path& dir) {
  std::error_code ec;
  if (!cgroup2_) {
    fs::remove_all(dir, ec);
    if (ec) return Status::failure("remove " + dir.string() + ": " + ec.message());
    return {};
  }
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory(ec))
      if (Status s = remove_dir_tree(entry.path()); !s) return s;
  for (int attempt = 0;; ++attempt) {
    if (rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
    if (errno != EBUSY || attempt >= 50)
      return Status::failure("remove cgroup " + dir.string() + ": " + errno_text(errno) +
                             (errno == EBUSY ? " (tasks still in it)" : ""));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status CgroupOps::remove(std::string_view name) {
  if (Status s = validate_name(name); !s) return s;
  if (!exists(name)) return Status::failure("cgroup '" + std::string(name) + "' does not exist");
  return remove_dir_tree(path_of(name));
}

Status CgroupOps::set_cpus(std::string_view name, const std::string& cpu_list) {
  if (!exists(name)) return Status::failure("cgroup '" + std::string(name) + "' does not exist");
  // On cgroup2 an empty write means "inherit the parent's CPUs".
  return write_file(path_of(name) / "cpuset.cpus", cpu_list.empty() && cgroup2_ ? "\n" : cpu_list,
                    false);
}

std::string CgroupOps::cpus(std::string_view name) const {
  std::string text = read_text(path_of(name) / "cpuset.cpus");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

Status CgroupOps::move_task(std::string_view name, int pid) {
  if (!exists(name)) return Status::failure("cgroup '" + std::string(name) + "' does not exist");
  if (!cgroup2_) {
    // Emulate the kernel: a task leaves its previous cgroup.
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->path().filename() != "cgroup.procs") continue;
      auto pids = parse_pids(read_text(it->path()));
      auto pos = std::find(pids.begin(), pids.end(), pid);
      if (pos == pids.end()) continue;
      pids.erase(pos);
      std::string text;
      for (int p : pids) text += std::to_string(p) + "\n";
      (void)write_file(it->path(), text, false);
    }
  }
  return write_file(path_of(name) / "cgroup.procs", std::to_string(pid) + "\n", true);
}

std::vector<int> CgroupOps::procs(std::string_view name) const {
  return parse_pids(read_text(path_of(name) / "cgroup.procs"));
}

Status CgroupOps::remove_all() {
  std::error_code ec;
  if (!fs::exists(root_, ec)) return {};
  return remove_dir_tree(root_);
}

}  // namespace ktstr
