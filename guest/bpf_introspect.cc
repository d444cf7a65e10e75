#include "guest/bpf_introspect.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <string.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "guest/protocol/valid_utf8.h"

namespace ktstr {

namespace {

/// btf_dump's printf callback: appends to a std::string.
void append_printf(void* ctx, const char* fmt, va_list args) {
  auto* out = static_cast<std::string*>(ctx);
  char buf[512];
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(buf, sizeof buf, fmt, copy);
  va_end(copy);
  if (n < 0) return;
  if (static_cast<std::size_t>(n) < sizeof buf) {
    out->append(buf, static_cast<std::size_t>(n));
    return;
  }
  std::string big(static_cast<std::size_t>(n) + 1, '\0');
  vsnprintf(big.data(), big.size(), fmt, args);
  big.pop_back();
  *out += big;
}

struct DumpDeleter {
  void operator()(btf_dump* d) const { btf_dump__free(d); }
};

/// Drops btf_dump's type casts ("(u64)123" -> "123", "(struct s){" -> "{"):
/// a cast is a parenthesised type name at the start or after "= ", "{", ","
/// or "[", outside quotes.
std::string drop_casts(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  char quote = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (quote) {
      out += c;
      if (c == '\\' && i + 1 < in.size()) {
        out += in[++i];
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    if (c == '(') {
      const char before = out.empty() ? '{' : out.back();
      if (before == '{' || before == ',' || before == '[' || before == ' ') {
        std::size_t j = i + 1;
        while (j < in.size() && (isalnum(static_cast<unsigned char>(in[j])) || in[j] == '_' ||
                                 in[j] == ' ' || in[j] == '*' || in[j] == '[' || in[j] == ']'))
          ++j;
        if (j < in.size() && in[j] == ')' && j > i + 1) {
          i = j;
          continue;
        }
      }
    }
    out += c;
  }
  return out;
}

/// One type's bytes through btf_dump; "" when btf_dump refuses them.
std::string dump_one(const struct btf* btf, std::uint32_t id, const void* data, std::size_t size) {
  std::string out;
  std::unique_ptr<btf_dump, DumpDeleter> d(btf_dump__new(btf, append_printf, &out, nullptr));
  if (!d) return "";
  btf_dump_type_data_opts opts{};
  opts.sz = sizeof opts;
  opts.compact = true;
  opts.emit_zeroes = true;
  if (btf_dump__dump_type_data(d.get(), id, data, size, &opts) < 0) return "";
  return drop_casts(out);
}

/// A char array as a C string literal up to its first NUL ("" when `t` is
/// not an array of 1-byte ints): btf_dump would print one 'c' per element.
std::string char_array_text(const struct btf* btf, const btf_type* t, const void* data,
                            std::size_t size) {
  if (!btf_is_array(t)) return "";
  const struct btf_array* a = btf_array(t);
  const int elem_id = btf__resolve_type(btf, a->type);
  const btf_type* elem = elem_id > 0 ? btf__type_by_id(btf, elem_id) : nullptr;
  if (!elem || !btf_is_int(elem) || elem->size != 1) return "";
  const char* name = btf__name_by_offset(btf, elem->name_off);
  if (!name || !strstr(name, "char")) return "";
  const auto* b = static_cast<const unsigned char*>(data);
  const std::size_t n = std::min<std::size_t>(a->nelems, size);
  std::string out = "\"";
  for (std::size_t i = 0; i < n && b[i]; ++i) {
    const unsigned char c = b[i];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      char hex[8];
      snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string bpf_map_type_name(std::uint32_t type) {
  const char* n = libbpf_bpf_map_type_str(static_cast<bpf_map_type>(type));
  return n ? n : "type " + std::to_string(type);
}

std::string hex_bytes(const void* data, std::size_t size) {
  static const char kHex[] = "0123456789abcdef";
  const auto* b = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve(size * 3);
  for (std::size_t i = 0; i < size; ++i) {
    if (i) out += ' ';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 15];
  }
  return out;
}

std::string render_btf_value(const struct btf* btf, std::uint32_t type_id, const void* data,
                             std::size_t size) {
  const btf_type* t = btf ? btf__type_by_id(btf, type_id) : nullptr;
  if (!t) return hex_bytes(data, size);
  if (btf_is_datasec(t)) {
    // One line per global: `name = value` (btf_dump would print the section
    // as one `SEC(".bss") type name = value;...` run).
    std::string out;
    const btf_var_secinfo* vsi = btf_var_secinfos(t);
    for (unsigned i = 0; i < btf_vlen(t); ++i, ++vsi) {
      const btf_type* var = btf__type_by_id(btf, vsi->type);
      if (!var || vsi->offset > size || vsi->size > size - vsi->offset) continue;
      const char* name = btf__name_by_offset(btf, var->name_off);
      const std::uint32_t vt = btf_is_var(var) ? var->type : vsi->type;
      out += std::string(name && *name ? name : "?") + " = " +
             render_btf_value(btf, vt, static_cast<const char*>(data) + vsi->offset, vsi->size) +
             "\n";
    }
    if (!out.empty()) out.pop_back();
    return out;
  }
  const int resolved = btf__resolve_type(btf, type_id);
  if (const btf_type* r = resolved > 0 ? btf__type_by_id(btf, resolved) : nullptr) {
    std::string str = char_array_text(btf, r, data, size);
    if (!str.empty()) return str;
  }
  std::string s = dump_one(btf, type_id, data, size);
  return s.empty() ? hex_bytes(data, size) : s;
}

BpfIntrospect::~BpfIntrospect() {
  for (int fd : map_fds_) close(fd);
}

bool BpfIntrospect::capture(std::uint64_t since_boot_ns, std::string& error) {
  std::set<std::uint32_t> map_ids;
  std::uint32_t id = 0;
  for (;;) {
    if (bpf_prog_get_next_id(id, &id) != 0) {
      if (errno == ENOENT) break;
      error = std::string("bpf(BPF_PROG_GET_NEXT_ID): ") + strerror(errno);
      return false;
    }
    int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0) continue;  // unloaded meanwhile
    bpf_prog_info info{};
    std::uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0 || info.type != BPF_PROG_TYPE_STRUCT_OPS ||
        info.load_time < since_boot_ns) {
      close(fd);
      continue;
    }
    std::vector<std::uint32_t> ids(info.nr_map_ids);
    if (!ids.empty()) {
      bpf_prog_info again{};
      again.nr_map_ids = static_cast<std::uint32_t>(ids.size());
      again.map_ids = reinterpret_cast<std::uintptr_t>(ids.data());
      len = sizeof again;
      if (bpf_obj_get_info_by_fd(fd, &again, &len) == 0)
        ids.resize(std::min<std::size_t>(ids.size(), again.nr_map_ids));
      else
        ids.clear();
    }
    close(fd);
    for (auto m : ids) map_ids.insert(m);
    programs_.push_back({{"id", info.id},
                         {"name", make_valid_utf8(info.name)},
                         {"type", "struct_ops"},
                         {"verified_insns", info.verified_insns},
                         {"xlated_bytes", info.xlated_prog_len},
                         {"jited_bytes", info.jited_prog_len}});
  }
  for (auto m : map_ids) {
    int fd = bpf_map_get_fd_by_id(m);
    if (fd >= 0) map_fds_.push_back(fd);
  }
  return true;
}

nlohmann::json BpfIntrospect::dump_maps(const BpfDumpLimits& limits) const {
  nlohmann::json maps = nlohmann::json::array();
  std::map<std::uint32_t, struct btf*> btfs;  // by btf_id, loaded once
  const int ncpus = libbpf_num_possible_cpus();
  std::size_t total = 0;
  for (int fd : map_fds_) {
    bpf_map_info info{};
    std::uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) continue;
    nlohmann::json m = {{"id", info.id},
                        {"name", make_valid_utf8(info.name)},
                        {"type", bpf_map_type_name(info.type)},
                        {"key_size", info.key_size},
                        {"value_size", info.value_size},
                        {"max_entries", info.max_entries}};
    struct btf* btf = nullptr;
    if (info.btf_id) {
      auto it = btfs.find(info.btf_id);
      if (it == btfs.end()) {
        struct btf* b = btf__load_from_kernel_by_id(info.btf_id);
        it = btfs.emplace(info.btf_id, libbpf_get_error(b) ? nullptr : b).first;
      }
      btf = it->second;
    }
    const bool percpu = info.type == BPF_MAP_TYPE_PERCPU_ARRAY ||
                        info.type == BPF_MAP_TYPE_PERCPU_HASH ||
                        info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
                        info.type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
    const std::size_t stride = (info.value_size + 7) / 8 * 8;
    std::vector<unsigned char> key(info.key_size ? info.key_size : 1);
    std::vector<unsigned char> next(key.size());
    std::vector<unsigned char> value(
        std::max<std::size_t>(1, percpu && ncpus > 0 ? stride * ncpus : info.value_size));
    auto render_key = [&](const void* k) {
      return info.btf_key_type_id ? render_btf_value(btf, info.btf_key_type_id, k, info.key_size)
                                  : hex_bytes(k, info.key_size);
    };
    auto render_value = [&](const void* v) {
      return info.btf_value_type_id
                 ? render_btf_value(btf, info.btf_value_type_id, v, info.value_size)
                 : hex_bytes(v, info.value_size);
    };
    std::string text, note;
    std::size_t entries = 0;
    bool truncated = false;
    const bool single_datasec = btf && info.max_entries == 1 && info.type == BPF_MAP_TYPE_ARRAY &&
                                btf__type_by_id(btf, info.btf_value_type_id) &&
                                btf_is_datasec(btf__type_by_id(btf, info.btf_value_type_id));
    // The notes appended below can take `total` past the limit: no underflow.
    const std::size_t per_map = total >= limits.bytes_total
                                    ? 0
                                    : std::min(limits.bytes_per_map, limits.bytes_total - total);
    const void* prev = nullptr;
    for (;;) {
      if (info.key_size == 0 || bpf_map_get_next_key(fd, prev, next.data()) != 0) {
        // Queues and stacks have no keys; local storage maps (task, cgroup,
        // inode) refuse to list theirs (ENOTSUPP, 524).
        if (info.key_size == 0)
          note = "(not listed: a " + bpf_map_type_name(info.type) + " has no keys)";
        else if (errno == 524)
          note = "(not listed: the kernel cannot list the keys of a " +
                 bpf_map_type_name(info.type) + ")";
        else if (errno != ENOENT)
          note = std::string("(not listed: ") + strerror(errno) + ")";
        break;
      }
      if (entries >= limits.entries_per_map || text.size() >= per_map) {
        truncated = true;
        break;
      }
      key = next;
      prev = key.data();
      if (bpf_map_lookup_elem(fd, key.data(), value.data()) != 0) continue;  // deleted meanwhile
      ++entries;
      std::string line;
      if (single_datasec) {
        line = render_value(value.data());
      } else if (percpu) {
        line = render_key(key.data()) + ":";
        for (int c = 0; c < ncpus; ++c)
          line += "\n  cpu" + std::to_string(c) + ": " + render_value(value.data() + c * stride);
      } else {
        line = render_key(key.data()) + ": " + render_value(value.data());
      }
      text += make_valid_utf8(line) + "\n";
    }
    if (text.size() > per_map) {
      text.resize(per_map);
      text = make_valid_utf8(text);
      truncated = true;
    }
    if (truncated) text += "[truncated: map dump bounded]\n";
    if (!note.empty()) text += note + "\n";
    total += text.size();
    m["entries"] = entries;
    m["values"] = text;
    m["truncated"] = truncated;
    maps.push_back(std::move(m));
  }
  for (auto& [bid, b] : btfs) btf__free(b);
  return maps;
}

}  // namespace ktstr
