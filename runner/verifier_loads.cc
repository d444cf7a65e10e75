#include "runner/verifier_loads.h"

#include <fmt/format.h>

#include "eval/guest_text.h"

namespace ktstr {

using nlohmann::json;

namespace {

const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string host_str(const json& j, const char* key) {
  const json* v = member(j, key);
  return v && v->is_string() ? v->get<std::string>() : "";
}

// The agent's data.scheduler: the record's copy of the result frame first
// (what reeval reads), else the outcome's.
const json* scheduler_data(const json& sidecar) {
  for (const char* holder : {"record", "outcome"}) {
    const json* h = member(sidecar, holder);
    const json* r = h ? member(*h, "result") : nullptr;
    const json* d = r ? member(*r, "data") : nullptr;
    const json* s = d ? member(*d, "scheduler") : nullptr;
    if (s && s->is_object()) return s;
  }
  return nullptr;
}

// A short, printable rendering of a value the guest sent, for a problem sentence.
std::string shown(const json& v) {
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 40) + "...";
  return escape_guest_line(text);
}

void read_programs(const json& programs, VerifierLoad& load) {
  if (!programs.is_array()) {
    load.problems.push_back(
        fmt::format("data.scheduler.bpf.programs is not an array (got {})", shown(programs)));
    return;
  }
  load.programs_recorded = true;
  size_t index = 0;
  for (const json& p : programs) {
    if (index++ == kMaxProgramsPerLoad) {
      load.problems.push_back(fmt::format("{} programs recorded; only the first {} are shown",
                                          programs.size(), kMaxProgramsPerLoad));
      break;
    }
    if (!p.is_object()) {
      load.problems.push_back(fmt::format("program {} is not an object (got {})", index, shown(p)));
      continue;
    }
    // Only struct_ops programs are the scheduler's callbacks; a missing type
    // is taken as one (the agent records no other kind today).
    if (const json* t = member(p, "type"); t && !(t->is_string() && *t == "struct_ops")) continue;
    ProgramCount c;
    const json* name = member(p, "name");
    if (name && name->is_string() && !name->get<std::string>().empty()) {
      c.name = name->get<std::string>();
    } else {
      c.name = fmt::format("#{}", index);
      load.problems.push_back(fmt::format("program {} has no name", index));
    }
    const json* insns = member(p, "verified_insns");
    // An integer in [0, 2^32): a negative, fractional, huge or non-number
    // value is the guest's garbage, shown as unknown.
    const bool count = insns && insns->is_number_integer() &&
                       (insns->is_number_unsigned()
                            ? insns->get<std::uint64_t>() <= kMaxVerifiedInsns
                            : insns->get<std::int64_t>() >= 0 &&
                                  insns->get<std::int64_t>() <= std::int64_t{kMaxVerifiedInsns});
    if (count) {
      c.verified_insns = insns->is_number_unsigned()
                             ? insns->get<std::uint64_t>()
                             : static_cast<std::uint64_t>(insns->get<std::int64_t>());
    } else {
      load.problems.push_back(
          fmt::format("program '{}': verified_insns {}", escape_guest_line(c.name),
                      insns ? "is not a count of at most 4294967295 (got " + shown(*insns) + ")"
                            : "is missing"));
    }
    load.programs.push_back(std::move(c));
  }
}

}  // namespace

std::optional<VerifierLoad> read_verifier_load(const json& sidecar) {
  const std::string test = host_str(sidecar, "test");
  if (!test.starts_with(kVerifierTestPrefix) ||
      test.size() == std::string(kVerifierTestPrefix).size())
    return std::nullopt;
  VerifierLoad load;
  load.scheduler = test.substr(std::string(kVerifierTestPrefix).size());
  load.instance = host_str(sidecar, "name");
  load.status = host_str(sidecar, "status");
  if (load.status.empty()) load.status = "?";
  if (const json* p = member(sidecar, "profile"); p && p->is_string()) {
    load.profile = p->get<std::string>();
  } else {
    // "ktstr/verifier.X/PROFILE": the plan's name of a flag profile's instance.
    const std::string plain = "ktstr/" + test;
    if (load.instance.starts_with(plain + "/"))
      load.profile = load.instance.substr(plain.size() + 1);
  }
  if (const json* r = member(sidecar, "reasons"); r && r->is_array())
    for (const json& line : *r)
      if (line.is_string()) load.reasons.push_back(line.get<std::string>());
  const json* s = scheduler_data(sidecar);
  if (!s) {
    load.problems.push_back("the agent recorded no data.scheduler");
    return load;
  }
  const json* ops = member(*s, "ops");
  load.attached = ops && ops->is_string() && !ops->get<std::string>().empty();
  if (const json* tail = member(*s, "output_tail"); tail && tail->is_string())
    load.output_tail = tail->get<std::string>();
  if (const json* why = member(*s, "exit_reason"); why && why->is_string())
    load.exit_reason = why->get<std::string>();
  if (const json* bpf = member(*s, "bpf"); bpf) {
    if (const json* programs = member(*bpf, "programs"))
      read_programs(*programs, load);
    else if (!bpf->is_object())
      load.problems.push_back(
          fmt::format("data.scheduler.bpf is not an object (got {})", shown(*bpf)));
  }
  return load;
}

std::vector<VerifierLoad> read_verifier_loads(const std::vector<json>& sidecars) {
  std::vector<VerifierLoad> out;
  for (const json& s : sidecars)
    if (auto load = read_verifier_load(s)) out.push_back(std::move(*load));
  return out;
}

}  // namespace ktstr
