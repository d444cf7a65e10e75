// Cgroup v2 operations under one directory (the scenario's cgroup root). On a
// real cgroup2 mount it enables the cpuset and cpu controllers on every level
// it creates and removes cgroups with rmdir. Elsewhere (host-side tests on a
// plain directory) it emulates the files the engine uses: cgroup.procs holds
// one pid per line and a pid is in exactly one cgroup.procs at a time.
#pragma once

#include <ktstr/detail/assert_result.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ktstr {

/// Cgroups below a root directory; names are relative ("a", "a/b").
class CgroupOps {
 public:
  /// `root` is created by init(); its parent must exist.
  explicit CgroupOps(std::filesystem::path root);

  /// Creates the root and, on cgroup2, enables controllers in its parent.
  Status init();
  /// True when the root is on a cgroup2 mount (not emulated).
  bool is_cgroup2() const { return cgroup2_; }
  const std::filesystem::path& root() const { return root_; }
  /// The directory of cgroup `name`.
  std::filesystem::path path_of(std::string_view name) const { return root_ / std::string(name); }

  /// "" when `name` is a valid relative cgroup name ([A-Za-z0-9_.-] parts joined by '/').
  static Status validate_name(std::string_view name);
  /// True when the cgroup directory exists.
  bool exists(std::string_view name) const;
  /// Creates `name` and missing parents; `created` receives every new directory's name.
  Status create(std::string_view name, std::vector<std::string>* created = nullptr);
  /// Removes `name` and its children (they must have no live tasks on cgroup2).
  Status remove(std::string_view name);
  /// Writes cpuset.cpus ("" gives the parent's CPUs back).
  Status set_cpus(std::string_view name, const std::string& cpu_list);
  /// The cpuset.cpus text last written ("" when none).
  std::string cpus(std::string_view name) const;
  /// Moves task `pid` into `name` (cgroup.procs).
  Status move_task(std::string_view name, int pid);
  /// The pids in `name`'s cgroup.procs.
  std::vector<int> procs(std::string_view name) const;
  /// Removes every cgroup under the root and the root itself.
  Status remove_all();

 private:
  Status write_file(const std::filesystem::path& file, const std::string& text, bool append) const;
  void enable_controllers(const std::filesystem::path& dir) const;
  Status remove_dir_tree(const std::filesystem::path& dir);

  std::filesystem::path root_;
  bool cgroup2_ = false;
};

}  // namespace ktstr
