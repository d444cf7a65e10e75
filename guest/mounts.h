// The filesystems the agent mounts as /init: the kernel mounts none of them
// (the Debian kernels even leave devtmpfs unmounted).
#pragma once

#include <string>
#include <vector>

namespace ktstr {

/// One filesystem the agent wants, and what happened when mounting it.
struct MountOutcome {
  std::string target;     ///< e.g. "/sys/fs/cgroup"
  std::string fstype;     ///< e.g. "cgroup2"
  bool already = false;   ///< it was mounted before the agent looked
  std::string error;      ///< "" on success
  bool required = false;  ///< the agent cannot work without it (proc, sys, dev)
};

/// Mounts proc, sysfs, devtmpfs, cgroup2, debugfs, tracefs and bpffs under
/// `root` ("/" in the guest), in dependency order, creating mount points as
/// needed. A filesystem already mounted there is left alone. Never throws;
/// failures are reported per mount.
std::vector<MountOutcome> mount_all(const std::string& root);

}  // namespace ktstr
