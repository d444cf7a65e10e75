// `ktstr-run kernel fetch`: Debian's prebuilt linux-image-6.12*-cloud-amd64 into the cache.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/kernel_cache.h"

namespace ktstr {

/// A Debian kernel image package found by apt-cache.
struct DebianKernelPackage {
  std::string name;     ///< "linux-image-6.12.117+deb12-cloud-amd64"
  std::string release;  ///< "6.12.117+deb12-cloud-amd64" (the /boot file suffix)
  std::string version;  ///< upstream "6.12.117"
};

/// Picks the newest signed `linux-image-6.12.N+debX-cloud-amd64` from
/// `apt-cache search --names-only` output (meta, -dbg and -unsigned packages are skipped).
std::optional<DebianKernelPackage> newest_cloud_kernel(std::string_view apt_cache_search_output);

/// Options of a fetch.
struct FetchOptions {
  std::filesystem::path cache_root = kernel_cache_root();
  std::function<void(const std::string&)> progress;  ///< one line per step
};

/// Result of a fetch.
struct FetchResult {
  KernelEntry entry;
  bool existed = false;  ///< the same package was already cached
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Finds the newest package (running `apt-get update` only when apt-cache knows
/// none), returns the cached entry when it has that package, else downloads it
/// with `apt-get download`, unpacks it with `dpkg-deb -x`, and installs
/// vmlinuz/System.map/config as entry `<version>-cloud`.
FetchResult fetch_debian_kernel(const FetchOptions& options = {});

}  // namespace ktstr
