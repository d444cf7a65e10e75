// The kernel cache on disk. An entry becomes visible only by rename(2) of a
// complete staging directory, so readers never see half an entry; an entry
// without a readable metadata.json is ignored. Removal takes the exclusive
// lock without waiting, renames the entry to `.trash-*` (so new users stop
// finding it at once) and deletes it.
#include "vmm/kernel_cache.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "vmm/kernel_config.h"
#include "vmm/kernel_image_check.h"

namespace ktstr {
namespace fs = std::filesystem;

namespace {

constexpr const char* kMetadataFile = "metadata.json";
constexpr const char* kLockFile = ".lock";

nlohmann::json to_json(const KernelMetadata& m) {
  return {{"label", m.label},
          {"version", m.version},
          {"kind", m.kind},
          {"source", m.source},
          {"source_version", m.source_version},
          {"commit", m.commit},
          {"dirty", m.dirty},
          {"key", m.key},
          {"config_hash", m.config_hash},
          {"fragment", m.fragment},
          {"built_at", m.built_at},
          {"build_seconds", m.build_seconds},
          {"sched_build_seconds", m.sched_build_seconds},
          {"sched_ext", m.sched_ext},
          {"virtio_console", m.virtio_console},
          {"schedulers", m.schedulers},
          {"size_bytes", m.size_bytes},
          {"image_bytes", m.image_bytes},
          {"image_sha256", m.image_sha256}};
}

template <typename T>
void get_opt(const nlohmann::json& j, const char* key, T& out) {
  const auto it = j.find(key);
  if (it != j.end() && !it->is_null()) out = it->get<T>();
}

}  // namespace

std::string upstream_version(const std::string& release) {
  size_t i = 0;
  while (i < release.size() &&
         (std::isdigit(static_cast<unsigned char>(release[i])) || release[i] == '.'))
    ++i;
  std::string v = release.substr(0, i);
  while (!v.empty() && v.back() == '.') v.pop_back();
  return v;
}

fs::path ktstr_cache_dir() {
  if (const char* d = std::getenv("KTSTR_CACHE_DIR"); d && *d) return fs::path(d);
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "ktstr";
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : "/tmp") / ".cache" / "ktstr";
}

fs::path kernel_cache_root() { return ktstr_cache_dir() / "kernels"; }

bool valid_kernel_label(const std::string& label) {
  if (label.empty() || label[0] == '.' || label.size() > 200) return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '+' ||
           c == '-';
  });
}

std::optional<KernelMetadata> read_kernel_metadata(const fs::path& file, std::string* error) {
  std::ifstream in(file);
  if (!in) {
    if (error) *error = "cannot read " + file.string();
    return std::nullopt;
  }
  try {
    const auto j = nlohmann::json::parse(in);
    KernelMetadata m;
    get_opt(j, "label", m.label);
    get_opt(j, "version", m.version);
    get_opt(j, "kind", m.kind);
    get_opt(j, "source", m.source);
    get_opt(j, "source_version", m.source_version);
    get_opt(j, "commit", m.commit);
    get_opt(j, "dirty", m.dirty);
    get_opt(j, "key", m.key);
    get_opt(j, "config_hash", m.config_hash);
    get_opt(j, "fragment", m.fragment);
    get_opt(j, "built_at", m.built_at);
    get_opt(j, "build_seconds", m.build_seconds);
    get_opt(j, "sched_build_seconds", m.sched_build_seconds);
    get_opt(j, "sched_ext", m.sched_ext);
    get_opt(j, "virtio_console", m.virtio_console);
    get_opt(j, "schedulers", m.schedulers);
    get_opt(j, "size_bytes", m.size_bytes);
    get_opt(j, "image_bytes", m.image_bytes);
    get_opt(j, "image_sha256", m.image_sha256);
    return m;
  } catch (const std::exception& e) {
    if (error) *error = file.string() + ": " + e.what();
    return std::nullopt;
  }
}

std::vector<KernelEntry> list_kernels(const fs::path& root) {
  std::vector<KernelEntry> out;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(root, ec)) {
    const std::string name = d.path().filename().string();
    if (!valid_kernel_label(name) || !d.is_directory(ec)) continue;
    auto meta = read_kernel_metadata(d.path() / kMetadataFile);
    if (!meta) continue;
    meta->label = name;  // the directory name is the label
    out.push_back({d.path(), *meta});
  }
  std::sort(out.begin(), out.end(),
            [](const KernelEntry& a, const KernelEntry& b) { return a.meta.label < b.meta.label; });
  return out;
}

std::optional<KernelEntry> find_kernel(const std::string& label, const fs::path& root) {
  if (!valid_kernel_label(label)) return std::nullopt;
  const fs::path dir = root / label;
  auto meta = read_kernel_metadata(dir / kMetadataFile);
  if (!meta) return std::nullopt;
  meta->label = label;
  return KernelEntry{dir, *meta};
}

std::optional<KernelEntry> find_kernel_by_key(const std::string& key, const fs::path& root) {
  if (key.empty()) return std::nullopt;
  for (auto& e : list_kernels(root))
    if (e.meta.key == key) return e;
  return std::nullopt;
}

std::optional<KernelEntry> default_kernel(const std::vector<KernelEntry>& entries) {
  const KernelEntry* best = nullptr;
  for (const auto& e : entries)
    if (e.meta.sched_ext && (!best || e.meta.built_at > best->meta.built_at)) best = &e;
  if (!best)
    for (const auto& e : entries)
      if (e.meta.kind == "prebuilt" && (!best || e.meta.built_at > best->meta.built_at)) best = &e;
  if (!best && !entries.empty()) best = &entries.front();
  if (!best) return std::nullopt;
  return *best;
}

KernelInfo kernel_info(const KernelEntry& entry) {
  KernelInfo info;
  std::error_code ec;
  info.label = entry.meta.label;
  info.entry_dir = entry.dir;
  info.image = entry.dir / "bzImage";
  if (fs::exists(entry.dir / "System.map", ec)) info.system_map = entry.dir / "System.map";
  if (fs::exists(entry.dir / "vmlinux", ec)) info.vmlinux = entry.dir / "vmlinux";
  if (fs::exists(entry.dir / "config", ec)) info.config = entry.dir / "config";
  if (fs::is_directory(entry.dir / "sched", ec)) info.sched_dir = entry.dir / "sched";
  info.version = entry.meta.version;
  info.source = entry.meta.source;
  info.sched_ext = entry.meta.sched_ext;
  info.virtio_console = entry.meta.virtio_console == "y"   ? Tristate::kYes
                        : entry.meta.virtio_console == "m" ? Tristate::kModule
                                                           : Tristate::kNo;
  info.config_known = !info.config.empty();
  if (info.config_known) {
    if (auto c = load_kernel_config(info.config)) {
      const KernelFeatures f = kernel_features(*c);
      info.jump_label = f.jump_label;
      info.hz = f.hz;
    }
  }
  if (!info.virtio_console_builtin())
    info.notes.push_back("kernel " + info.label +
                         " has no built-in virtio console: the agent uses the serial channel");
  return info;
}

std::optional<fs::path> make_staging_dir(const std::string& label, std::string* error,
                                         const fs::path& root) {
  if (!valid_kernel_label(label)) {
    if (error) *error = "invalid kernel label '" + label + "'";
    return std::nullopt;
  }
  std::error_code ec;
  fs::create_directories(root, ec);
  const fs::path dir = root / (".tmp-" + label + "-" + std::to_string(::getpid()));
  fs::remove_all(dir, ec);
  if (!fs::create_directory(dir, ec)) {
    if (error) *error = "create " + dir.string() + ": " + ec.message();
    return std::nullopt;
  }
  return dir;
}

uint64_t directory_size(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  return total;
}

InstallResult install_entry(const fs::path& staging, KernelMetadata meta, const fs::path& root) {
  InstallResult r;
  std::error_code ec;
  if (!valid_kernel_label(meta.label)) {
    r.error = "invalid kernel label '" + meta.label + "'";
    return r;
  }
  if (!fs::exists(staging / "bzImage", ec)) {
    r.error = "staging directory " + staging.string() + " has no bzImage";
    return r;
  }
  const fs::path dest = root / meta.label;
  if (auto existing = find_kernel(meta.label, root)) {
    fs::remove_all(staging, ec);
    r.entry = *existing;
    r.existed = true;
    return r;
  }
  if (meta.built_at.empty()) meta.built_at = utc_now_iso8601();
  std::ofstream(staging / kLockFile).close();
  if (!record_image_digest(staging / "bzImage", meta)) {
    r.error = "read " + (staging / "bzImage").string();
    return r;
  }
  meta.size_bytes = directory_size(staging);
  {
    std::ofstream out(staging / kMetadataFile);
    out << to_json(meta).dump(2) << "\n";
    if (!out) {
      r.error = "write " + (staging / kMetadataFile).string();
      return r;
    }
  }
  // A leftover directory without metadata is an incomplete entry from an older
  // layout or a crash between steps; it is not an entry, so replace it.
  if (fs::exists(dest, ec) && !fs::exists(dest / kMetadataFile, ec)) fs::remove_all(dest, ec);
  if (::rename(staging.c_str(), dest.c_str()) != 0) {
    const int err = errno;
    if ((err == ENOTEMPTY || err == EEXIST) && find_kernel(meta.label, root)) {
      // Another process installed the same label first: keep theirs.
      fs::remove_all(staging, ec);
      r.entry = *find_kernel(meta.label, root);
      r.existed = true;
      return r;
    }
    r.error = "rename " + staging.string() + " to " + dest.string() + ": " + std::strerror(err);
    return r;
  }
  r.entry = KernelEntry{dest, meta};
  return r;
}

KernelLock::KernelLock(KernelLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

KernelLock& KernelLock::operator=(KernelLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

KernelLock::~KernelLock() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<KernelLock> KernelLock::acquire(const fs::path& dir, bool exclusive, bool wait,
                                              std::string* error) {
  const fs::path file = dir / kLockFile;
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (error) *error = "open " + file.string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  int op = exclusive ? LOCK_EX : LOCK_SH;
  if (!wait) op |= LOCK_NB;
  while (::flock(fd, op) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd);
    if (error)
      *error = err == EWOULDBLOCK ? dir.filename().string() + " is in use by another ktstr-run"
                                  : "flock " + file.string() + ": " + std::strerror(err);
    return std::nullopt;
  }
  KernelLock lock;
  lock.fd_ = fd;
  return lock;
}

std::string remove_kernel_entry(const std::string& label, const fs::path& root) {
  if (!valid_kernel_label(label)) return "invalid kernel label '" + label + "'";
  const fs::path dir = root / label;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return "no kernel '" + label + "' in " + root.string();
  std::string error;
  auto lock = KernelLock::acquire(dir, /*exclusive=*/true, /*wait=*/false, &error);
  if (!lock) return "cannot remove " + label + ": " + error;
  const fs::path trash = root / (".trash-" + label + "-" + std::to_string(::getpid()));
  if (::rename(dir.c_str(), trash.c_str()) != 0)
    return "rename " + dir.string() + ": " + std::strerror(errno);
  fs::remove_all(trash, ec);
  if (ec) return "remove " + trash.string() + ": " + ec.message();
  return "";
}

void remove_stale_staging(const fs::path& root) {
  std::error_code ec;
  std::vector<fs::path> doomed;
  for (const auto& d : fs::directory_iterator(root, ec)) {
    const std::string name = d.path().filename().string();
    const bool tmp = name.rfind(".tmp-", 0) == 0, trash = name.rfind(".trash-", 0) == 0;
    if (!tmp && !trash) continue;
    const auto dash = name.rfind('-');
    const long pid = std::strtol(name.c_str() + dash + 1, nullptr, 10);
    const bool alive = pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
    if (!alive) doomed.push_back(d.path());
  }
  for (const auto& p : doomed) fs::remove_all(p, ec);
}

}  // namespace ktstr
