// The run directory's writer and readers. The writer rewrites summary.json
// after every finished test (atomically, so a reader or a killed runner
// leaves a whole file): the instances still to run are listed as NOT-RUN
// with "complete": false, so the partial summary of a run that was killed
// says what did not run. The readers trust nothing in the files: a format
// newer than ours is refused with both numbers, and an entry's "dir" that
// would leave the run directory is not followed.
#include "store/run_store.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "report/junit_reporter.h"
#include "store/store_file.h"

namespace ktstr {

namespace fs = std::filesystem;

std::optional<fs::path> create_run_dir(const fs::path& parent, std::string* error) {
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) {
    *error = fmt::format("cannot create {}: {}", parent.string(), ec.message());
    return std::nullopt;
  }
  const std::time_t tt = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&tt, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::random_device rd;
  for (int tries = 0; tries < 16; ++tries) {
    const fs::path dir = parent / fmt::format("{}-{}-{:04x}", stamp, getpid(), rd() & 0xffff);
    if (::mkdir(dir.c_str(), 0755) == 0) return fs::absolute(dir);
    if (errno != EEXIST) {
      *error = fmt::format("cannot create {}: {}", dir.string(), std::strerror(errno));
      return std::nullopt;
    }
  }
  *error = fmt::format("cannot create a new run directory in {}: every name tried exists",
                       parent.string());
  return std::nullopt;
}

namespace {

using nlohmann::json;

/// `done` in plan order, with a NOT-RUN outcome for every instance of `plan`
/// that is not in it; outcomes of no planned instance (ignored ones, SKIP)
/// follow.
RunSummary with_not_run(const Plan* plan, const std::vector<TestOutcome>& done) {
  RunSummary s;
  std::vector<bool> used(done.size(), false);
  auto find = [&](const TestInstance& inst) -> const TestOutcome* {
    for (size_t i = 0; i < done.size(); ++i)
      if (!used[i] && done[i].instance &&
          (done[i].instance == &inst || done[i].instance->key() == inst.key())) {
        used[i] = true;
        return &done[i];
      }
    return nullptr;
  };
  if (plan) {
    for (const TestInstance& inst : plan->instances) {
      if (const TestOutcome* o = find(inst)) {
        s.outcomes.push_back(*o);
      } else {
        TestOutcome not_run;
        not_run.instance = &inst;
        not_run.status = TestStatus::kNotRun;
        s.outcomes.push_back(not_run);
      }
    }
  }
  for (size_t i = 0; i < done.size(); ++i)
    if (!used[i]) s.outcomes.push_back(done[i]);
  for (const TestOutcome& o : s.outcomes) s.counts.add(o.status);
  return s;
}

}  // namespace

void RunStoreWriter::keep_error(std::string error) {
  if (error_.empty()) error_ = std::move(error);
}

void RunStoreWriter::write_partial() {
  RunSummary s = with_not_run(plan_, done_);
  keep_error(write_store_json(info_.run_dir / kSummaryFile, summary_json(info_, s, false)));
}

void RunStoreWriter::run_started(const RunInfo& info, const Plan& plan) {
  info_ = info;
  plan_ = &plan;
  done_.clear();
  error_.clear();
  write_partial();
}

void RunStoreWriter::test_finished(const TestOutcome& outcome) {
  done_.push_back(outcome);
  write_partial();
}

void RunStoreWriter::run_finished(const RunSummary& summary) {
  RunSummary s = with_not_run(plan_, summary.outcomes);
  s.wall_seconds = summary.wall_seconds;
  s.interrupted = summary.interrupted;
  s.fail_fast_stopped = summary.fail_fast_stopped;
  s.exit_code = summary.exit_code;
  s.finished_at = summary.finished_at;
  keep_error(write_store_json(info_.run_dir / kSummaryFile, summary_json(info_, s, true)));
  keep_error(write_store_file(info_.run_dir / kJunitFile, junit_xml(info_, s)));
}

std::string StoredRun::run_id() const {
  if (summary.is_object() && summary.contains("run_id") && summary["run_id"].is_string())
    return summary["run_id"].get<std::string>();
  return dir.filename().string();
}

namespace {

/// The text of `path`, or nullopt when it cannot be opened or read.
std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return ss.str();
}

/// nlohmann's message without its "[json.exception.parse_error.101] " prefix.
std::string json_message(const std::exception& e) {
  std::string m = e.what();
  if (m.rfind("[json.exception.", 0) == 0)
    if (const size_t end = m.find("] "); end != std::string::npos) m = m.substr(end + 2);
  return m;
}

/// A relative path that stays inside its parent: no root, no "..".
bool stays_inside(const fs::path& rel) {
  if (rel.empty() || rel.is_absolute()) return false;
  for (const auto& part : rel)
    if (part == "..") return false;
  return true;
}

/// The sidecar of one summary entry, or null (with a warning when the file
/// is there but unusable, or is missing for a test that ran).
json read_sidecar(const fs::path& run_dir, const json& entry, std::vector<std::string>& warnings) {
  if (!entry.is_object() || !entry.contains("dir") || !entry["dir"].is_string()) return nullptr;
  const std::string rel = entry["dir"].get<std::string>();
  if (rel.empty()) return nullptr;
  const fs::path file = run_dir / rel / kSidecarFile;
  if (!stays_inside(rel)) {
    warnings.push_back(fmt::format("{}: the entry's dir '{}' leaves the run directory; ignored",
                                   (run_dir / kSummaryFile).string(), rel));
    return nullptr;
  }
  const std::optional<std::string> text = read_text(file);
  if (!text) {
    const std::string status = entry.contains("status") && entry["status"].is_string()
                                   ? entry["status"].get<std::string>()
                                   : "";
    if (status != "SKIP" && status != "NOT-RUN")
      warnings.push_back(fmt::format("{}: missing or unreadable", file.string()));
    return nullptr;
  }
  json sidecar;
  try {
    sidecar = json::parse(*text);
  } catch (const std::exception& e) {
    warnings.push_back(fmt::format("{}: not JSON ({})", file.string(), json_message(e)));
    return nullptr;
  }
  if (!sidecar.is_object()) {
    warnings.push_back(fmt::format("{}: not a JSON object", file.string()));
    return nullptr;
  }
  if (sidecar.contains("format")) {
    const json& f = sidecar["format"];
    if (!f.is_number_integer() || f.get<long long>() > kSidecarFormat) {
      warnings.push_back(fmt::format("{}: format {} is newer than this ktstr-run ({})",
                                     file.string(), f.dump(), kSidecarFormat));
      return nullptr;
    }
  }
  return sidecar;
}

}  // namespace

std::optional<StoredRun> read_run(const fs::path& dir, std::string* error) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    *error = fmt::format("{}: no such run directory", dir.string());
    return std::nullopt;
  }
  const fs::path file = dir / kSummaryFile;
  if (!fs::exists(file, ec)) {
    *error = fmt::format(
        "no summary.json in {}: not a run directory (each run writes one; runs of ktstr-run "
        "before issue 16 did not)",
        dir.string());
    return std::nullopt;
  }
  const std::optional<std::string> text = read_text(file);
  if (!text) {
    *error = fmt::format("{}: cannot read it: {}", file.string(), std::strerror(errno));
    return std::nullopt;
  }
  StoredRun run;
  run.dir = dir;
  try {
    run.summary = json::parse(*text);
  } catch (const std::exception& e) {
    *error = fmt::format("{}: not JSON ({})", file.string(), json_message(e));
    return std::nullopt;
  }
  if (!run.summary.is_object()) {
    *error = fmt::format("{}: not a JSON object", file.string());
    return std::nullopt;
  }
  const json* format = run.summary.contains("format") ? &run.summary["format"] : nullptr;
  if (!format || !format->is_number_integer()) {
    *error =
        fmt::format("{}: no \"format\" number; not a summary this ktstr-run wrote", file.string());
    return std::nullopt;
  }
  if (format->get<long long>() > kSummaryFormat) {
    *error = fmt::format(
        "{}: summary.json format {} is newer than this ktstr-run ({}): read it "
        "with a newer ktstr-run",
        file.string(), format->get<long long>(), kSummaryFormat);
    return std::nullopt;
  }
  if (!run.summary.contains(kSummaryTestsKey) || !run.summary[kSummaryTestsKey].is_array()) {
    *error = fmt::format("{}: no \"{}\" array", file.string(), kSummaryTestsKey);
    return std::nullopt;
  }
  for (const json& entry : run.summary[kSummaryTestsKey])
    run.sidecars.push_back(read_sidecar(dir, entry, run.warnings));
  return run;
}

std::vector<fs::path> list_runs(const fs::path& parent) {
  std::vector<fs::path> runs;
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e2;
    if (it->is_directory(e2) && fs::exists(it->path() / kSummaryFile, e2))
      runs.push_back(it->path());
  }
  std::sort(runs.begin(), runs.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  return runs;
}

std::optional<fs::path> resolve_run(const fs::path& parent, const std::string& run,
                                    std::string* error) {
  std::error_code ec;
  if (run == "latest") {
    const std::vector<fs::path> runs = list_runs(parent);
    if (runs.empty()) {
      *error = fmt::format("no run under {} (\"latest\" names the newest)", parent.string());
      return std::nullopt;
    }
    return runs.back();
  }
  if (fs::is_directory(run, ec)) {
    fs::path p(run);  // "shards/run-1/ID/" names ID, not a directory inside it
    while (p.filename().empty() && p.has_relative_path()) p = p.parent_path();
    return p;
  }
  if (!run.empty() && run.find('/') == std::string::npos && fs::is_directory(parent / run, ec))
    return parent / run;
  *error = fmt::format(
      "no run '{}': not a directory, nor a run id under {} (`ktstr-run stats list` shows them)",
      run, parent.string());
  return std::nullopt;
}

}  // namespace ktstr
