// Rules the schema cannot express that concern schedulers, payloads and
// presets themselves (a test's merged rules live in test_resolver.cc).
#pragma once

#include "runner/diagnostic.h"
#include "runner/spec_catalog.h"

namespace ktstr {

/// Flag references and `requires` cycles, payload regexes and metric references,
/// topology divisibility of schedulers and presets.
void check_entity_rules(const Catalog& catalog, Diagnostics& diags);

}  // namespace ktstr
