// A plugin whose static constructor leaves a mark: it creates the file named
// by KTSTR_TEST_MARKER. Listing its scenarios must not run it (issue 14).
#include <ktstr/scenario.h>

#include <cstdlib>
#include <fstream>

namespace {
[[gnu::used]] const bool marked = [] {
  if (const char* path = std::getenv("KTSTR_TEST_MARKER")) std::ofstream(path) << "ran\n";
  return true;
}();
}  // namespace

KTSTR_SCENARIO_DESC(marked_scenario, "listed without running the constructor") {
  return ktstr::AssertResult::pass();
}
