// The one header a ktstr plugin includes. A scenario is a function of Ctx&
// returning an AssertResult:
//
//   #include <ktstr/scenario.h>
//
//   KTSTR_SCENARIO_DESC(pinned_per_llc, "one cgroup of spinners per LLC") {
//     auto defs = ctx.cgroups_per_llc("llc", ctx.workers_per_cgroup());
//     return ktstr::execute_defs(ctx, defs);
//   }
//
// Build with find_package(ktstr) + ktstr_add_plugin(NAME SOURCES ...); see
// docs/plugins.md. The API lives in ktstr/detail/ (Ctx in detail/ctx.h).
#pragma once

#include "ktstr/detail/abi.h"
#include "ktstr/detail/assert_result.h"
#include "ktstr/detail/cgroup_def.h"
#include "ktstr/detail/ctx.h"
#include "ktstr/detail/registry.h"
#include "ktstr/detail/step.h"
#include "ktstr/detail/topology.h"

/// Defines and registers a scenario with a description shown by `ktstr-run plugins`.
/// The body sees `ktstr::Ctx& ctx` and returns a ktstr::AssertResult.
#define KTSTR_SCENARIO_DESC(name, description)                                           \
  static ::ktstr::AssertResult ktstr_scenario_fn_##name(::ktstr::Ctx& ctx);              \
  [[gnu::used]] static const ::ktstr::detail::Registrar ktstr_scenario_registrar_##name{ \
      #name, __FILE__, __LINE__, description, &ktstr_scenario_fn_##name};                \
  static ::ktstr::AssertResult ktstr_scenario_fn_##name([[maybe_unused]] ::ktstr::Ctx& ctx)

/// Defines and registers a scenario without a description.
#define KTSTR_SCENARIO(name) KTSTR_SCENARIO_DESC(name, "")
