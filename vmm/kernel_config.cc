// Kernel configs. Parsing follows the .config format written by kconfig:
// `CONFIG_X=value` or `# CONFIG_X is not set`. The fragment check compares a
// fragment's requested values with the final config after olddefconfig, and,
// for a failure, follows the Kconfig `depends on` expressions of the missing
// symbol to name the dependency that is off (for example, DEBUG_INFO_BTF needs
// PAHOLE_VERSION >= 116, i.e. pahole from the dwarves package).
#include "vmm/kernel_config.h"

#include <archive.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

namespace ktstr {
namespace fs = std::filesystem;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_symbol_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Parses one config line into (name, value); value "n" for "is not set".
bool parse_config_line(std::string_view line, std::string& name, std::string& value) {
  line = trim(line);
  if (line.rfind("CONFIG_", 0) == 0) {
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return false;
    name = std::string(line.substr(7, eq - 7));
    value = std::string(line.substr(eq + 1));
    return !name.empty();
  }
  constexpr std::string_view kPrefix = "# CONFIG_";
  constexpr std::string_view kSuffix = " is not set";
  if (line.rfind(kPrefix, 0) == 0 && line.size() > kPrefix.size() + kSuffix.size() &&
      line.substr(line.size() - kSuffix.size()) == kSuffix) {
    name = std::string(line.substr(kPrefix.size(), line.size() - kPrefix.size() - kSuffix.size()));
    value = "n";
    return true;
  }
  return false;
}

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Decompresses `data` with whatever filter libarchive recognises, keeping what
// was produced before any error (the kernel payload has trailing bytes).
std::string decompress_prefix(std::string_view data, size_t limit) {
  std::string out;
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_raw(a);
  archive_entry* entry = nullptr;
  if (archive_read_open_memory(a, data.data(), data.size()) == ARCHIVE_OK &&
      archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    char buf[65536];
    for (;;) {
      const la_ssize_t n = archive_read_data(a, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
      if (out.size() > limit) break;
    }
  }
  archive_read_free(a);
  return out;
}

// Symbols referenced positively in a Kconfig expression, and comparisons.
struct DepTerm {
  std::string symbol;
  std::string op;  // "" for a plain reference, else ">=", ">", "<", "<=", "=", "!="
  std::string rhs;
  bool negated = false;
};

std::vector<DepTerm> parse_dep_terms(const std::string& expr) {
  std::vector<DepTerm> terms;
  size_t i = 0;
  bool neg = false;
  while (i < expr.size()) {
    const char c = expr[i];
    if (c == '!' && (i + 1 >= expr.size() || expr[i + 1] != '=')) {
      neg = true;
      ++i;
      continue;
    }
    if (is_symbol_char(c)) {
      size_t j = i;
      while (j < expr.size() && is_symbol_char(expr[j])) ++j;
      DepTerm t;
      t.symbol = expr.substr(i, j - i);
      t.negated = neg;
      neg = false;
      size_t k = j;
      while (k < expr.size() && expr[k] == ' ') ++k;
      for (const char* op : {">=", "<=", "!=", ">", "<", "="}) {
        const std::string o = op;
        if (expr.compare(k, o.size(), o) == 0) {
          t.op = o;
          k += o.size();
          while (k < expr.size() && expr[k] == ' ') ++k;
          size_t e = k;
          if (e < expr.size() && expr[e] == '"') {
            e = expr.find('"', e + 1);
            e = e == std::string::npos ? expr.size() : e + 1;
          } else {
            while (e < expr.size() && is_symbol_char(expr[e])) ++e;
          }
          t.rhs = expr.substr(k, e - k);
          j = e;
          break;
        }
      }
      const bool is_literal = std::all_of(t.symbol.begin(), t.symbol.end(), ::isdigit) ||
                              t.symbol == "y" || t.symbol == "m" || t.symbol == "n";
      const bool upper = std::none_of(t.symbol.begin(), t.symbol.end(), ::islower);
      if (!is_literal && upper) terms.push_back(t);
      i = j;
      continue;
    }
    if (c != ' ' && c != '(') neg = false;
    ++i;
  }
  return terms;
}

bool term_satisfied(const DepTerm& t, const KernelConfig& config) {
  if (t.op.empty()) {
    const bool on = config.tristate(t.symbol) != Tristate::kNo;
    return t.negated ? !on : on;
  }
  const std::string v = config.value(t.symbol);
  char* end = nullptr;
  const long lhs = std::strtol(v.c_str(), &end, 0);
  const bool lhs_num = !v.empty() && end && *end == '\0';
  const long rhs = std::strtol(t.rhs.c_str(), &end, 0);
  const bool rhs_num = !t.rhs.empty() && end && *end == '\0';
  if (lhs_num && rhs_num) {
    if (t.op == ">=") return lhs >= rhs;
    if (t.op == ">") return lhs > rhs;
    if (t.op == "<=") return lhs <= rhs;
    if (t.op == "<") return lhs < rhs;
    if (t.op == "=") return lhs == rhs;
    if (t.op == "!=") return lhs != rhs;
  }
  return true;  // not decidable here: do not blame it
}

// Human hints for dependencies that are about the host, not the config.
std::string host_hint(const DepTerm& t, const KernelConfig& config) {
  if (t.symbol == "PAHOLE_VERSION")
    return "pahole >= 1.16 (install the dwarves package; PAHOLE_VERSION is " +
           (config.value("PAHOLE_VERSION").empty() ? std::string("0")
                                                   : config.value("PAHOLE_VERSION")) +
           ")";
  if (t.symbol == "CC_IS_CLANG" || t.symbol == "CC_IS_GCC" || t.symbol == "GCC_VERSION" ||
      t.symbol == "CLANG_VERSION")
    return "a different compiler (" + t.symbol + (t.op.empty() ? "" : " " + t.op + " " + t.rhs) +
           ")";
  return "";
}

std::string explain(const std::string& symbol, const KernelConfig& config, const KconfigDeps& deps,
                    int depth, std::set<std::string>& seen) {
  if (depth > 3 || !seen.insert(symbol).second) return "";
  const auto it = deps.find(symbol);
  if (it == deps.end()) return "";
  std::vector<std::string> parts;
  for (const auto& expr : it->second) {
    for (const auto& t : parse_dep_terms(expr)) {
      if (term_satisfied(t, config)) continue;
      std::string hint = host_hint(t, config);
      std::string part;
      if (!hint.empty()) {
        part = hint;
      } else if (t.negated) {
        part = "!" + t.symbol + " (" + t.symbol + " is on)";
      } else {
        part = t.symbol + (t.op.empty() ? "" : " " + t.op + " " + t.rhs);
        const std::string deeper = explain(t.symbol, config, deps, depth + 1, seen);
        if (!deeper.empty()) part += ", which needs " + deeper;
      }
      if (std::find(parts.begin(), parts.end(), part) == parts.end()) parts.push_back(part);
    }
  }
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? " and " : "") + parts[i];
  return out;
}

}  // namespace

const char* tristate_name(Tristate t) {
  switch (t) {
    case Tristate::kYes:
      return "y";
    case Tristate::kModule:
      return "m";
    case Tristate::kNo:
      break;
  }
  return "n";
}

Tristate KernelConfig::tristate(const std::string& name) const {
  const auto it = values.find(name);
  if (it == values.end()) return Tristate::kNo;
  if (it->second == "y") return Tristate::kYes;
  if (it->second == "m") return Tristate::kModule;
  return Tristate::kNo;
}

std::string KernelConfig::value(const std::string& name) const {
  const auto it = values.find(name);
  return it == values.end() ? std::string() : it->second;
}

KernelConfig parse_kernel_config(std::string_view text) {
  KernelConfig config;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string name, value;
    if (parse_config_line(text.substr(start, nl - start), name, value)) {
      if (value == "n")
        config.values.erase(name);
      else
        config.values[name] = value;
    }
    start = nl + 1;
  }
  return config;
}

std::optional<KernelConfig> load_kernel_config(const fs::path& path, std::string* error) {
  const auto text = read_file(path);
  if (!text) {
    if (error) *error = "cannot read kernel config " + path.string();
    return std::nullopt;
  }
  return parse_kernel_config(*text);
}

KernelFeatures kernel_features(const KernelConfig& config) {
  KernelFeatures f;
  f.sched_ext = config.enabled("SCHED_CLASS_EXT");
  f.virtio_console = config.tristate("VIRTIO_CONSOLE");
  f.virtio_pci = config.enabled("VIRTIO_PCI");
  f.btf = config.enabled("DEBUG_INFO_BTF");
  f.ikconfig = config.tristate("IKCONFIG") == Tristate::kYes;
  f.jump_label = config.enabled("JUMP_LABEL");
  const std::string hz = config.value("HZ");
  unsigned v = 0;
  const auto r = std::from_chars(hz.data(), hz.data() + hz.size(), v);
  if (r.ec == std::errc{} && r.ptr == hz.data() + hz.size() && v > 0 && v <= 100000) f.hz = v;
  return f;
}

std::optional<std::string> extract_embedded_config(const fs::path& bzimage) {
  const auto image = read_file(bzimage);
  if (!image) return std::nullopt;
  // Magic numbers of the compressed payload formats the kernel supports.
  static const std::string kMagics[] = {
      std::string("\x1f\x8b\x08", 3),              // gzip
      std::string("\x28\xb5\x2f\xfd", 4),          // zstd
      std::string("\x02\x21\x4c\x18", 4),          // lz4 legacy
      std::string("\xfd\x37\x7a\x58\x5a\x00", 6),  // xz
  };
  constexpr std::string_view kStart = "IKCFG_ST";
  constexpr std::string_view kEnd = "IKCFG_ED";
  for (const auto& magic : kMagics) {
    size_t pos = 0;
    for (int tries = 0; tries < 4; ++tries, ++pos) {
      pos = image->find(magic, pos);
      if (pos == std::string::npos) break;
      const std::string vmlinux =
          decompress_prefix(std::string_view(*image).substr(pos), size_t(1) << 30);
      const auto st = vmlinux.find(kStart);
      if (st == std::string::npos) continue;
      const auto ed = vmlinux.find(kEnd, st);
      if (ed == std::string::npos) continue;
      const std::string gz = vmlinux.substr(st + kStart.size(), ed - st - kStart.size());
      std::string text = decompress_prefix(gz, size_t(64) << 20);
      if (text.find("CONFIG_") != std::string::npos) return text;
    }
  }
  return std::nullopt;
}

std::vector<FragmentOption> parse_config_fragment(std::string_view text) {
  std::vector<FragmentOption> out;
  std::string last_comment;
  int line_no = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    ++line_no;
    const std::string_view line = trim(text.substr(start, nl - start));
    start = nl + 1;
    std::string name, value;
    if (parse_config_line(line, name, value)) {
      out.push_back({name, value, line_no, last_comment});
      last_comment.clear();
    } else if (line.rfind('#', 0) == 0) {
      last_comment = std::string(trim(line.substr(1)));
    } else {
      last_comment.clear();
    }
  }
  return out;
}

KconfigDeps load_kconfig_deps(const fs::path& source_tree) {
  KconfigDeps deps;
  std::error_code ec;
  fs::recursive_directory_iterator it(source_tree, fs::directory_options::skip_permission_denied,
                                      ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (it->is_directory(ec)) {
      if (name.rfind('.', 0) == 0 || name == "Documentation" || name == "tools")
        it.disable_recursion_pending();
      continue;
    }
    if (name.rfind("Kconfig", 0) != 0) continue;
    std::ifstream in(it->path());
    std::string line, current, pending;
    while (std::getline(in, line)) {
      if (!pending.empty()) {
        line = pending + " " + line;
        pending.clear();
      }
      if (!line.empty() && line.back() == '\\') {
        pending = line.substr(0, line.size() - 1);
        continue;
      }
      const std::string_view t = trim(line);
      if (t.rfind("config ", 0) == 0 || t.rfind("menuconfig ", 0) == 0) {
        current = std::string(trim(t.substr(t.find(' ') + 1)));
      } else if (t == "help" || t == "---help---" || t.rfind("choice", 0) == 0 ||
                 t.rfind("endchoice", 0) == 0 || t.rfind("menu ", 0) == 0 || t == "endmenu" ||
                 t.rfind("if ", 0) == 0 || t == "endif" || t.rfind("comment ", 0) == 0 ||
                 t.rfind("source ", 0) == 0) {
        current.clear();
      } else if (!current.empty() && t.rfind("depends on ", 0) == 0) {
        deps[current].push_back(std::string(trim(t.substr(11))));
      }
    }
  }
  return deps;
}

std::vector<MissingOption> verify_config_fragment(const std::vector<FragmentOption>& fragment,
                                                  const KernelConfig& final_config,
                                                  const KconfigDeps& deps) {
  std::vector<MissingOption> missing;
  for (const auto& opt : fragment) {
    const std::string got =
        final_config.value(opt.name).empty() ? "n" : final_config.value(opt.name);
    if (got == opt.value) continue;
    MissingOption m{opt, got, ""};
    if (opt.value != "n") {
      std::set<std::string> seen;
      m.why = explain(opt.name, final_config, deps, 0, seen);
    }
    missing.push_back(m);
  }
  return missing;
}

std::string describe_missing(const std::vector<MissingOption>& missing) {
  std::string out;
  for (const auto& m : missing) {
    out += "  CONFIG_" + m.wanted.name + "=" + m.wanted.value + " (got " + m.got +
           ", fragment line " + std::to_string(m.wanted.line) + ")";
    if (!m.why.empty()) out += ": " + m.wanted.name + " needs " + m.why;
    out += "\n";
  }
  return out;
}

}  // namespace ktstr
