// Mounting the agent's filesystems. "Already mounted" means the target is a
// mount point (another device than its parent) whose filesystem magic is the
// one we would mount. That makes a second agent start (or a kernel with
// DEVTMPFS_MOUNT=y) harmless, without parsing /proc/self/mountinfo (which
// needs /proc first).
#include "guest/mounts.h"

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ktstr {

namespace {

struct MountSpec {
  const char* target;
  const char* fstype;
  unsigned long magic;
  bool required;
};

#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

// Order matters: sysfs holds the mount points of the later ones.
constexpr MountSpec kMounts[] = {
    {"proc", "proc", PROC_SUPER_MAGIC, true},
    {"sys", "sysfs", SYSFS_MAGIC, true},
    {"dev", "devtmpfs", TMPFS_MAGIC, true},
    {"sys/fs/cgroup", "cgroup2", CGROUP2_SUPER_MAGIC, false},
    {"sys/kernel/debug", "debugfs", DEBUGFS_MAGIC, false},
    {"sys/kernel/tracing", "tracefs", TRACEFS_MAGIC, false},
    {"sys/fs/bpf", "bpf", BPF_FS_MAGIC, false},
};

/// True when a filesystem with `magic` is mounted at `path`. The magic alone is
/// not enough: the initramfs root is a tmpfs, whose magic devtmpfs shares, so
/// the target must also sit on another device than its parent directory.
bool mounted_as(const std::string& path, unsigned long magic) {
  struct statfs fs {};
  struct stat self {};
  struct stat parent {};
  if (statfs(path.c_str(), &fs) != 0 || static_cast<unsigned long>(fs.f_type) != magic) {
    return false;
  }
  if (stat(path.c_str(), &self) != 0 || stat((path + "/..").c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev;
}

}  // namespace

std::vector<MountOutcome> mount_all(const std::string& root) {
  std::vector<MountOutcome> outcomes;
  std::string base = root.empty() ? "/" : root;
  if (base.back() != '/') base += '/';
  for (const MountSpec& m : kMounts) {
    MountOutcome out;
    out.target = base + m.target;
    out.fstype = m.fstype;
    out.required = m.required;
    if (mounted_as(out.target, m.magic)) {
      out.already = true;
      outcomes.push_back(std::move(out));
      continue;
    }
    std::error_code ec;
    std::filesystem::create_directories(out.target, ec);  // sysfs dirs already exist
    if (mount(m.fstype, out.target.c_str(), m.fstype, MS_NOSUID | MS_NOEXEC, nullptr) != 0) {
      int err = errno;
      if (err == EBUSY && mounted_as(out.target, m.magic)) {
        out.already = true;
      } else {
        out.error =
            std::string("mount ") + m.fstype + " on " + out.target + ": " + std::strerror(err);
      }
    }
    outcomes.push_back(std::move(out));
  }
  return outcomes;
}

}  // namespace ktstr
