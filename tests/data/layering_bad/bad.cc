// A fixture for the ctest layering.eval_check_catches_an_include: an eval
// source that reaches into vmm/. Never compiled.
#include "vmm/vm_outcome.h"
