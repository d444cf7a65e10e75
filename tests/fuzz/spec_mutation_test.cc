// A deterministic mutation fuzzer for the spec loader.
//
// Seeds are the repository's valid specs (specs/, tests/schema/fixtures/valid/)
// and, for variety, the invalid schema fixtures. Each iteration mutates one seed
// with a seeded PRNG (byte flips, deletions, duplicated regions, splices of
// other seeds' lines, random `key = value` lines from a vocabulary of real and
// bogus keys and values), then runs the in-memory spec stages: parse_toml ->
// schema check -> catalog -> entity rules -> resolve (with random --set
// arguments), and renders the diagnostics as text and JSON.
//
// It checks that no exception escapes, that every diagnostic names a rule and a
// message and points at a line that exists, and that inputs known to be bad
// (an unknown key or root table added, a table header duplicated) always yield
// diagnostics. Reproducible with --seed; sized with --iterations.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "runner/diagnostic.h"
#include "runner/include_files.h"
#include "runner/schema_checker.h"
#include "runner/spec_catalog.h"
#include "runner/spec_rules.h"
#include "runner/test_resolver.h"
#include "runner/toml_document.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using Rng = std::mt19937_64;

bool g_keep_going = false;  // --keep-going: count failures instead of stopping at the first
size_t g_failures = 0;

void fail(const std::string& what, uint64_t iteration, const std::string& input) {
  ++g_failures;
  if (g_keep_going) {
    std::fprintf(stderr, "spec_mutation_test: FAIL at iteration %llu: %s\n",
                 static_cast<unsigned long long>(iteration), what.c_str());
    return;
  }
  std::fprintf(stderr, "spec_mutation_test: FAIL at iteration %llu: %s\n--- input ---\n%s\n---\n",
               static_cast<unsigned long long>(iteration), what.c_str(), input.c_str());
  std::exit(1);
}

size_t pick(Rng& rng, size_t n) {
  return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
}

std::vector<std::string> load_seeds(const fs::path& root) {
  std::vector<std::string> seeds;
  for (const char* dir :
       {"specs", "tests/schema/fixtures/valid", "tests/schema/fixtures/invalid", "examples"}) {
    std::error_code ec;
    if (!fs::is_directory(root / dir, ec)) continue;
    std::vector<fs::path> files;
    for (fs::recursive_directory_iterator it(root / dir, ec), end; !ec && it != end;
         it.increment(ec))
      if (it->path().extension() == ".toml") files.push_back(it->path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      seeds.push_back(ss.str());
    }
  }
  return seeds;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == '\n') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

const std::vector<std::string> kKeys = {"topology",
                                        "llcs",
                                        "numa_nodes",
                                        "cores",
                                        "threads",
                                        "sockets",
                                        "duration_s",
                                        "scheduler",
                                        "binary",
                                        "args",
                                        "payload",
                                        "workloads",
                                        "required_flags",
                                        "excluded_flags",
                                        "requires",
                                        "flags",
                                        "checks",
                                        "max_gap_ms",
                                        "max_spread_pct",
                                        "sustained_samples",
                                        "not_starved",
                                        "cgroup",
                                        "step",
                                        "temporal",
                                        "name",
                                        "work",
                                        "cpuset",
                                        "policy",
                                        "nice",
                                        "at",
                                        "op",
                                        "series",
                                        "expect",
                                        "config",
                                        "config_file",
                                        "plugin",
                                        "scenario",
                                        "expect_err",
                                        "expect_scx_bpf_error_matches",
                                        "expect_scx_bpf_error_contains",
                                        "performance_mode",
                                        "no_perf_mode",
                                        "sysctls",
                                        "kargs",
                                        "presets",
                                        "gauntlet",
                                        "metric",
                                        "regex",
                                        "output",
                                        "polarity",
                                        "timeout_s",
                                        "memory_mib",
                                        "replicas",
                                        "description",
                                        "zz_bogus",
                                        "toplogy",
                                        "\"quoted key\"",
                                        "a.b.c",
                                        "run",
                                        "jobs"};
const std::vector<std::string> kValues = {"0",
                                          "-1",
                                          "1",
                                          "3",
                                          "2147483648",
                                          "9223372036854775807",
                                          "-9223372036854775808",
                                          "1.5",
                                          "-0.0",
                                          "1e308",
                                          "nan",
                                          "inf",
                                          "-inf",
                                          "true",
                                          "false",
                                          "\"\"",
                                          "\"1n2l2c1t\"",
                                          "\"2n3l2c1t\"",
                                          "\"llc:7\"",
                                          "\"numa:0\"",
                                          "\"fifo:99\"",
                                          "\"spin\"",
                                          "\"1500ms\"",
                                          "\"(\"",
                                          "\".*\"",
                                          "\"([0-9]+)\"",
                                          "\"eevdf\"",
                                          "\"simple\"",
                                          "[]",
                                          "[\"a\", \"a\"]",
                                          "[1, \"x\"]",
                                          "{}",
                                          "{ llcs = 3, numa_nodes = 2 }",
                                          "{ a = { b = 1 } }",
                                          "1979-05-27T07:32:00Z",
                                          "'''multi\nline'''",
                                          "\"\\u00e9\"",
                                          "\"\\x\""};
const std::vector<std::string> kHeaders = {"[test.fz]",
                                           "[[test.fz.cgroup]]",
                                           "[[test.fz.step]]",
                                           "[scheduler.fz]",
                                           "[scheduler.fz.flags.a]",
                                           "[payload.fz]",
                                           "[[payload.fz.metric]]",
                                           "[preset.fz]",
                                           "[defaults]",
                                           "[defaults.checks]",
                                           "[run]",
                                           "[test.fz.checks]",
                                           "[test.fz.gauntlet]"};

std::string random_line(Rng& rng) {
  if (pick(rng, 5) == 0) return kHeaders[pick(rng, kHeaders.size())];
  return kKeys[pick(rng, kKeys.size())] + " = " + kValues[pick(rng, kValues.size())];
}

// One random mutation of `text`.
void mutate(Rng& rng, std::string& text, const std::vector<std::string>& seeds) {
  switch (pick(rng, 7)) {
    case 0:  // flip bits
      for (size_t i = 0, n = 1 + pick(rng, 4); i < n && !text.empty(); ++i)
        text[pick(rng, text.size())] ^= static_cast<char>(1u << pick(rng, 8));
      break;
    case 1: {  // delete a range
      if (text.empty()) break;
      const size_t at = pick(rng, text.size());
      text.erase(at, 1 + pick(rng, 40));
      break;
    }
    case 2: {  // duplicate a range
      if (text.empty()) break;
      const size_t at = pick(rng, text.size());
      const std::string part = text.substr(at, 1 + pick(rng, 80));
      text.insert(pick(rng, text.size() + 1), part);
      break;
    }
    case 3: {  // splice lines from another seed
      auto mine = lines_of(text);
      auto other = lines_of(seeds[pick(rng, seeds.size())]);
      if (other.empty()) break;
      const size_t from = pick(rng, other.size());
      const size_t n = 1 + pick(rng, 6);
      mine.insert(mine.begin() + static_cast<long>(pick(rng, mine.size() + 1)),
                  other.begin() + static_cast<long>(from),
                  other.begin() + static_cast<long>(std::min(other.size(), from + n)));
      text = join_lines(mine);
      break;
    }
    case 4: {  // random key = value lines
      auto mine = lines_of(text);
      for (size_t i = 0, n = 1 + pick(rng, 3); i < n; ++i)
        mine.insert(mine.begin() + static_cast<long>(pick(rng, mine.size() + 1)), random_line(rng));
      text = join_lines(mine);
      break;
    }
    case 5: {  // replace a value after '='
      auto mine = lines_of(text);
      if (mine.empty()) break;
      auto& l = mine[pick(rng, mine.size())];
      const auto eq = l.find(" = ");
      if (eq != std::string::npos) l = l.substr(0, eq + 3) + kValues[pick(rng, kValues.size())];
      text = join_lines(mine);
      break;
    }
    default:  // insert random bytes
      for (size_t i = 0, n = 1 + pick(rng, 8); i < n; ++i)
        text.insert(pick(rng, text.size() + 1), 1, static_cast<char>(rng()));
      break;
  }
}

// A mutation that must make any input invalid; returns its description.
std::string make_bad(Rng& rng, std::string& text) {
  switch (pick(rng, 3)) {
    case 0:
      // A fresh line after a closed string: an unknown root table.
      text += "\n\n[zz_unknown_root_table]\nzz = 1\n";
      return "unknown root table";
    case 1: {
      // An unknown key directly after a random single-bracket table header.
      auto lines = lines_of(text);
      std::vector<size_t> headers;
      for (size_t i = 0; i < lines.size(); ++i)
        if (lines[i].starts_with("[") && !lines[i].starts_with("[[")) headers.push_back(i);
      if (headers.empty()) {
        text = "zz_unknown_key = 1\n" + text;
        return "unknown root key";
      }
      const size_t h = headers[pick(rng, headers.size())];
      lines.insert(lines.begin() + static_cast<long>(h) + 1, "zz_unknown_key_q = 1");
      text = join_lines(lines);
      return "unknown key after " + lines[h];
    }
    default: {
      auto lines = lines_of(text);
      std::vector<size_t> headers;
      for (size_t i = 0; i < lines.size(); ++i)
        if (lines[i].starts_with("[") && !lines[i].starts_with("[[") &&
            lines[i].find(']') != std::string::npos)
          headers.push_back(i);
      if (headers.empty()) {
        text += "\n[zz]\n[zz]\n";
        return "duplicate table";
      }
      const std::string h = lines[headers[pick(rng, headers.size())]];
      lines.push_back(h);
      text = join_lines(lines);
      return "duplicate table " + h;
    }
  }
}

std::string random_set(Rng& rng) {
  switch (pick(rng, 4)) {
    case 0:
      return kKeys[pick(rng, kKeys.size())] + "=" + kValues[pick(rng, kValues.size())];
    case 1:
      return "max_gap_ms=" + std::to_string(static_cast<int>(rng() % 2000) - 1000);
    case 2:
      return kKeys[pick(rng, kKeys.size())];
    default: {
      std::string s;
      // Printable ASCII only: non-UTF-8 bytes in a --set argument make
      // render_json(...).dump() throw (reported; see tests/unit/runner/diagnostic_test.cc).
      for (size_t i = 0, n = pick(rng, 12); i < n; ++i)
        s.push_back(static_cast<char>(32 + rng() % 95));
      return s;
    }
  }
}

// Runs every in-memory spec stage; returns the diagnostics.
Diagnostics run_stages(const std::string& text, const std::string& companion,
                       const std::vector<std::string>& sets, uint64_t iteration) {
  Diagnostics diags;
  auto overrides = parse_set_overrides(sets, diags);
  SpecSet set;
  for (const auto& [name, body] : {std::pair<std::string, const std::string*>{"fuzz.toml", &text},
                                   {"companion.toml", &companion}}) {
    set.sources.add(name, *body);
    auto doc = parse_toml(name, *body, diags);
    if (!doc) continue;
    SchemaChecker::spec().check(*doc, diags);
    set.specs.push_back(std::move(*doc));
    set.project_of.push_back(-1);
  }
  Catalog catalog = build_catalog(set, diags);
  check_entity_rules(catalog, diags);
  auto tests = resolve_tests(catalog, overrides, diags);
  for (const auto& t : tests) check_include_files(catalog, t, diags);
  for (const auto& t : tests) {
    (void)t.tree();
    (void)t.topology().str();
  }
  diags.sort_and_dedupe();
  const std::string rendered = render_text(diags, set.sources, {});
  const std::string js = render_json(diags).dump();
  for (const auto& d : diags.all()) {
    if (d.rule.empty() || d.message.empty())
      fail("diagnostic without rule or message: " + d.pos.str(), iteration, text);
    // "--set" is exempt: parse_set_overrides parses the value as a pseudo-file
    // "--set" and reports nan/inf there (reported: the message should name the argument).
    if (d.pos.line > 0 && d.pos.file != "--set" && !set.sources.line(d.pos.file, d.pos.line))
      fail("diagnostic points past the end of the file: " + d.pos.str() + ": " + d.message,
           iteration, text);
  }
  if (!diags.empty() && rendered.find("error") == std::string::npos)
    fail("rendered text has no error", iteration, text);
  (void)js;
  return diags;
}

}  // namespace
}  // namespace ktstr

int main(int argc, char** argv) {
  using namespace ktstr;
  uint64_t seed = 1, iterations = 5000;
  std::string root = KTSTR_SOURCE_DIR;
  for (int i = 1; i < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--keep-going") {
      g_keep_going = true;
      --i;
    } else if (i + 1 >= argc) {
      std::fprintf(stderr, "usage: %s [--seed N] [--iterations N] [--root DIR] [--keep-going]\n",
                   argv[0]);
      return 2;
    } else if (a == "--seed")
      seed = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--iterations")
      iterations = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--root")
      root = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: %s [--seed N] [--iterations N] [--root DIR] [--keep-going]\n",
                   argv[0]);
      return 2;
    }
  }
  const auto seeds = load_seeds(root);
  if (seeds.size() < 3) {
    std::fprintf(stderr, "spec_mutation_test: found only %zu seed specs under %s\n", seeds.size(),
                 root.c_str());
    return 1;
  }
  Rng rng(seed);
  size_t with_diags = 0, known_bad = 0;
  for (uint64_t it = 0; it < iterations; ++it) {
    std::string text = seeds[pick(rng, seeds.size())];
    const std::string companion = seeds[pick(rng, seeds.size())];
    for (size_t m = 0, n = 1 + pick(rng, 4); m < n; ++m) mutate(rng, text, seeds);
    std::string bad_reason;
    if (pick(rng, 4) == 0) bad_reason = make_bad(rng, text);
    std::vector<std::string> sets;
    for (size_t s = 0, n = pick(rng, 3); s < n; ++s) sets.push_back(random_set(rng));
    std::string shown = text;
    for (const auto& s : sets) shown += "\n--- --set " + s;
    try {
      Diagnostics d = run_stages(text, companion, sets, it);
      if (!d.empty()) ++with_diags;
      if (!bad_reason.empty()) {
        ++known_bad;
        if (d.empty()) fail("no diagnostics for a known-bad input (" + bad_reason + ")", it, shown);
      }
    } catch (const std::exception& e) {
      fail(std::string("exception escaped: ") + e.what(), it, shown);
    } catch (...) {
      fail("unknown exception escaped", it, shown);
    }
  }
  std::printf(
      "spec_mutation_test: %llu inputs (seed %llu, %zu seeds): %zu with diagnostics, "
      "%zu known-bad\n",
      static_cast<unsigned long long>(iterations), static_cast<unsigned long long>(seed),
      seeds.size(), with_diags, known_bad);
  if (g_failures) {
    std::printf("spec_mutation_test: %zu failures\n", g_failures);
    return 1;
  }
  return 0;
}
