// Compiled into a static library; nothing references this file's symbols, so
// a plain link would drop it together with its registrar.
#include <ktstr/scenario.h>

KTSTR_SCENARIO_DESC(from_static_lib, "registered from a static library") {
  return ktstr::AssertResult::pass();
}
