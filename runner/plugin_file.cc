// Reads a plugin file without running it (see plugin_file.h).
//
// The record section is plain bytes: the compiler concatenates the records of
// all translation units, possibly with NUL padding between them (arrays may be
// over-aligned). The parser skips NUL runs, then expects the seven strings of a
// record; every read is bounded by the section size, so a hostile file can
// produce an error but never an out-of-bounds read.
#include "runner/plugin_file.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ktstr/detail/abi.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>
#include <tuple>

namespace ktstr {
namespace fs = std::filesystem;

namespace {

/// Closes an fd on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

/// Ends a libelf descriptor on scope exit.
struct ElfHandle {
  Elf* elf = nullptr;
  ~ElfHandle() {
    if (elf) elf_end(elf);
  }
};

constexpr const char* kPluginFix = "give the plugin's .so file (built with ktstr_add_plugin())";

}  // namespace

std::string plugin_file_problem(const fs::path& path, bool* not_found) {
  if (not_found) *not_found = false;
  const std::string where = path.string();
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    const int err = errno;
    struct stat lst {};
    if (err == ELOOP)
      return where + ": is a symlink loop (following it leads back to itself); point the " +
             "symlink at the plugin's .so";
    if (err == ENOENT && lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
      std::error_code ec;
      if (not_found) *not_found = true;
      return where + ": is a dangling symlink (its target " + fs::read_symlink(path, ec).string() +
             " does not exist); rebuild the plugin or fix the symlink";
    }
    if (err == ENOENT || err == ENOTDIR) {
      if (not_found) *not_found = true;
      return where + ": no such file; check the plugin path";
    }
    return where + ": cannot be read: " + std::strerror(err);
  }
  if (S_ISDIR(st.st_mode)) return where + ": is a directory, not a plugin; " + kPluginFix;
  if (!S_ISREG(st.st_mode)) return where + ": is not a regular file; " + kPluginFix;
  if (st.st_size == 0)
    return where + ": is empty (0 bytes; an interrupted build or copy?); rebuild the plugin";
  Fd fd{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) return where + ": cannot be read: " + std::strerror(errno);
  std::array<unsigned char, EI_NIDENT + 2> head{};
  const ssize_t n = pread(fd.fd, head.data(), head.size(), 0);
  if (n < SELFMAG || std::memcmp(head.data(), ELFMAG, SELFMAG) != 0)
    return where + ": is not an ELF shared object (a text file or other data); " + kPluginFix;
  if (n < static_cast<ssize_t>(head.size()) || head[EI_CLASS] != ELFCLASS64 ||
      head[EI_DATA] != ELFDATA2LSB)
    return where + ": is an ELF file but not a 64-bit little-endian one; " + kPluginFix;
  const unsigned type = head[EI_NIDENT] | (head[EI_NIDENT + 1] << 8);
  if (type != ET_DYN)
    return where + ": is an ELF " +
           (type == ET_EXEC  ? "executable"
            : type == ET_REL ? "object file (.o)"
                             : "file") +
           ", not a shared object; " + kPluginFix;
  return "";
}

ScenarioRecords parse_scenario_records(std::string_view data) {
  ScenarioRecords out;
  out.has_section = true;
  size_t pos = 0;
  auto next_string = [&](std::string_view* field) {
    const size_t end = data.find('\0', pos);
    if (end == std::string_view::npos) return false;
    *field = data.substr(pos, end - pos);
    pos = end + 1;
    return true;
  };
  while (true) {
    while (pos < data.size() && data[pos] == '\0') ++pos;
    if (pos >= data.size()) break;
    const size_t start = pos;
    std::array<std::string_view, 7> f;
    for (auto& field : f) {
      if (!next_string(&field)) {
        out.error = "scenario record at offset " + std::to_string(start) + " is truncated";
        return out;
      }
    }
    ScenarioRecord r;
    const auto abi = std::from_chars(f[1].data(), f[1].data() + f[1].size(), r.abi);
    const auto line = std::from_chars(f[5].data(), f[5].data() + f[5].size(), r.line);
    if (f[0] != KTSTR_DETAIL_RECORD_MAGIC || abi.ec != std::errc{} ||
        abi.ptr != f[1].data() + f[1].size() || line.ec != std::errc{} || f[3].empty()) {
      out.error = "scenario record at offset " + std::to_string(start) + " is malformed";
      return out;
    }
    r.sdk_version = f[2];
    r.name = f[3];
    r.file = f[4];
    r.description = f[6];
    out.records.push_back(std::move(r));
  }
  // The compiler emits a file's records in no promised order (GCC: reversed):
  // list them in source order.
  std::stable_sort(out.records.begin(), out.records.end(), [](const auto& a, const auto& b) {
    return std::tie(a.file, a.line) < std::tie(b.file, b.line);
  });
  return out;
}

ScenarioRecords read_scenario_records(const fs::path& path) {
  ScenarioRecords out;
  const std::string where = path.string();
  if (elf_version(EV_CURRENT) == EV_NONE) {
    out.error = "libelf is unusable: " + std::string(elf_errmsg(-1));
    return out;
  }
  Fd fd{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) {
    out.error = where + ": cannot be read: " + std::strerror(errno);
    return out;
  }
  ElfHandle e{elf_begin(fd.fd, ELF_C_READ, nullptr)};
  size_t shstrndx = 0;
  if (!e.elf || elf_kind(e.elf) != ELF_K_ELF || elf_getshdrstrndx(e.elf, &shstrndx) != 0) {
    out.error = where + ": its ELF section table cannot be read (" + elf_errmsg(-1) +
                "); rebuild the plugin";
    return out;
  }
  for (Elf_Scn* scn = elf_nextscn(e.elf, nullptr); scn; scn = elf_nextscn(e.elf, scn)) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr)) continue;
    const char* name = elf_strptr(e.elf, shstrndx, shdr.sh_name);
    if (!name || std::string_view(name) != KTSTR_DETAIL_RECORD_SECTION) continue;
    Elf_Data* data = shdr.sh_type == SHT_NOBITS ? nullptr : elf_getdata(scn, nullptr);
    if (!data || !data->d_buf) {
      out.error = where + ": section " KTSTR_DETAIL_RECORD_SECTION " cannot be read (" +
                  std::string(elf_errmsg(-1)) + "); rebuild the plugin";
      return out;
    }
    out = parse_scenario_records(
        std::string_view(static_cast<const char*>(data->d_buf), data->d_size));
    if (!out.ok())
      out.error = where + ": section " KTSTR_DETAIL_RECORD_SECTION ": " + out.error +
                  "; rebuild the plugin against this ktstr's SDK";
    return out;
  }
  return out;
}

}  // namespace ktstr
