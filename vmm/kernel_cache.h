// The kernel cache: `$XDG_CACHE_HOME/ktstr/kernels/<label>/` (KTSTR_CACHE_DIR
// overrides the `ktstr` directory), one directory per kernel with bzImage,
// System.map, config, metadata.json, and for built kernels vmlinux (symbols and
// BTF only) and sched/ (example schedulers). Entries are installed atomically
// (staging directory + rename) and locked while in use (flock on <entry>/.lock:
// shared for users, exclusive for removal). `.work/` holds build trees and logs.
#pragma once

#include "guest/protocol/utc_time.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "vmm/kernel_config.h"

namespace ktstr {

/// metadata.json of a cache entry.
struct KernelMetadata {
  std::string label;    ///< directory name, e.g. "6.12.117-cloud", "6.12.117-scx-1a2b3c4d"
  std::string version;  ///< kernel release, e.g. "6.12.117"
  std::string kind;     ///< "prebuilt" or "built"
  std::string source;   ///< "debian:<package>", "debian-source:linux-source-6.12", "tree:/path"
  std::string source_version;      ///< Debian package version, when the source is a package
  std::string commit;              ///< git commit of a tree ("" otherwise)
  bool dirty = false;              ///< the tree had uncommitted changes
  std::string key;                 ///< sha256 of the build inputs (built kernels; "" for prebuilt)
  std::string config_hash;         ///< sha256 of the final .config
  std::string fragment;            ///< config fragment used (built kernels)
  std::string built_at;            ///< UTC, ISO 8601
  double build_seconds = 0;        ///< kernel build time (0 for prebuilt)
  double sched_build_seconds = 0;  ///< tools/sched_ext build time
  bool sched_ext = false;          ///< CONFIG_SCHED_CLASS_EXT=y
  std::string virtio_console = "n";     ///< "y", "m" or "n"
  std::vector<std::string> schedulers;  ///< files in sched/
  uint64_t size_bytes = 0;              ///< total size of the entry
  uint64_t image_bytes = 0;             ///< bzImage size at install (0: not recorded)
  std::string image_sha256;  ///< bzImage SHA-256 at install ("": entry predates the record)
};

/// A cache entry on disk.
struct KernelEntry {
  std::filesystem::path dir;
  KernelMetadata meta;
};

/// What the run pipeline needs about one kernel, wherever it came from.
struct KernelInfo {
  std::string label;                        ///< cache label, or the path the user gave
  std::filesystem::path image;              ///< bzImage
  std::filesystem::path system_map;         ///< may be empty (user kernels)
  std::filesystem::path vmlinux;            ///< may be empty (prebuilt kernels)
  std::filesystem::path config;             ///< may be empty when only an embedded config was found
  std::filesystem::path entry_dir;          ///< cache entry directory ("" for user paths)
  std::filesystem::path sched_dir;          ///< example schedulers ("" when none)
  std::string version;                      ///< "6.12.117" ("" when unknown)
  std::string source;                       ///< metadata source, or "path:<p>"
  bool sched_ext = false;                   ///< the kernel can load sched_ext schedulers
  Tristate virtio_console = Tristate::kNo;  ///< y: virtio-serial channel; else serial fallback
  bool config_known = false;                ///< features come from a config (else assumed absent)
  /// CONFIG_JUMP_LABEL=y (or unknown): the kernel patches its code while all
  /// CPUs run, which QEMU 7.2's multi-threaded TCG gets wrong now and then
  /// ("Oops: int3" at a static-key site), so such kernels get one TCG thread.
  bool jump_label = true;
  unsigned hz = 0;                 ///< CONFIG_HZ from the config (0 = unknown)
  std::vector<std::string> notes;  ///< warnings for the run header (e.g. serial fallback)
  /// True when the virtio console is built in, so the fast channel works without modules.
  bool virtio_console_builtin() const { return virtio_console == Tristate::kYes; }
};

/// The upstream version at the start of a kernel release:
/// "6.12.117+deb12-cloud-amd64" → "6.12.117"; "" when it does not start with one.
std::string upstream_version(const std::string& release);

/// The ktstr cache directory: $KTSTR_CACHE_DIR, else $XDG_CACHE_HOME/ktstr, else ~/.cache/ktstr.
std::filesystem::path ktstr_cache_dir();
/// The kernel cache: ktstr_cache_dir()/kernels.
std::filesystem::path kernel_cache_root();

/// True for labels made of [A-Za-z0-9._+-], not starting with '.'.
bool valid_kernel_label(const std::string& label);

/// Every entry with a readable metadata.json under `root` (staging and work
/// directories are skipped), by label. An entry whose bzImage is missing or
/// damaged is listed too: verify_kernel_entry() (kernel_image_check.h) says so.
std::vector<KernelEntry> list_kernels(const std::filesystem::path& root = kernel_cache_root());
/// The entry with this label, if its metadata.json is readable.
std::optional<KernelEntry> find_kernel(const std::string& label,
                                       const std::filesystem::path& root = kernel_cache_root());
/// The built entry whose metadata key is `key` (idempotent builds).
std::optional<KernelEntry> find_kernel_by_key(
    const std::string& key, const std::filesystem::path& root = kernel_cache_root());
/// The default kernel: the newest (built_at) sched_ext entry, else the newest prebuilt one.
std::optional<KernelEntry> default_kernel(const std::vector<KernelEntry>& entries);

/// The run-pipeline view of an entry.
KernelInfo kernel_info(const KernelEntry& entry);

/// Reads metadata.json; nullopt and `error` when missing or malformed.
std::optional<KernelMetadata> read_kernel_metadata(const std::filesystem::path& file,
                                                   std::string* error = nullptr);

/// Creates `<root>/.tmp-<label>-<pid>` (fresh) for building an entry.
std::optional<std::filesystem::path> make_staging_dir(
    const std::string& label, std::string* error,
    const std::filesystem::path& root = kernel_cache_root());

/// Result of installing an entry.
struct InstallResult {
  KernelEntry entry;
  bool existed = false;  ///< an identical label was already installed; staging was discarded
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Writes `meta` (with size_bytes and the bzImage's size and SHA-256
/// computed) as metadata.json into `staging`,
/// creates the lock file, and renames staging to `<root>/<meta.label>` in one
/// step. If the label exists already, staging is removed and the existing entry returned.
InstallResult install_entry(const std::filesystem::path& staging, KernelMetadata meta,
                            const std::filesystem::path& root = kernel_cache_root());

/// An flock on an entry's .lock, released on destruction.
class KernelLock {
 public:
  KernelLock() = default;
  KernelLock(KernelLock&& other) noexcept;
  KernelLock& operator=(KernelLock&& other) noexcept;
  KernelLock(const KernelLock&) = delete;
  KernelLock& operator=(const KernelLock&) = delete;
  ~KernelLock();
  /// Locks `dir`/.lock shared (users) or exclusive (removal); `wait` blocks, else
  /// fails at once when held. nullopt and `error` on failure.
  static std::optional<KernelLock> acquire(const std::filesystem::path& dir, bool exclusive,
                                           bool wait, std::string* error);
  /// True while holding a lock.
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// Removes an entry: takes its exclusive lock without waiting (fails "in use"
/// when a run holds it), renames it out of sight, then deletes it. "" on success.
std::string remove_kernel_entry(const std::string& label,
                                const std::filesystem::path& root = kernel_cache_root());

/// Deletes staging directories of processes that no longer exist and leftover trash.
void remove_stale_staging(const std::filesystem::path& root = kernel_cache_root());

/// Total size of the regular files under `dir`.
uint64_t directory_size(const std::filesystem::path& dir);

}  // namespace ktstr
