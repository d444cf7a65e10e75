// The second registration of "twice".
#include <ktstr/scenario.h>

KTSTR_SCENARIO(twice) { return ktstr::AssertResult::fail("the other one"); }
