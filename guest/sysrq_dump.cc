#include "guest/sysrq_dump.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "guest/protocol/valid_utf8.h"

namespace ktstr {

namespace fs = std::filesystem;

namespace {

bool write_text(const fs::path& p, const std::string& s, std::string* err = nullptr) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    if (err) *err = "open " + p.string() + ": " + strerror(errno);
    return false;
  }
  bool ok = ::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size());
  if (!ok && err) *err = "write " + p.string() + ": " + strerror(errno);
  close(fd);
  return ok;
}

std::string read_all(const fs::path& p, std::size_t limit) {
  std::ifstream in(p, std::ios::binary);
  std::string s;
  char buf[8192];
  while (in && s.size() < limit) {
    in.read(buf, sizeof buf);
    s.append(buf, static_cast<std::size_t>(in.gcount()));
  }
  return s;
}

}  // namespace

std::vector<std::string> sched_ext_dump_lines(const std::string& trace, std::size_t max_lines,
                                              bool* truncated) {
  static const std::string kTag = "sched_ext_dump: ";
  std::vector<std::string> out;
  std::istringstream in(trace);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto p = line.find(kTag);
    if (p == std::string::npos) continue;
    if (out.size() >= max_lines) {
      if (truncated) *truncated = true;
      break;
    }
    out.push_back(make_valid_utf8(line.substr(p + kTag.size())));
  }
  return out;
}

nlohmann::json capture_sysrq_dump(const fs::path& root, std::size_t max_lines) {
  auto t0 = std::chrono::steady_clock::now();
  nlohmann::json j = {{"lines", nlohmann::json::array()}, {"truncated", false}};
  auto done = [&](const std::string& status) {
    j["status"] = status;
    j["took_ms"] =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return j;
  };
  std::error_code ec;
  const fs::path state = root / "sys/kernel/sched_ext/state";
  const fs::path trigger = root / "proc/sysrq-trigger";
  const fs::path tracing = root / "sys/kernel/tracing";
  if (!fs::exists(state, ec)) return done("no sched_ext");
  if (!fs::exists(trigger, ec)) return done("no CONFIG_MAGIC_SYSRQ");
  if (!fs::exists(tracing / "events/sched_ext/sched_ext_dump", ec)) return done("no tracefs");
  {
    std::ifstream in(state);
    std::string s;
    in >> s;
    if (s != "enabled") return done("scheduler not enabled");
  }
  const fs::path inst = tracing / "instances/ktstr-sysrq-d";
  fs::remove(inst, ec);  // a leftover from an earlier capture
  if (!fs::create_directory(inst, ec))
    return done("failed: mkdir " + inst.string() + ": " + ec.message());
  std::string err;
  // A small buffer before the event expands it to the default (1.4 MB a CPU).
  write_text(inst / "buffer_size_kb", "256");
  bool ok = write_text(inst / "events/sched_ext/sched_ext_dump/enable", "1", &err) &&
            write_text(trigger, "D", &err);
  write_text(inst / "events/sched_ext/sched_ext_dump/enable", "0");
  if (ok) {
    bool truncated = false;
    j["lines"] = sched_ext_dump_lines(read_all(inst / "trace", 4u << 20), max_lines, &truncated);
    j["truncated"] = truncated;
  }
  fs::remove(inst, ec);
  return done(ok ? "captured" : "failed: " + err);
}

}  // namespace ktstr
