// A deterministic fuzzer for guest text on its way to the user: random bytes
// (biased towards escapes, fake verdict lines, broken UTF-8, C1 and bidi
// controls) go through every path from the guest to the record, as the real
// code takes them:
//
//   console / agent stdout -> ConsoleClassifier -> findings, tail, VmOutcome.detail
//   scheduler output       -> make_valid_utf8 + collapse_output -> error_text
//   scenario details, logs -> encode_frame -> FrameDecoder -> VmOutcome.result
//   QEMU output            -> make_valid_utf8 -> stderr_tail
//
//   worker telemetry       -> data.telemetry (hostile cgroup names, errors, specs)
//   failure dump           -> data.scheduler.bpf / sysrq_dump / exit_message (any JSON type)
//
// then the run record, evaluate() (every check on), to_json() and a strict dump(),
// the printed report and result.json. It checks that nothing throws, that the
// printed report is valid UTF-8 with no control character but '\n', that only
// its first line is a verdict line (every other line is indented), and that
// result.json parses strictly. Reproducible: --seed, --iterations.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "eval/evaluate.h"
#include "guest/protocol/frame.h"
#include "guest/protocol/valid_utf8.h"
#include "guest/protocol/worker_report.h"
#include "guest/scheduler_lifecycle.h"
#include "report/console_report.h"
#include "runner/result_file.h"
#include "runner/run_record_builder.h"
#include "vmm/console_classifier.h"
#include "vmm/vm_outcome.h"

namespace ktstr {
namespace {

using Rng = std::mt19937_64;
namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& what, uint64_t iteration, const std::string& text) {
  std::fprintf(stderr, "guest_text_fuzz: FAIL at iteration %llu: %s\n--- text ---\n%s\n",
               static_cast<unsigned long long>(iteration), what.c_str(), text.c_str());
  std::exit(1);
}

size_t pick(Rng& rng, size_t n) {
  return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
}

/// Hostile text: random bytes mixed with the pieces an attacker would use.
std::string hostile(Rng& rng, size_t max_pieces = 12) {
  static const std::vector<std::string> kPieces = {"\n",
                                                   "\r",
                                                   "\r\n",
                                                   "PASS ktstr/fake 0.1s\n",
                                                   "FAIL ",
                                                   "\x1b[31m",
                                                   "\x1b]0;owned\x07",
                                                   "\x1b[2J",
                                                   "\x1b[1A",
                                                   "\x07",
                                                   "\x7f",
                                                   "\xc2\x9b",
                                                   "\xc2\x85",
                                                   "\xe2\x80\xae",
                                                   "\xe2\x81\xa6",
                                                   "\xe2\x80\xa8",
                                                   "\xff",
                                                   "\xc3",
                                                   "\xe2\x82",
                                                   "\xed\xa0\x80",
                                                   "\xf4\x90\x80\x80",
                                                   "\xc0\xaf",
                                                   std::string(1, '\0'),
                                                   "Kernel panic - not syncing: ",
                                                   "BUG: ",
                                                   "Attempted to kill init! exitcode=0x0000000b",
                                                   "sched_ext: BPF scheduler \"x\" disabled (",
                                                   "caf\xc3\xa9",
                                                   "\t",
                                                   "| "};
  std::string s;
  for (size_t i = 0, n = pick(rng, max_pieces + 1); i < n; ++i) {
    if (rng() % 3 == 0) {
      for (size_t k = 0, m = 1 + pick(rng, 16); k < m; ++k) s.push_back(static_cast<char>(rng()));
    } else {
      s += kPieces[pick(rng, kPieces.size())];
    }
  }
  return s;
}

/// The checks on what the user's terminal receives.
void check_printed(const std::string& out, uint64_t it) {
  if (!is_valid_utf8(out)) fail("printed report is not valid UTF-8", it, out);
  for (size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7f) fail("raw control character printed", it, out);
    if (c == 0xC2 && i + 1 < out.size() && static_cast<unsigned char>(out[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(out[i + 1]) <= 0x9F)
      fail("raw C1 control printed", it, out);
    if (c == 0xE2 && i + 2 < out.size()) {
      const auto b1 = static_cast<unsigned char>(out[i + 1]);
      const auto b2 = static_cast<unsigned char>(out[i + 2]);
      if ((b1 == 0x80 && b2 >= 0xA8 && b2 <= 0xAE) || (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9))
        fail("raw bidi control or line separator printed", it, out);
    }
  }
  std::istringstream lines(out);
  std::string line;
  std::getline(lines, line);
  if (!line.starts_with("PASS ktstr/fuzz ") && !line.starts_with("FAIL ktstr/fuzz ") &&
      !line.starts_with("SKIP ktstr/fuzz "))
    fail("first line is not the runner's verdict line", it, out);
  while (std::getline(lines, line))
    if (!line.starts_with("    ")) fail("a reason line is not indented", it, out);
}

void run(uint64_t iterations, uint64_t seed) {
  Rng rng(seed);
  const fs::path dir =
      fs::temp_directory_path() / ("ktstr_guest_text_fuzz_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const TopologySpec declared{1, 1, 2, 1};
  size_t printed_bytes = 0;
  for (uint64_t it = 0; it < iterations; ++it) {
    try {
      // Console (the agent's and the scenario's stdout go there too), in random pieces.
      ConsoleClassifier console(256 + pick(rng, 4096), 80 + pick(rng, 200));
      const std::string console_bytes = hostile(rng, 40);
      for (size_t at = 0; at < console_bytes.size();) {
        const size_t n = 1 + pick(rng, 64);
        console.feed(std::string_view(console_bytes).substr(at, n));
        at += n;
      }
      if (rng() % 2) console.finish();

      // Scheduler output, as scheduler_lifecycle reports it; details and logs in frames.
      const std::string sched_out = collapse_output(make_valid_utf8(hostile(rng)), 40);
      std::vector<std::string> details;
      for (size_t i = 0, n = pick(rng, 4); i < n; ++i) details.push_back(hostile(rng));
      const char* verdicts[] = {"pass", "fail", "error", "skip"};
      std::string verdict = rng() % 8 == 0 ? hostile(rng, 3) : verdicts[pick(rng, 4)];
      nlohmann::json result = make_frame_payload(
          "result", 3000,
          {{"verdict", verdict},
           {"details", details},
           {"data", {{"scheduler", {{"error_text", sched_out + hostile(rng, 4)}}}}}});
      if (rng() % 2) {
        // The failure dump (data.scheduler.bpf, sysrq_dump): every field may
        // be hostile text or of the wrong JSON type.
        auto any = [&](const std::string& text) -> nlohmann::json {
          switch (rng() % 6) {
            case 0:
              return static_cast<int64_t>(rng());
            case 1:
              return nlohmann::json::array({text});
            case 2:
              return nlohmann::json::object();
            case 3:
              return -1.5;
            default:
              return text;
          }
        };
        nlohmann::json maps = nlohmann::json::array();
        for (size_t i = 0, n = pick(rng, 4); i < n; ++i)
          maps.push_back({{"name", any(hostile(rng, 2))},
                          {"type", any(hostile(rng, 1))},
                          {"entries", any("3")},
                          {"truncated", rng() % 2 ? nlohmann::json(true) : any("yes")},
                          {"values", any(hostile(rng, 40))}});
        auto& sd = result["data"]["scheduler"];
        sd["bpf"] = {{"captured_at", any(hostile(rng, 1))},
                     {"maps", rng() % 5 ? maps : any(hostile(rng, 2))},
                     {"programs", any(hostile(rng, 1))},
                     {"error", any(hostile(rng, 2))}};
        sd["sysrq_dump"] = {
            {"status", rng() % 2 ? nlohmann::json("captured") : any(hostile(rng, 1))},
            {"lines", nlohmann::json::array({any(hostile(rng, 3)), hostile(rng, 2)})},
            {"truncated", any("")}};
        sd["exit_message"] = any(hostile(rng, 2));
      }
      if (rng() % 2) {
        ScenarioTelemetry t;
        for (size_t i = 0, n = pick(rng, 4); i < n; ++i) {
          WorkerReport w;
          w.cgroup = make_valid_utf8(hostile(rng, 2));
          w.index = static_cast<int>(i);
          w.work = make_valid_utf8(hostile(rng, 1));
          w.work_units = rng() % 3 ? rng() : 0;
          w.wall_ns = rng() % 3 ? rng() : 0;
          w.cpu_ns = rng() % 3 ? rng() % (w.wall_ns + 1) : 0;
          w.off_cpu_ns = w.wall_ns - w.cpu_ns;
          w.max_gap.ns = rng();
          w.iterations = rng() % 2 ? rng() : 0;
          w.migrations = rng();
          w.cpus_used = {static_cast<int>(pick(rng, 8))};
          w.epoch_cpus = {{0, w.cpus_used}};
          for (size_t k = 0, m = pick(rng, 8); k < m; ++k) w.wake_latencies_ns.push_back(rng());
          if (rng() % 4 == 0) w.error = make_valid_utf8(hostile(rng, 3));
          t.workers.push_back(w);
        }
        if (!t.workers.empty() && rng() % 2)
          t.cpusets.push_back({.epoch = 1,
                               .cgroup = t.workers[0].cgroup,
                               .cpus = {0},
                               .spec = make_valid_utf8(hostile(rng, 2)),
                               .source = make_valid_utf8(hostile(rng, 2))});
        result["data"]["telemetry"] = t;
        // Sometimes garbled: the decode error is quoted in the reason.
        if (rng() % 4 == 0)
          result["data"]["telemetry"]["workers"] = make_valid_utf8(hostile(rng, 2));
      }
      FrameDecoder decoder;
      decoder.feed(encode_frame(result));
      decoder.feed(encode_frame(make_frame_payload("log", 3001, {{"text", hostile(rng)}})));
      decoder.finish();

      VmOutcome o;
      while (auto frame = decoder.next()) {
        if ((*frame)["type"] == "result") o.result = *frame;
        o.frames.push_back(std::move(*frame));
      }
      if (!o.result.is_object())
        fail("the result frame was lost", it,
             result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      const VmExitReason reasons[] = {VmExitReason::kDone, VmExitReason::kPanic,
                                      VmExitReason::kScenarioTimeout, VmExitReason::kQemuFailed};
      o.reason = reasons[pick(rng, 4)];
      o.done = o.reason == VmExitReason::kDone;
      o.console_tail = console.tail();
      o.findings = console.findings();
      if (const ConsoleFinding* p = console.first(FindingKind::kKernelPanic))
        o.detail = "kernel panic: " + p->detail;
      else
        o.detail = "no 'done' frame; last console line: " + console.tail();
      o.stderr_tail = make_valid_utf8(hostile(rng));

      GuestTestSpec spec;
      spec.topology = declared;
      spec.expect_err = rng() % 4 == 0;
      // The expectation comes from the spec, which TOML guarantees to be UTF-8.
      if (spec.expect_err) {
        spec.expect_scx_bpf_error_contains = make_valid_utf8(hostile(rng, 2));
        spec.expect_scx_bpf_error_matches = rng() % 2 ? "(" : "a.c";
      }
      const RunRecord record = build_run_record(o, spec, {.name = "ktstr/fuzz"});
      Checks checks;
      checks.not_starved.value = true;
      checks.isolation.value = true;
      for (Threshold<double>* th :
           {&checks.max_gap_ms, &checks.max_spread_pct, &checks.max_throughput_cv,
            &checks.min_work_rate, &checks.max_p99_wake_latency_ns, &checks.max_wake_latency_cv,
            &checks.min_iteration_rate, &checks.max_migration_ratio})
        th->value = static_cast<double>(pick(rng, 1000)) / 10;
      Verdict v = evaluate(record, checks);
      v.reasons.insert(v.reasons.end(), v.notes.begin(), v.notes.end());
      v.reasons.insert(v.reasons.end(), v.details.begin(), v.details.end());

      std::ostringstream out;
      print_test_verdict(out, "ktstr/fuzz", v.kind, 1.0, v.reasons, true);
      check_printed(out.str(), it);
      printed_bytes += out.str().size();

      nlohmann::json sidecar = {{"name", "ktstr/fuzz"},
                                {"verdict", Verdict::name(v.kind)},
                                {"reasons", v.reasons},
                                {"outcome", to_json(o)},
                                {"record", record}};
      const std::string strict = sidecar.dump(2);  // throws on invalid UTF-8: must not
      if (it % 16 == 0) {
        const fs::path file = dir / "result.json";
        if (std::string e = write_json_file(file, sidecar); !e.empty()) fail(e, it, "");
        std::ifstream in(file, std::ios::binary);
        std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        if (text != strict + "\n") fail("result.json differs from the strict dump", it, text);
        if (nlohmann::json::parse(text) != nlohmann::json::parse(strict))
          fail("result.json does not parse back", it, text);
      }
    } catch (const std::exception& e) {
      fail(std::string("exception: ") + e.what(), it, "");
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  std::printf("guest_text_fuzz: %llu iterations (seed %llu), %zu bytes of report checked\n",
              static_cast<unsigned long long>(iterations), static_cast<unsigned long long>(seed),
              printed_bytes);
}

}  // namespace
}  // namespace ktstr

int main(int argc, char** argv) {
  uint64_t iterations = 20000;
  uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--iterations") == 0) {
      iterations = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (std::strcmp(argv[i], "--seed") == 0) {
      seed = std::strtoull(argv[i + 1], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: ktstr_guest_text_fuzz [--iterations N] [--seed S]\n");
      return 2;
    }
  }
  alarm(240);
  ktstr::run(iterations, seed);
  return 0;
}
