// Writes a finished run of N tests for bench/reeval/run.sh: OUT/specs/reeval.toml
// declares t000..tN-1 (two cgroups of two spinners each, on 1n1l2c1t), and
// OUT/run/tNNN/result.json holds each test's stored verdict and run record
// (tests/unit/runner/fake_run_record.h), with off-CPU shares and gaps that vary
// so some tests fail the built-in thresholds and some pass.
//
//   reeval_make_records OUT N
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "fake_run_record.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: reeval_make_records OUT N\n");
    return 2;
  }
  const std::filesystem::path out = argv[1];
  const int n = std::atoi(argv[2]);
  std::filesystem::create_directories(out / "specs");
  const std::string spec = std::filesystem::absolute(out / "specs" / "reeval.toml").string();
  std::ofstream toml(spec);
  for (int i = 0; i < n; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "t%03d", i);
    toml << "[test." << name << "]\ntopology = \"1n1l2c1t\"\n";
    for (const char* cg : {"cg_0", "cg_1"})
      toml << "[[test." << name << ".cgroup]]\nname = \"" << cg << "\"\n";
    std::vector<ktstr::testing::FakeWorker> workers;
    for (int w = 0; w < 4; ++w)
      workers.push_back(
          {w < 2 ? "cg_0" : "cg_1", 40.0 + (i * 7 + w * 3) % 20, 10.0 + (i * 37 + w) % 2500});
    const auto record = ktstr::testing::fake_run_record(name, spec, workers);
    if (std::string e = ktstr::testing::write_fake_result(out / "run" / name, record, "PASS");
        !e.empty()) {
      std::fprintf(stderr, "%s\n", e.c_str());
      return 1;
    }
  }
  return 0;
}
