#include "runner/include_files.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>

#include "vmm/path_search.h"
#include "vmm/qemu_cmdline.h"

namespace ktstr {

namespace fs = std::filesystem;

namespace {

constexpr const char* kKey = "extra_include_files";

bool is_elf_program(const fs::path& p, const struct stat& st) {
  if ((st.st_mode & 0111) == 0) return false;
  char magic[4] = {};
  std::ifstream in(p, std::ios::binary);
  return in.read(magic, 4) && std::string_view(magic, 4) ==
                                  "\x7f"
                                  "ELF";
}

// Adds `p` (already known to exist) as guest file `guest`; false on a type
// that cannot be copied.
bool add_file(const fs::path& p, const std::string& guest, IncludeEntry& out) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    out.error = fmt::format("'{}' is not a regular file or directory", p.string());
    return false;
  }
  out.files.push_back({.host = p, .guest_path = guest, .elf_program = is_elf_program(p, st)});
  out.bytes += static_cast<uint64_t>(st.st_size);
  return true;
}

// The directory that relative entries of `s` are relative to: the spec file
// that set it, else the working directory (--set).
fs::path base_dir_of(const Setting& s) {
  if (s.origin.pos.file.empty()) return fs::current_path();
  return fs::absolute(s.origin.pos.file).parent_path();
}

std::vector<std::string> entries_of(const ResolvedTest& t) {
  return t.value_or<std::vector<std::string>>(kKey, {});
}

}  // namespace

IncludeEntry resolve_include_entry(const std::string& entry, const fs::path& base_dir,
                                   const char* path_env) {
  IncludeEntry out;
  if (entry.empty()) {
    out.error = "an empty path";
    return out;
  }
  fs::path host;
  if (entry.find('/') == std::string::npos) {
    host = find_on_path(entry, path_env);
    if (host.empty()) {
      out.error = fmt::format(
          "'{}' was not found on PATH (a bare name is looked up on PATH; "
          "write ./{} for a file next to the spec)",
          entry, entry);
      return out;
    }
  } else {
    host = fs::path(entry).is_absolute() ? fs::path(entry) : base_dir / entry;
  }
  std::error_code ec;
  const fs::file_status st = fs::status(host, ec);
  if (!fs::exists(st)) {
    out.error = fmt::format("'{}' does not exist", host.lexically_normal().string());
    return out;
  }
  const std::string name = fs::weakly_canonical(host, ec).filename().string();
  const std::string guest_root = std::string(kGuestIncludeDir) + "/" + name;
  if (!fs::is_directory(st)) {
    add_file(host, guest_root, out);
    return out;
  }
  // Sorted, so the archive (and its hash) does not depend on readdir order.
  std::vector<fs::path> found;
  for (auto it = fs::recursive_directory_iterator(host, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_directory(ec)) continue;
    found.push_back(it->path());
    if (found.size() > kMaxIncludeFiles) {
      out.error =
          fmt::format("directory '{}' holds more than {} files", host.string(), kMaxIncludeFiles);
      return out;
    }
  }
  if (ec) {
    out.error = fmt::format("cannot read directory '{}': {}", host.string(), ec.message());
    return out;
  }
  std::sort(found.begin(), found.end());
  for (const fs::path& p : found)
    if (!add_file(p, guest_root + "/" + p.lexically_relative(host).string(), out)) break;
  return out;
}

uint64_t include_budget_bytes(int vm_memory_mib) {
  const int64_t mib = (static_cast<int64_t>(vm_memory_mib) - 128) / 3 - 16;
  return static_cast<uint64_t>(std::clamp<int64_t>(mib, 0, 256)) << 20;
}

void check_include_files(const Catalog& cat, const ResolvedTest& t, Diagnostics& diags) {
  const Setting* s = t.get(kKey);
  if (!s || !s->value.is_array() || s->value.empty()) return;
  auto pos_of_entry = [&](size_t i) {
    if (s->origin.layer == Origin::Layer::kTest)
      return cat.set->specs[t.entity->file].value_pos(t.entity->pointer + "/" + kKey + "/" +
                                                      std::to_string(i));
    return t.pos_of(kKey);
  };
  const std::vector<std::string> entries = entries_of(t);
  const fs::path base = base_dir_of(*s);
  std::map<std::string, std::string> guest_owner;  // guest path -> entry
  uint64_t total = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    IncludeEntry e = resolve_include_entry(entries[i], base, std::getenv("PATH"));
    if (!e.error.empty()) {
      const bool relative =
          entries[i].find('/') != std::string::npos && !fs::path(entries[i]).is_absolute();
      diags.error("include", pos_of_entry(i),
                  fmt::format("test '{}': extra_include_files: {}", t.name, e.error), 1,
                  relative ? fmt::format("relative paths are relative to the spec file that sets "
                                         "them ({})",
                                         base.string())
                           : "");
      continue;
    }
    for (const IncludeFile& f : e.files) {
      auto [it, fresh] = guest_owner.emplace(f.guest_path, entries[i]);
      if (!fresh) {
        diags.error("include", pos_of_entry(i),
                    fmt::format("test '{}': extra_include_files: '{}' and '{}' both become {}",
                                t.name, it->second, entries[i], f.guest_path),
                    1, "include one of them, or the directory that holds them");
        break;
      }
    }
    total += e.bytes;
  }
  const int memory = memory_mib_for(t.topology(), t.value_or<int>("memory_mib", 2048));
  if (const uint64_t budget = include_budget_bytes(memory); total > budget)
    diags.error("include", t.pos_of(kKey),
                fmt::format("test '{}': extra_include_files add up to {:.1f} MiB, more than the "
                            "{} MiB a guest of {} MiB can unpack (memory must be at least 128 MiB "
                            "+ 3 x the initramfs, at most 256 MiB of includes)",
                            t.name, static_cast<double>(total) / (1 << 20), budget >> 20, memory),
                1, "raise memory_mib, or include less");
}

std::string add_include_files(const ResolvedTest& t, std::vector<InitramfsEntry>& entries) {
  const Setting* s = t.get(kKey);
  if (!s) return "";
  const fs::path base = base_dir_of(*s);
  for (const std::string& entry : entries_of(t)) {
    IncludeEntry e = resolve_include_entry(entry, base, std::getenv("PATH"));
    if (!e.error.empty()) return "extra_include_files: " + e.error;
    for (const IncludeFile& f : e.files)
      entries.push_back(
          {.guest_path = f.guest_path, .host_path = f.host, .with_closure = f.elf_program});
  }
  return "";
}

}  // namespace ktstr
