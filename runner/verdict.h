// The verdict moved to the evaluation library: eval/evaluate.h (Verdict,
// evaluate() over a RunRecord). Kept so existing includes still name it.
#pragma once

#include "eval/evaluate.h"
