// Building a sched_ext kernel. The steps, each logged to one file:
//   1. source: unpack Debian's tarball into <cache>/.work once (a marker file
//      records the package version), or use the user's tree;
//   2. key: sha256 of source identity + base config + fragment + toolchain; an
//      entry with that key is returned at once (idempotent);
//   3. configure: allnoconfig + merge_config.sh fragment + olddefconfig, then
//      check that every fragment option survived (naming why not);
//   4. make bzImage, with a progress line fed by kbuild's output;
//   5. make -C tools/sched_ext (libbpf, bpftool and the example schedulers);
//   6. install: bzImage, System.map, config, a vmlinux without DWARF (symbols
//      and .BTF stay) and sched/ into a staging directory, renamed into place.
// SIGINT/SIGTERM stop the running tool and remove the staging directory; the
// work tree keeps its objects, so the next build continues incrementally.
#include "vmm/kernel_build.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <thread>

#include "vmm/kernel_config.h"
#include "vmm/kernel_image_check.h"
#include "vmm/kernel_sha256.h"
#include "vmm/kernel_subprocess.h"

namespace ktstr {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Compile steps of the lean config (kernel/ktstr-sched-ext.config) on 6.12,
// counted in the first build; used until a build on this machine records its own.
constexpr int kDefaultKernelSteps = 1460;
constexpr const char* kDebianPackage = "linux-source-6.12";

std::optional<std::string> read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string trim_copy(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r\n"));
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  return s;
}

// Lines of the log worth showing when a step fails: errors first, else the tail.
std::string failure_excerpt(const fs::path& log) {
  const auto text = read_text(log).value_or("");
  std::vector<std::string> lines, errors;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (line.find("error:") != std::string::npos || line.find("Error ") != std::string::npos ||
        line.find("*** ") != std::string::npos)
      errors.push_back(line);
  }
  const auto& pick = errors.empty() ? lines : errors;
  std::string out;
  const size_t from = pick.size() > 12 ? pick.size() - 12 : 0;
  for (size_t i = from; i < pick.size(); ++i) out += "    " + pick[i] + "\n";
  return out;
}

struct StagingCleanup {
  fs::path dir;
  ~StagingCleanup() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

// Serialises builds that share a work tree (flock on <work>/.lock).
struct WorkLock {
  int fd = -1;
  ~WorkLock() {
    if (fd >= 0) ::close(fd);
  }
};

class Builder {
 public:
  explicit Builder(const KernelBuildOptions& o) : o_(o), progress_(0) {}

  KernelBuildResult run();

 private:
  bool prepare_source();
  bool configure();
  bool make_step(const std::string& phase, std::vector<std::string> argv, double* seconds);
  bool install();
  void say(const std::string& s);
  void fail(const std::string& what);
  void on_line(std::string_view line);
  std::vector<std::string> make_args() const;
  std::string toolchain_identity();

  const KernelBuildOptions& o_;
  KernelBuildResult r_;
  BuildProgress progress_;
  fs::path work_;     // <cache>/.work
  fs::path srctree_;  // kernel sources
  fs::path objdir_;   // build output (== srctree_ for in-tree builds)
  bool use_o_ = false;
  std::string identity_, source_label_, source_version_, commit_, key_, fragment_text_;
  bool dirty_ = false;
  int log_fd_ = -1;
  Clock::time_point last_draw_{};
  int last_plain_pct_ = -1;
  Clock::time_point last_plain_{};
  double kernel_seconds_ = 0, sched_seconds_ = 0;
  fs::path sched_bin_;
};

void Builder::say(const std::string& s) {
  if (!o_.out) return;
  if (o_.live) *o_.out << "\r\033[K";
  *o_.out << s << "\n" << std::flush;
}

void Builder::fail(const std::string& what) {
  if (r_.error.empty()) r_.error = what;
}

void Builder::on_line(std::string_view line) {
  const bool step = progress_.feed(line);
  if (!o_.out || !step) return;
  const auto now = Clock::now();
  if (o_.live) {
    if (now - last_draw_ < std::chrono::milliseconds(250)) return;
    last_draw_ = now;
    *o_.out << "\r\033[K" << progress_.render(now) << std::flush;
    return;
  }
  // In a pipe: a line every 10% of the expected steps, or every minute.
  // No estimate (an incremental build): only the minute lines.
  const int pct = progress_.expected() > 0 ? progress_.steps() * 10 / progress_.expected() : 0;
  if (pct > last_plain_pct_ || now - last_plain_ >= std::chrono::seconds(60)) {
    last_plain_pct_ = std::max(pct, last_plain_pct_);
    last_plain_ = now;
    *o_.out << progress_.render(now) << "\n" << std::flush;
  }
}

std::string Builder::toolchain_identity() {
  std::string id;
  for (const std::vector<std::string>& cmd : {std::vector<std::string>{"gcc", "-dumpfullversion"},
                                              {"pahole", "--version"},
                                              {o_.clang, "--version"}}) {
    const auto res = run_process(cmd);
    id += cmd[0] + "=" + (res.ok() ? trim_copy(first_line(res.output)) : "missing") + ";";
  }
  return id;
}

std::vector<std::string> Builder::make_args() const {
  std::vector<std::string> a{"make", "-C", srctree_.string()};
  if (use_o_) a.push_back("O=" + objdir_.string());
  return a;
}

bool Builder::prepare_source() {
  std::error_code ec;
  if (o_.source == "debian") {
    const auto q = run_process({"dpkg-query", "-W", "-f=${Version}", kDebianPackage});
    if (!q.ok() || q.output.empty() || !fs::exists(o_.debian_tarball, ec)) {
      fail(std::string("Debian's kernel source is not installed: run `apt-get install ") +
           kDebianPackage + "` (expected " + o_.debian_tarball.string() + ")");
      return false;
    }
    source_version_ = trim_copy(q.output);
    identity_ = std::string("debian-source:") + kDebianPackage + "=" + source_version_;
    source_label_ = std::string("debian-source:") + kDebianPackage;
    const fs::path base = work_ / (std::string("debian-") + kDebianPackage);
    srctree_ = base / kDebianPackage;
    objdir_ = srctree_;  // our own unpacked copy: building in place surprises nobody
    return true;
  }
  srctree_ = fs::weakly_canonical(fs::absolute(o_.source, ec), ec);
  if (srctree_.filename().empty()) srctree_ = srctree_.parent_path();  // "linux/" → "linux"
  if (!fs::exists(srctree_ / "Makefile", ec) || !fs::exists(srctree_ / "Kconfig", ec)) {
    fail("--source " + o_.source + " is not a kernel source tree (no Makefile and Kconfig)");
    return false;
  }
  source_label_ = "tree:" + srctree_.string();
  const auto head = run_process({"git", "-C", srctree_.string(), "rev-parse", "HEAD"});
  if (head.ok()) {
    commit_ = trim_copy(head.output);
    const auto status = run_process(
        {"git", "-C", srctree_.string(), "status", "--porcelain", "--untracked-files=no"});
    dirty_ = !trim_copy(status.output).empty();
    identity_ = source_label_ + "@" + commit_;
    if (dirty_) {
      const auto diff = run_process({"git", "-C", srctree_.string(), "diff", "HEAD"});
      identity_ += "+dirty:" + sha256_hex(diff.output).substr(0, 16);
    }
  } else {
    // No git: nothing identifies the content cheaply, so every build runs make
    // (incremental) and the key includes the time.
    identity_ = source_label_ + "@nogit:" + utc_now_iso8601();
  }
  // O= needs a source tree without in-tree build output.
  const bool has_output =
      fs::exists(srctree_ / ".config", ec) || fs::exists(srctree_ / "include/config", ec);
  if (!has_output) {
    use_o_ = true;
    objdir_ = work_ / ("tree-" + sha256_hex(srctree_.string()).substr(0, 12));
    fs::create_directories(objdir_, ec);
    say("source tree " + srctree_.string() + " is clean: it is only read; objects go to " +
        objdir_.string());
  } else if (o_.in_tree) {
    objdir_ = srctree_;
    say("building inside " + srctree_.string() +
        " (--in-tree): its .config is replaced (the old one is kept as .config.old) and objects "
        "are written there");
  } else {
    fail("source tree " + srctree_.string() +
         " has in-tree build output (.config or include/config), so it cannot be built with O= "
         "without touching it. Either run `make mrproper` there (then ktstr builds into " +
         (work_ / "tree-<hash>").string() +
         " and leaves the tree alone), or pass --in-tree to let ktstr replace its .config and "
         "build in place");
    return false;
  }
  return true;
}

bool Builder::configure() {
  progress_.set_phase("configure", Clock::now());
  say("configure: allnoconfig + " + o_.fragment.string() + " + olddefconfig");
  auto mk = make_args();
  auto run = [&](std::vector<std::string> argv) {
    ProcessOptions po;
    po.log_fd = log_fd_;
    po.capture = false;
    po.cwd = srctree_;
    const auto res = run_process(argv, po);
    if (!res.ok()) {
      std::string cmd;
      for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
      if (res.interrupted)
        r_.interrupted = true;
      else
        fail("`" + cmd + "` " + res.describe() + ":\n" + failure_excerpt(r_.log) +
             "  full log: " + r_.log.string());
      return false;
    }
    return true;
  };
  auto a1 = mk;
  a1.push_back("allnoconfig");
  if (!run(a1)) return false;
  std::vector<std::string> merge{"scripts/kconfig/merge_config.sh", "-m"};
  if (use_o_) merge.insert(merge.end(), {"-O", objdir_.string()});
  merge.insert(merge.end(), {(objdir_ / ".config").string(), fs::absolute(o_.fragment).string()});
  if (!run(merge)) return false;
  auto a2 = mk;
  a2.push_back("olddefconfig");
  if (!run(a2)) return false;

  const auto text = read_text(objdir_ / ".config");
  if (!text) {
    fail("configure produced no " + (objdir_ / ".config").string());
    return false;
  }
  progress_.set_phase("verify", Clock::now());
  const auto fragment = parse_config_fragment(fragment_text_);
  const auto final_config = parse_kernel_config(*text);
  auto missing = verify_config_fragment(fragment, final_config);
  if (!missing.empty()) {
    const auto deps = load_kconfig_deps(srctree_);
    missing = verify_config_fragment(fragment, final_config, deps);
    fail(std::to_string(missing.size()) + " option(s) of " + o_.fragment.string() +
         " did not survive `make olddefconfig`:\n" + describe_missing(missing) +
         "  final config: " + (objdir_ / ".config").string() + "\n  full log: " + r_.log.string());
    return false;
  }
  say("configure: all " + std::to_string(fragment.size()) + " fragment options survived");
  return true;
}

bool Builder::make_step(const std::string& phase, std::vector<std::string> argv, double* seconds) {
  const auto start = Clock::now();
  progress_.set_phase(phase, start);
  ProcessOptions po;
  po.log_fd = log_fd_;
  po.capture = false;
  po.cwd = srctree_;
  po.on_line = [this](std::string_view l) { on_line(l); };
  const auto res = run_process(argv, po);
  *seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (o_.out && o_.live) *o_.out << "\r\033[K" << std::flush;
  if (res.interrupted) {
    r_.interrupted = true;
    return false;
  }
  if (!res.ok()) {
    fail(phase + " build failed (make " + res.describe() + "):\n" + failure_excerpt(r_.log) +
         "  full log: " + r_.log.string());
    return false;
  }
  say(phase + ": done in " + format_duration(*seconds) + " (" + std::to_string(progress_.steps()) +
      " compile steps)");
  return true;
}

bool Builder::install() {
  progress_.set_phase("install", Clock::now());
  std::error_code ec;
  const auto config_text = read_text(objdir_ / ".config").value_or("");
  const auto features = kernel_features(parse_kernel_config(config_text));
  const std::string release =
      trim_copy(read_text(objdir_ / "include/config/kernel.release").value_or(""));
  std::string version = upstream_version(release);
  if (version.empty()) version = release;
  const std::string label = built_kernel_label(version, key_, features.sched_ext);
  std::string error;
  const auto staging = make_staging_dir(label, &error, o_.cache_root);
  if (!staging) {
    fail(error);
    return false;
  }
  StagingCleanup cleanup{*staging};
  const struct {
    fs::path from;
    const char* to;
  } files[] = {{objdir_ / "arch/x86/boot/bzImage", "bzImage"},
               {objdir_ / "System.map", "System.map"},
               {objdir_ / ".config", "config"}};
  for (const auto& f : files) {
    fs::copy_file(f.from, *staging / f.to, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      fail("copy " + f.from.string() + ": " + ec.message());
      return false;
    }
  }
  // vmlinux without DWARF: symbols and .BTF (an allocated section) stay, which is
  // what BPF tooling and address lookups need; 265 MB becomes a few tens of MB.
  const std::string objcopy = have_program("llvm-objcopy-16") ? "llvm-objcopy-16" : "objcopy";
  ProcessOptions po;
  po.log_fd = log_fd_;
  const auto strip = run_process(
      {objcopy, "--strip-debug", (objdir_ / "vmlinux").string(), (*staging / "vmlinux").string()},
      po);
  if (!strip.ok()) {
    if (strip.interrupted) r_.interrupted = true;
    fail(objcopy + " --strip-debug vmlinux " + strip.describe() + ": " + strip.output);
    return false;
  }
  KernelMetadata meta;
  if (!sched_bin_.empty()) {
    fs::create_directories(*staging / "sched", ec);
    for (const auto& f : fs::directory_iterator(sched_bin_, ec)) {
      struct stat st {};
      if (::stat(f.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR))
        continue;
      fs::copy_file(f.path(), *staging / "sched" / f.path().filename(),
                    fs::copy_options::overwrite_existing, ec);
      if (!ec) meta.schedulers.push_back(f.path().filename().string());
    }
    std::sort(meta.schedulers.begin(), meta.schedulers.end());
  }
  meta.label = label;
  meta.version = version;
  meta.kind = "built";
  meta.source = source_label_;
  meta.source_version = source_version_;
  meta.commit = commit_;
  meta.dirty = dirty_;
  meta.key = key_;
  meta.config_hash = sha256_hex(config_text);
  meta.fragment = fs::absolute(o_.fragment).lexically_normal().string();
  meta.built_at = utc_now_iso8601();
  meta.build_seconds = kernel_seconds_;
  meta.sched_build_seconds = sched_seconds_;
  meta.sched_ext = features.sched_ext;
  meta.virtio_console = tristate_name(features.virtio_console);
  if (r_.interrupted || interrupted()) {
    r_.interrupted = true;
    return false;
  }
  // A forced rebuild replaces the entry with the same label, and so does any
  // build of a label whose entry is broken (the fix a broken entry prints).
  const auto same_label = find_kernel(label, o_.cache_root);
  if (same_label && (o_.force || verify_kernel_entry(*same_label).broken())) {
    const std::string err = remove_kernel_entry(label, o_.cache_root);
    if (!err.empty()) {
      fail(err);
      return false;
    }
  }
  auto installed = install_entry(*staging, meta, o_.cache_root);
  if (!installed.ok()) {
    fail(installed.error);
    return false;
  }
  cleanup.dir.clear();
  r_.entry = installed.entry;
  return true;
}

KernelBuildResult Builder::run() {
  std::error_code ec;
  InterruptGuard guard;
  work_ = o_.cache_root / ".work";
  fs::create_directories(work_ / "logs", ec);
  remove_stale_staging(o_.cache_root);
  if (o_.fragment.empty() || !fs::is_regular_file(o_.fragment, ec)) {
    fail("config fragment " + o_.fragment.string() + " not found (--config-fragment FILE)");
    return r_;
  }
  fragment_text_ = read_text(o_.fragment).value_or("");
  if (parse_config_fragment(fragment_text_).empty()) {
    fail("config fragment " + o_.fragment.string() + " sets no CONFIG_ option");
    return r_;
  }
  for (const auto& tool : o_.required_tools)
    if (!have_program(tool)) {
      fail("kernel build needs `" + tool +
           "`: apt-get install build-essential flex bison bc libelf-dev libssl-dev dwarves");
      return r_;
    }
  if (!prepare_source()) return r_;
  key_ = kernel_build_key({identity_, "allnoconfig", fragment_text_, toolchain_identity()});
  if (!o_.force) {
    auto existing = find_kernel_by_key(key_, o_.cache_root);
    if (existing && !verify_kernel_entry(*existing).broken()) {
      r_.entry = *existing;
      r_.cached = true;
      return r_;
    }
  }

  // One build per work tree at a time.
  const fs::path lock_dir = objdir_ == srctree_ ? srctree_.parent_path() : objdir_;
  fs::create_directories(lock_dir, ec);
  WorkLock lock;
  lock.fd = ::open((lock_dir / ".ktstr-build.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock.fd >= 0 && ::flock(lock.fd, LOCK_EX | LOCK_NB) != 0) {
    say("waiting for another kernel build in " + lock_dir.string());
    while (::flock(lock.fd, LOCK_EX | LOCK_NB) != 0) {
      if (interrupted()) {
        r_.interrupted = true;
        return r_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    auto existing = find_kernel_by_key(key_, o_.cache_root);
    if (existing && !verify_kernel_entry(*existing).broken()) {
      r_.entry = *existing;
      r_.cached = true;
      return r_;
    }
  }

  const std::string stamp = [] {
    std::string s = utc_now_iso8601();
    s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == ':' || c == '-'; }),
            s.end());
    return s;
  }();
  r_.log = work_ / "logs" / ("build-" + key_.substr(0, 8) + "-" + stamp + ".log");
  log_fd_ = ::open(r_.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  say("kernel build " + key_.substr(0, 8) + " from " + identity_);
  say("full log: " + r_.log.string());

  // Debian source: unpack once; the marker says which package version it is.
  if (o_.source == "debian") {
    const fs::path marker = srctree_.parent_path() / ".ktstr-unpacked";
    if (read_text(marker).value_or("") != source_version_ + "\n") {
      progress_.set_phase("unpack", Clock::now());
      say("unpack: " + o_.debian_tarball.string() + " into " + srctree_.parent_path().string());
      fs::remove(marker, ec);
      fs::remove_all(srctree_, ec);
      fs::create_directories(srctree_.parent_path(), ec);
      ProcessOptions po;
      po.log_fd = log_fd_;
      const auto res = run_process(
          {"tar", "-xf", o_.debian_tarball.string(), "-C", srctree_.parent_path().string()}, po);
      if (!res.ok()) {
        if (res.interrupted) {
          r_.interrupted = true;
          fs::remove_all(srctree_, ec);
        } else {
          fail("unpack " + o_.debian_tarball.string() + " " + res.describe() + ": " + res.output);
        }
        ::close(log_fd_);
        return r_;
      }
      std::ofstream(marker) << source_version_ << "\n";
    }
  }

  const auto stats_file = work_ / "build-stats.json";
  int expected = kDefaultKernelSteps;
  try {
    if (auto s = read_text(stats_file))
      expected = nlohmann::json::parse(*s).value("kernel_steps", expected);
  } catch (...) {
  }
  // A tree that was built before compiles only what changed: no estimate.
  std::error_code exists_ec;
  const bool incremental = fs::exists(objdir_ / "vmlinux", exists_ec);
  progress_ = BuildProgress(incremental ? 0 : expected);

  bool ok = configure();
  if (ok) {
    auto argv = make_args();
    const int jobs =
        o_.jobs > 0 ? o_.jobs : static_cast<int>(std::thread::hardware_concurrency()) + 1;
    argv.insert(argv.end(), {"-j" + std::to_string(jobs), "bzImage"});
    last_plain_pct_ = -1;
    ok = make_step("kernel", argv, &kernel_seconds_);
    const int kernel_steps = progress_.steps();
    // Record the step count of a full build for the next estimate.
    if (ok && kernel_steps > expected / 2)
      std::ofstream(stats_file) << nlohmann::json{{"kernel_steps", kernel_steps},
                                                  {"kernel_seconds", kernel_seconds_}}
                                       .dump()
                                << "\n";
    if (ok && fs::exists(srctree_ / "tools/sched_ext/Makefile", ec)) {
      if (!have_program(o_.clang)) {
        fail("the example schedulers need " + o_.clang + ": apt-get install clang-16 llvm-16");
        ok = false;
      } else {
        std::vector<std::string> sargv{"make",
                                       "-C",
                                       (srctree_ / "tools/sched_ext").string(),
                                       "CLANG=" + o_.clang,
                                       "LLVM_STRIP=" + o_.llvm_strip,
                                       "-j" + std::to_string(jobs)};
        if (use_o_) sargv.push_back("O=" + objdir_.string());
        ok = make_step("schedulers", sargv, &sched_seconds_);
        sched_bin_ = use_o_ ? objdir_ / "build/bin" : srctree_ / "tools/sched_ext/build/bin";
      }
    }
  }
  if (ok) ok = install();
  if (log_fd_ >= 0) ::close(log_fd_);
  if (r_.interrupted || interrupted()) {
    r_.interrupted = true;
    r_.error = "interrupted: no cache entry was written (the work tree " + objdir_.string() +
               " keeps its objects for the next build)";
  }
  return r_;
}

}  // namespace

std::string format_duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  if (s < 60) return std::to_string(s) + "s";
  return std::to_string(s / 60) + "m" + (s % 60 < 10 ? "0" : "") + std::to_string(s % 60) + "s";
}

std::string kernel_build_key(const KernelBuildInputs& in) {
  Sha256 h;
  for (const std::string* part :
       {&in.source_identity, &in.base_config, &in.fragment_text, &in.toolchain}) {
    h.update(std::to_string(part->size()));
    h.update(":");
    h.update(*part);
  }
  return h.hex();
}

std::string built_kernel_label(const std::string& version, const std::string& key, bool sched_ext) {
  return (version.empty() ? std::string("unknown") : version) + (sched_ext ? "-scx-" : "-custom-") +
         key.substr(0, 8);
}

void BuildProgress::set_phase(std::string phase, Clock::time_point now) {
  phase_ = std::move(phase);
  phase_start_ = now;
  steps_ = 0;
}

bool BuildProgress::feed(std::string_view line) {
  // kbuild's quiet output: two spaces, a tag padded to 8 columns, the target.
  if (line.size() < 10 || line[0] != ' ' || line[1] != ' ') return false;
  const std::string_view tag = line.substr(2, line.find(' ', 2) - 2);
  static const std::string_view kTags[] = {"CC",        "AS",       "HOSTCC",
                                           "CLANG-BPF", "GEN-SKEL", "CLNG-BPF"};
  for (const auto t : kTags)
    if (tag == t) {
      ++steps_;
      return true;
    }
  return false;
}

std::string BuildProgress::render(Clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - phase_start_).count();
  std::string s = phase_ + ": " + std::to_string(steps_);
  if (phase_ == "kernel" && expected_ > 0) {
    s += "/~" + std::to_string(std::max(expected_, steps_)) + " files, " + format_duration(elapsed);
    if (steps_ >= 20 && steps_ < expected_) {
      const double left = elapsed / steps_ * (expected_ - steps_);
      s += ", ~" + format_duration(left) + " left";
    }
  } else {
    s += " files, " + format_duration(elapsed);
    if (phase_ == "kernel") s += " (incremental: only what changed)";
  }
  return s;
}

KernelBuildResult build_kernel(const KernelBuildOptions& options) {
  Builder b(options);
  return b.run();
}

}  // namespace ktstr
