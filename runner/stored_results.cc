#include "runner/stored_results.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace ktstr {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A replica's directory is NAME/replica-K: its verdict is printed as "NAME [replica K]".
std::string replica_suffix(const fs::path& file) {
  const std::string dir = file.parent_path().filename().string();
  if (!dir.starts_with("replica-") || dir.size() == 8) return "";
  if (!std::all_of(dir.begin() + 8, dir.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return "";
  return " [replica " + dir.substr(8) + "]";
}

}  // namespace

StoredResult read_stored_result(const fs::path& file) {
  StoredResult r;
  r.file = file;
  r.name = file.parent_path().filename().string();  // until the file says better
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    r.error = fmt::format("{}: cannot read it", file.string());
    return r;
  }
  json j = json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    r.error =
        fmt::format("{}: not a JSON object (a corrupt or truncated result.json)", file.string());
    return r;
  }
  if (auto it = j.find("name"); it != j.end() && it->is_string()) r.name = *it;
  r.name += replica_suffix(file);
  if (auto it = j.find("verdict"); it != j.end() && it->is_string()) r.stored_verdict = *it;
  if (auto it = j.find("seconds"); it != j.end() && it->is_number()) r.seconds = *it;
  auto rec = j.find("record");
  if (rec == j.end() || !rec->is_object()) {
    r.error = fmt::format(
        "{}: no run record (written by a ktstr-run that did not store one); run the test again",
        file.string());
    return r;
  }
  RunRecord record;
  if (std::string e = read_run_record(*rec, record); !e.empty()) {
    r.error = fmt::format("{}: {}", file.string(), e);
    return r;
  }
  r.record = std::move(record);
  return r;
}

StoredResults read_stored_run(const fs::path& run_dir) {
  StoredResults run;
  std::error_code ec;
  const fs::file_status st = fs::status(run_dir, ec);
  if (ec || !fs::exists(st)) {
    run.error = fmt::format(
        "run directory {} does not exist{}", run_dir.string(),
        ec && ec != std::errc::no_such_file_or_directory ? " (" + ec.message() + ")" : "");
    return run;
  }
  if (!fs::is_directory(st)) {
    run.error = fmt::format(
        "{} is not a directory; give the run directory a run printed "
        "(\"runs in ktstr-runs/...\")",
        run_dir.string());
    return run;
  }
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(run_dir, fs::directory_options::none, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it->path().filename() == "result.json" && it->is_regular_file(ec)) files.push_back(*it);
  }
  if (ec) {
    run.error = fmt::format("cannot read the run directory {}: {}", run_dir.string(), ec.message());
    return run;
  }
  if (files.empty()) {
    run.error = fmt::format(
        "no result.json under {}: not a run directory, or its tests never finished; give the "
        "directory a run printed (\"runs in ktstr-runs/...\")",
        run_dir.string());
    return run;
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) run.results.push_back(read_stored_result(f));
  return run;
}

}  // namespace ktstr
