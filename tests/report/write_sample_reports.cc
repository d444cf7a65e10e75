// Writes the sample run (sample_run.h) as junit.xml, summary.json and the
// console's pipe output (console.txt) into the directory given, through the
// reporters themselves (listeners, atomic writes), for junit_check.py to
// validate and parse and golden_check.py to compare with tests/golden/reports/.
#include <fstream>
#include <iostream>

#include "report/console_reporter.h"
#include "report/json_reporter.h"
#include "report/junit_reporter.h"
#include "tests/report/sample_run.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_sample_reports DIR\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  ktstr::SampleRun run;
  ktstr::JunitReporter junit(dir / "junit.xml");
  ktstr::JsonReporter json(dir / "summary.json");
  std::ofstream console_file(dir / "console.txt");
  ktstr::ConsoleReporter console(console_file, ktstr::ConsoleStyle{});  // a pipe: plain blocks
  ktstr::ListenerList listeners;
  listeners.add(&console);
  listeners.add(&junit);
  listeners.add(&json);
  listeners.run_started(run.info, run.plan);
  for (const ktstr::TestOutcome& o : run.summary.outcomes) listeners.test_finished(o);
  listeners.run_finished(run.summary);
  for (const std::string* e : {&junit.error(), &json.error()})
    if (!e->empty()) {
      std::cerr << "write_sample_reports: " << *e << "\n";
      return 1;
    }
  return 0;
}
