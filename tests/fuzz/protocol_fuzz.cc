// A deterministic mutation fuzzer for the guest->host channel.
//
// Each iteration builds a stream of valid frames (the agent's frame types),
// mutates it (bit flips, byte overwrites, truncation, insertions, deletions,
// splices from other frames, duplicated regions, stray magics, lying lengths
// and CRCs), appends a sentinel frame, and feeds the stream to a FrameDecoder
// in random-sized chunks. It checks that the decoder never throws, never holds
// more than its cap, returns only JSON objects with a string "type", and, after
// finish(), always recovers the sentinel: garbage may cost frames, never the
// stream. Decoded payloads and mutated test specs are then fed to the protocol's
// from_json readers, which may only throw nlohmann::json exceptions.
// A SIGALRM watchdog turns a hang into a failure; peak RSS is checked at the end.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "guest/protocol/frame.h"
#include "guest/protocol/observed_topology.h"
#include "guest/protocol/test_spec.h"

namespace ktstr {
namespace {

using Rng = std::mt19937_64;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

[[noreturn]] void fail(const std::string& what, uint64_t iteration) {
  std::fprintf(stderr, "protocol_fuzz: FAIL at iteration %llu: %s\n",
               static_cast<unsigned long long>(iteration), what.c_str());
  std::exit(1);
}

size_t pick(Rng& rng, size_t n) {
  return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
}

std::string random_bytes(Rng& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

ObservedTopology sample_topology() {
  ObservedTopology t;
  t.cpus = 8;
  t.llc_groups = {{0, 1, 2, 3}, {4, 5, 6, 7}};
  t.smt_groups = {{0, 1}, {2, 3}, {4, 5}, {6, 7}};
  t.numa_nodes = {{0, 1, 2, 3}, {4, 5, 6, 7}};
  t.kernel_release = "6.12.0-ktstr";
  t.sched_ext = true;
  return t;
}

GuestTestSpec sample_spec() {
  GuestTestSpec s;
  s.name = "ktstr/fuzz";
  s.topology = {2, 2, 2, 2};
  s.scheduler.kind = "sched_ext";
  s.scheduler.args = {"-v"};
  s.scheduler.watchdog_timeout_s = 3;
  s.scheduler.watchdog_required = true;
  s.kernel.hz = 250;
  s.kernel.symbols = {{"_text", 0xffffffff81000000ull},
                      {"scx_watchdog_timeout", 0xffffffff820cecd8ull}};
  s.sysctls = {{"kernel.sched_autogroup_enabled", "0"}};
  s.cgroups = {CgroupSpec{.name = "a", .cpuset = "llc:0"}, CgroupSpec{.name = "b"}};
  s.settings = {{"checks", {{"max_gap_ms", 50}}}};
  return s;
}

std::vector<std::string> corpus() {
  std::vector<nlohmann::json> payloads = {
      make_frame_payload("booted", 1500,
                         {{"topology", sample_topology()},
                          {"kernel_release", "6.12.0"},
                          {"sched_ext", false},
                          {"uptime_ms", 1500},
                          {"agent_version", "0.1.0"},
                          {"protocol", kGuestProtocolVersion}}),
      make_frame_payload("log", 1600, {{"level", "info"}, {"text", "hello \"world\"\n"}}),
      make_frame_payload("phase", 1700, {{"name", "scenario"}}),
      make_frame_payload("result", 3000,
                         {{"verdict", "fail"},
                          {"details", {"worker 3 starved for 120 ms", "unfair"}},
                          {"data", {{"cgroups", {{{"name", "a"}, {"runs", {1, 2, 3}}}}}}}}),
      make_frame_payload("error", 1800, {{"text", "garbled test.json"}}),
      make_frame_payload("done", 3100),
      make_frame_payload("telemetry", 2000, {{"samples", std::vector<int>(200, 7)}}),
  };
  std::vector<std::string> frames;
  for (const auto& p : payloads) frames.push_back(encode_frame(p));
  return frames;
}

/// Applies one random mutation to `s`.
void mutate(Rng& rng, std::string& s, const std::vector<std::string>& frames) {
  const size_t n = s.size();
  switch (pick(rng, 11)) {
    case 0:  // bit flip
      if (n) s[pick(rng, n)] ^= static_cast<char>(1u << pick(rng, 8));
      break;
    case 1:  // byte overwrite
      if (n) s[pick(rng, n)] = static_cast<char>(rng());
      break;
    case 2:  // truncate
      s.resize(pick(rng, n + 1));
      break;
    case 3:  // insert random bytes
      s.insert(pick(rng, n + 1), random_bytes(rng, 1 + pick(rng, 32)));
      break;
    case 4: {  // delete a range
      size_t at = pick(rng, n + 1);
      s.erase(at, pick(rng, 64));
      break;
    }
    case 5: {  // splice a piece of another frame
      const std::string& other = frames[pick(rng, frames.size())];
      size_t from = pick(rng, other.size());
      s.insert(pick(rng, n + 1), other.substr(from, 1 + pick(rng, other.size() - from)));
      break;
    }
    case 6: {  // duplicate a region
      size_t from = pick(rng, n + 1);
      std::string piece = s.substr(from, pick(rng, 128));
      s.insert(pick(rng, n + 1), piece);
      break;
    }
    case 7:  // stray magic, sometimes with a header
      s.insert(pick(rng, n + 1),
               std::string(kFrameMagic) + (rng() % 2 ? random_bytes(rng, 8) : std::string()));
      break;
    case 8:    // length lie at a real magic
    case 9: {  // CRC lie at a real magic
      size_t at = s.find(kFrameMagic, pick(rng, n + 1));
      if (at == std::string::npos || at + kFrameHeaderSize > s.size()) break;
      size_t field = at + (pick(rng, 11) == 8 ? 4 : 8);
      uint32_t v = 0;
      switch (pick(rng, 4)) {
        case 0:
          v = static_cast<uint32_t>(rng());
          break;
        case 1:
          v = static_cast<uint32_t>(pick(rng, 4096));
          break;
        case 2:
          v = 0xFFFFFFFFu;
          break;
        default:
          v = 0;
          break;
      }
      for (int i = 0; i < 4; ++i) s[field + i] = static_cast<char>(v >> (8 * i));
      break;
    }
    default:  // replace the payload with random bytes under a correct header
    {
      std::string body = random_bytes(rng, pick(rng, 64));
      if (rng() % 2) body = "{\"type\":\"" + body + "\"}";
      s.insert(
          pick(rng, n + 1), std::string(kFrameMagic) + [&] {
            std::string h;
            uint32_t len = static_cast<uint32_t>(body.size()), crc = crc32_ieee(body);
            for (int i = 0; i < 4; ++i) h.push_back(static_cast<char>(len >> (8 * i)));
            for (int i = 0; i < 4; ++i) h.push_back(static_cast<char>(crc >> (8 * i)));
            return h + body;
          }());
    }
  }
}

/// Replaces one random node of `j` with a random value (structure-aware mutation).
void mutate_json(Rng& rng, nlohmann::json& j, int depth = 0) {
  if ((j.is_object() || j.is_array()) && !j.empty() && depth < 6 && rng() % 4 != 0) {
    auto it = j.begin();
    std::advance(it, pick(rng, j.size()));
    mutate_json(rng, *it, depth + 1);
    return;
  }
  switch (pick(rng, 10)) {
    case 0:
      j = nullptr;
      break;
    case 1:
      j = static_cast<int64_t>(rng());
      break;
    case 2:
      j = -1;
      break;
    case 3:
      j = 1e300;
      break;
    case 4:
      j = "x";
      break;
    case 5:
      j = nlohmann::json::array({1, "2", nullptr});
      break;
    case 6:
      j = nlohmann::json::object({{"k", 1}});
      break;
    case 7:
      j = (rng() % 2) != 0;
      break;
    case 8:
      j = static_cast<uint64_t>(rng());
      break;
    default:
      j = 0.5;
      break;
  }
}

template <typename T>
void check_reader(const nlohmann::json& j, uint64_t iteration) {
  try {
    T value = j.get<T>();
    nlohmann::json back = value;  // what was accepted must serialise again
    (void)back.dump();
  } catch (const nlohmann::json::exception&) {
    // Rejected with a message: the expected outcome for malformed input.
  } catch (const std::exception& e) {
    fail(std::string("reader threw a non-json exception: ") + e.what(), iteration);
  }
}

void run(uint64_t iterations, uint64_t seed) {
  Rng rng(seed);
  const std::vector<std::string> frames = corpus();
  const nlohmann::json spec_json = sample_spec();
  const nlohmann::json topo_json = sample_topology();
  size_t total_frames = 0;
  size_t total_bytes = 0;
  for (uint64_t it = 0; it < iterations; ++it) {
    std::string stream;
    const size_t count = 1 + pick(rng, 4);
    for (size_t i = 0; i < count; ++i) stream += frames[pick(rng, frames.size())];
    const size_t mutations = pick(rng, 9);  // 0: an intact stream must decode exactly
    for (size_t i = 0; i < mutations; ++i) mutate(rng, stream, frames);
    const nlohmann::json sentinel = make_frame_payload("sentinel", it);
    stream += encode_frame(sentinel);
    total_bytes += stream.size();

    const size_t max_payload = rng() % 4 == 0 ? 256 + pick(rng, 4096) : size_t{1} << 20;
    FrameDecoder d(max_payload);
    std::vector<nlohmann::json> got;
    try {
      for (size_t at = 0; at < stream.size();) {
        size_t chunk = 1 + pick(rng, rng() % 2 ? 16 : 4096);
        d.feed(std::string_view(stream).substr(at, chunk));
        at += chunk;
        if (d.buffered() > d.buffer_cap()) fail("buffer exceeds its cap", it);
        if (rng() % 4 != 0) {
          while (auto j = d.next()) got.push_back(std::move(*j));
        }
      }
      d.finish();
      while (auto j = d.next()) got.push_back(std::move(*j));
    } catch (const std::exception& e) {
      fail(std::string("decoder threw: ") + e.what(), it);
    }
    if (d.buffered() != 0) fail("bytes left after finish()", it);
    for (const auto& j : got) {
      if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
        fail("decoder returned a payload without a string type: " + j.dump(), it);
      }
    }
    if (got.empty() || got.back() != sentinel) fail("sentinel frame lost", it);
    if (mutations == 0 && max_payload == (size_t{1} << 20) && got.size() != count + 1)
      fail("intact stream lost frames", it);
    total_frames += got.size();

    // The readers behind the frames: observed topology from "booted", test specs.
    for (const auto& j : got) {
      if (j["type"] == "booted" && j.contains("topology")) {
        check_reader<ObservedTopology>(j["topology"], it);
      }
    }
    nlohmann::json spec = spec_json;
    nlohmann::json topo = topo_json;
    for (size_t i = 0, n = 1 + pick(rng, 3); i < n; ++i) {
      mutate_json(rng, spec);
      mutate_json(rng, topo);
    }
    check_reader<GuestTestSpec>(spec, it);
    check_reader<ObservedTopology>(topo, it);
    if (it % 8 == 0) {
      std::string text = spec_json.dump();
      for (size_t i = 0, n = 1 + pick(rng, 4); i < n; ++i) mutate(rng, text, frames);
      auto parsed = nlohmann::json::parse(text, nullptr, false);
      if (!parsed.is_discarded()) check_reader<GuestTestSpec>(parsed, it);
    }
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "protocol_fuzz: %llu iterations (seed %llu), %zu bytes, %zu frames decoded, "
      "peak RSS %ld KiB\n",
      static_cast<unsigned long long>(iterations), static_cast<unsigned long long>(seed),
      total_bytes, total_frames, ru.ru_maxrss);
  // Inputs are a few KiB and decoders are per iteration: a leak or runaway
  // buffer shows up as RSS far beyond the process's baseline. ASan keeps freed
  // memory in quarantine (256 MiB by default), so the bound does not apply there.
  if (!kAddressSanitizer && ru.ru_maxrss > 64 * 1024) fail("peak RSS above 64 MiB", iterations);
}

}  // namespace
}  // namespace ktstr

int main(int argc, char** argv) {
  uint64_t iterations = 200000;
  uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--iterations") == 0) {
      iterations = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (std::strcmp(argv[i], "--seed") == 0) {
      seed = std::strtoull(argv[i + 1], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: ktstr_protocol_fuzz [--iterations N] [--seed S]\n");
      return 2;
    }
  }
  alarm(240);  // a hang becomes SIGALRM, which kills the process: a failure
  ktstr::run(iterations, seed);
  return 0;
}
