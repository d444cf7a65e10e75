// A merge first reads every run and builds the union in memory, refusing a
// conflict before anything is written; then it creates the new directory,
// links each instance directory in, and writes summary.json last, so a
// directory with a summary is a whole merged run. The union's outcomes are
// rebuilt from the summaries' entries (status, reasons, seconds, attempts,
// properties) for junit_xml() and summary_json(); the entries themselves are
// kept as they were, so nothing a reporter wrote is lost.
#include "store/run_merge.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "report/json_reporter.h"
#include "report/junit_reporter.h"
#include "store/run_store.h"
#include "store/stats_compare.h"
#include "store/store_file.h"

namespace ktstr {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Member {
  std::string name;  ///< pairing (display) name
  json entry;
  json sidecar;
  size_t run = 0;  ///< index into the runs
};

std::string string_of(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

bool bool_of(const json& j, const char* key, bool fallback) {
  return j.is_object() && j.contains(key) && j[key].is_boolean() ? j[key].get<bool>() : fallback;
}

int int_of(const json& j, const char* key, int fallback) {
  return j.is_object() && j.contains(key) && j[key].is_number_integer() ? j[key].get<int>()
                                                                        : fallback;
}

std::optional<TestStatus> status_from(const std::string& s) {
  for (TestStatus t : {TestStatus::kPass, TestStatus::kFail, TestStatus::kFlaky, TestStatus::kSkip,
                       TestStatus::kInconclusive, TestStatus::kNotRun})
    if (s == status_name(t)) return t;
  return std::nullopt;
}

Verdict::Kind kind_from(const std::string& s, TestStatus status) {
  for (Verdict::Kind k : {Verdict::Kind::kPass, Verdict::Kind::kFail, Verdict::Kind::kSkip,
                          Verdict::Kind::kInconclusive})
    if (s == Verdict::name(k)) return k;
  switch (status) {
    case TestStatus::kPass:
    case TestStatus::kFlaky:
      return Verdict::Kind::kPass;
    case TestStatus::kSkip:
    case TestStatus::kNotRun:
      return Verdict::Kind::kSkip;
    case TestStatus::kInconclusive:
      return Verdict::Kind::kInconclusive;
    default:
      return Verdict::Kind::kFail;
  }
}

/// The instance a stored entry describes: name, dir, replica K/N and run R/N
/// (from the display name's suffixes, else the sidecar's fields).
TestInstance instance_of(const Member& m) {
  TestInstance inst;
  inst.name = string_of(m.entry, "name");
  if (inst.name.empty()) inst.name = string_of(m.sidecar, "name");
  if (inst.name.empty()) inst.name = m.name;
  inst.dir = string_of(m.entry, "dir");
  if (inst.dir.empty()) inst.dir = string_of(m.sidecar, "dir");
  inst.replica = int_of(m.sidecar, "replica", 1);
  inst.repetition = int_of(m.sidecar, "repetition", 1);
  static const std::regex replica(R"( \(replica (\d+)/(\d+)\))"), run(R"( \(run (\d+)/(\d+)\))");
  std::smatch match;
  if (std::regex_search(m.name, match, replica)) {
    inst.replica = std::stoi(match[1]);
    inst.replicas = std::stoi(match[2]);
  }
  if (std::regex_search(m.name, match, run)) {
    inst.repetition = std::stoi(match[1]);
    inst.repetitions = std::stoi(match[2]);
  }
  return inst;
}

TestOutcome outcome_of(const Member& m, const TestInstance* inst) {
  TestOutcome o;
  o.instance = inst;
  std::string status = string_of(m.entry, "status");
  if (status.empty()) status = string_of(m.sidecar, "status");
  o.status = status_from(status).value_or(TestStatus::kFail);
  o.verdict.kind = kind_from(string_of(m.sidecar, "verdict"), o.status);
  for (const json* j : {&m.entry, &m.sidecar})
    if (j->is_object() && j->contains("reasons") && (*j)["reasons"].is_array()) {
      for (const json& r : (*j)["reasons"])
        if (r.is_string()) o.verdict.reasons.push_back(r.get<std::string>());
      break;
    }
  if (m.entry.contains("seconds") && m.entry["seconds"].is_number())
    o.seconds = m.entry["seconds"].get<double>();
  else if (m.sidecar.is_object() && m.sidecar.contains("seconds") &&
           m.sidecar["seconds"].is_number())
    o.seconds = m.sidecar["seconds"].get<double>();
  o.dir = inst->dir;
  if (m.entry.contains("attempts") && m.entry["attempts"].is_array()) {
    for (const json& a : m.entry["attempts"]) {
      Attempt at;
      std::string v = string_of(a, "verdict");
      if (v.empty()) v = string_of(a, "status");
      at.verdict.kind = kind_from(v, o.status);
      if (a.is_object() && a.contains("reasons") && a["reasons"].is_array())
        for (const json& r : a["reasons"])
          if (r.is_string()) at.verdict.reasons.push_back(r.get<std::string>());
      if (a.is_object() && a.contains("seconds") && a["seconds"].is_number())
        at.seconds = a["seconds"].get<double>();
      o.attempts.push_back(std::move(at));
    }
  } else if (o.status != TestStatus::kNotRun) {
    o.attempts.push_back({o.verdict, o.seconds});
  }
  if (m.entry.contains("properties")) {
    const json& p = m.entry["properties"];
    if (p.is_object()) {
      for (const auto& [k, v] : p.items())
        o.properties.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
    } else if (p.is_array()) {
      for (const json& kv : p)
        if (kv.is_array() && kv.size() == 2 && kv[0].is_string())
          o.properties.emplace_back(kv[0].get<std::string>(),
                                    kv[1].is_string() ? kv[1].get<std::string>() : kv[1].dump());
    }
  } else {
    for (const char* k : {"kernel", "accel", "topology"})
      if (std::string v = string_of(m.sidecar, k); !v.empty()) o.properties.emplace_back(k, v);
  }
  return o;
}

/// Hard-links (or, across file systems, copies) the regular files under
/// `src` into `dst`; sockets and the like are left out.
std::string link_tree(const fs::path& src, const fs::path& dst, MergeResult& r) {
  std::error_code ec;
  fs::create_directories(dst, ec);
  if (ec) return fmt::format("cannot create {}: {}", dst.string(), ec.message());
  for (fs::recursive_directory_iterator it(src, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path to = dst / fs::relative(it->path(), src);
    std::error_code e2;
    if (it->is_symlink(e2)) continue;
    if (it->is_directory(e2)) {
      fs::create_directories(to, e2);
    } else if (it->is_regular_file(e2)) {
      if (::link(it->path().c_str(), to.c_str()) == 0) {
        ++r.files_linked;
        continue;
      }
      fs::copy_file(it->path(), to, e2);
      if (!e2) ++r.files_copied;
    }
    if (e2)
      return fmt::format("cannot copy {} to {}: {}", it->path().string(), to.string(),
                         e2.message());
  }
  if (ec) return fmt::format("cannot read {}: {}", src.string(), ec.message());
  return "";
}

std::optional<MergeResult> fail(MergeError* error, MergeError::Kind kind, std::string message) {
  *error = {kind, std::move(message)};
  return std::nullopt;
}

}  // namespace

std::optional<MergeResult> merge_runs(const std::vector<fs::path>& run_dirs, const fs::path& out,
                                      const std::vector<std::string>& argv, MergeError* error) {
  using Kind = MergeError::Kind;
  if (run_dirs.empty()) return fail(error, Kind::kConflict, "merge: name at least one run");
  MergeResult result;
  std::vector<StoredRun> runs;
  for (const fs::path& d : run_dirs) {
    std::string e;
    auto run = read_run(d, &e);
    if (!run) return fail(error, Kind::kUnreadable, e);
    for (const auto& w : run->warnings) result.notes.push_back(w);
    if (!bool_of(run->summary, "complete", true))
      result.notes.push_back(fmt::format(
          "{} is incomplete (interrupted, or still running): its NOT-RUN tests stay NOT-RUN",
          d.string()));
    runs.push_back(std::move(*run));
  }
  // The union, by display name; refuse a conflict before writing anything.
  std::vector<Member> members;
  std::map<std::string, size_t> by_name, by_dir;
  for (size_t ri = 0; ri < runs.size(); ++ri) {
    const json& tests = runs[ri].tests();
    for (size_t i = 0; i < tests.size(); ++i) {
      Member m{pairing_name(tests[i], runs[ri].sidecars[i]), tests[i], runs[ri].sidecars[i], ri};
      if (m.name.empty())
        return fail(
            error, Kind::kUnreadable,
            fmt::format("{}: entry {} has no name", (run_dirs[ri] / kSummaryFile).string(), i + 1));
      const auto it = by_name.find(m.name);
      if (it != by_name.end()) {
        Member& old = members[it->second];
        if (old.entry == m.entry && old.sidecar == m.sidecar) continue;
        const bool old_ran = string_of(old.entry, "status") != "NOT-RUN";
        const bool new_ran = string_of(m.entry, "status") != "NOT-RUN";
        if (old_ran && !new_ran) continue;
        if (!old_ran && new_ran) {
          old = std::move(m);
          continue;
        }
        return fail(error, Kind::kConflict,
                    fmt::format("test '{}' is in both {} and {} with different results; merge "
                                "runs of disjoint partitions (--partition K/N with the same N)",
                                m.name, run_dirs[old.run].string(), run_dirs[ri].string()));
      }
      by_name[m.name] = members.size();
      members.push_back(std::move(m));
    }
  }
  std::deque<TestInstance> instances;
  for (const Member& m : members) instances.push_back(instance_of(m));
  for (size_t i = 0; i < members.size(); ++i) {
    const std::string& dir = instances[i].dir;
    if (dir.empty()) continue;
    const auto [it, fresh] = by_dir.emplace(dir, i);
    if (!fresh)
      return fail(error, Kind::kConflict,
                  fmt::format("'{}' ({}) and '{}' ({}) share the directory {}",
                              members[it->second].name, run_dirs[members[it->second].run].string(),
                              members[i].name, run_dirs[members[i].run].string(), dir));
  }
  // Plan order: by name, then replica, then repetition.
  std::vector<size_t> order(members.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const TestInstance &x = instances[a], &y = instances[b];
    return std::tie(x.name, x.replica, x.repetition) < std::tie(y.name, y.replica, y.repetition);
  });

  // The directory.
  std::error_code ec;
  fs::path dir = out;
  bool made = false;
  if (dir.empty()) {
    std::string e;
    auto d = create_run_dir(fs::absolute(run_dirs[0]).parent_path(), &e);
    if (!d) return fail(error, Kind::kUnreadable, e);
    dir = *d;
  } else if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec))
      return fail(error, Kind::kConflict,
                  fmt::format("--out {}: exists and is not an empty directory; merge writes a "
                              "new run directory",
                              dir.string()));
  } else {
    fs::create_directories(dir, ec);
    if (ec)
      return fail(error, Kind::kUnreadable,
                  fmt::format("--out {}: cannot create it: {}", dir.string(), ec.message()));
    made = true;
  }
  made = made || out.empty();
  dir = fs::absolute(dir);
  auto undo = [&](std::string message) {
    std::error_code ignored;
    if (made) {
      fs::remove_all(dir, ignored);
    } else {
      for (const auto& entry : fs::directory_iterator(dir, ignored))
        fs::remove_all(entry.path(), ignored);
    }
    return fail(error, Kind::kUnreadable, std::move(message));
  };
  for (size_t i : order) {
    const std::string& rel = instances[i].dir;
    if (rel.empty()) continue;
    const fs::path src = runs[members[i].run].dir / rel;
    if (!fs::is_directory(src, ec)) {
      if (string_of(members[i].entry, "status") != "NOT-RUN" &&
          string_of(members[i].entry, "status") != "SKIP")
        result.notes.push_back(fmt::format("{}: missing; '{}' has no files in the merged run",
                                           src.string(), members[i].name));
      continue;
    }
    if (std::string e = link_tree(src, dir / rel, result); !e.empty()) return undo(e);
  }

  // The summary of the union.
  RunInfo info;
  info.run_id = dir.filename().string();
  info.run_dir = dir;
  info.argv = argv;
  info.accel = string_of(runs[0].summary, "accel");
  RunSummary summary;
  bool complete = true;
  json merged_from = json::array();
  for (size_t ri = 0; ri < runs.size(); ++ri) {
    const json& s = runs[ri].summary;
    const std::string started = string_of(s, "started_at"), finished = string_of(s, "finished_at");
    if (!started.empty() && (info.started_at.empty() || started < info.started_at))
      info.started_at = started;
    if (finished > summary.finished_at) summary.finished_at = finished;
    if (s.contains("wall_seconds") && s["wall_seconds"].is_number())
      summary.wall_seconds = std::max(summary.wall_seconds, s["wall_seconds"].get<double>());
    complete = complete && bool_of(s, "complete", true);
    summary.interrupted = summary.interrupted || bool_of(s, "interrupted", false);
    merged_from.push_back({{"run_id", runs[ri].run_id()},
                           {"dir", fs::absolute(run_dirs[ri]).string()},
                           {"partition", s.contains("partition") ? s["partition"] : json(nullptr)},
                           {"tests", runs[ri].tests().size()},
                           {"complete", bool_of(s, "complete", true)}});
  }
  json entries = json::array();
  for (size_t i : order) {
    summary.outcomes.push_back(outcome_of(members[i], &instances[i]));
    summary.counts.add(summary.outcomes.back().status);
    result.fails = result.fails || status_fails(summary.outcomes.back().status);
    entries.push_back(members[i].entry);
  }
  summary.exit_code = result.fails ? 1 : 0;
  json doc = summary_json(info, summary, complete);
  doc[kSummaryTestsKey] = std::move(entries);
  doc["merged_from"] = std::move(merged_from);
  if (std::string e = write_store_file(dir / kJunitFile, junit_xml(info, summary)); !e.empty())
    return undo(e);
  if (std::string e = write_store_json(dir / kSummaryFile, doc); !e.empty()) return undo(e);
  result.dir = dir;
  result.tests = static_cast<int>(members.size());
  result.runs = static_cast<int>(runs.size());
  return result;
}

}  // namespace ktstr
