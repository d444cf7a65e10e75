// Built with -fvisibility=hidden: nothing is exported except the entry point.
#include <ktstr/scenario.h>

KTSTR_SCENARIO_DESC(hidden_one, "first scenario of a hidden-visibility plugin") {
  return ktstr::AssertResult::pass();
}

KTSTR_SCENARIO(hidden_two) { return ktstr::AssertResult::pass(); }
