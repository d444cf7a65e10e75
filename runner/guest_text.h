// Moved to eval/guest_text.h (the evaluation library quotes guest text in its
// reasons and links neither vmm nor the runner).
#pragma once

#include "eval/guest_text.h"
