// The current time as ISO 8601 UTC, for every record the host stamps (kernel
// cache metadata, run summaries). Here because ktstr_protocol is the lowest
// library that vmm, the reporters and the executor all link.
#pragma once

#include <string>

namespace ktstr {

/// "2026-12-01T17:30:00Z".
std::string utc_now_iso8601();

}  // namespace ktstr
