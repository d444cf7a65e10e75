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

// Keeps a record through --gc-sections (nothing references it).
#if defined(__has_attribute)
#if __has_attribute(retain)
#define KTSTR_DETAIL_RETAIN __attribute__((retain))
#endif
#endif
#ifndef KTSTR_DETAIL_RETAIN
#define KTSTR_DETAIL_RETAIN
#endif

#define KTSTR_DETAIL_STR2(x) #x
#define KTSTR_DETAIL_STR(x) KTSTR_DETAIL_STR2(x)

/// Defines and registers a scenario with a description shown by `ktstr-run plugins`.
/// The body sees `ktstr::Ctx& ctx` and returns a ktstr::AssertResult.
/// `description` must be a string literal: it is also written, with the name,
/// file and line, into a record in section KTSTR_DETAIL_RECORD_SECTION, which
/// `ktstr-run check` and `plugins` read from the file without running any of
/// the plugin's code (the Registrar serves the guest, which loads the plugin).
#define KTSTR_SCENARIO_DESC(name, description)                                                   \
  static ::ktstr::AssertResult ktstr_scenario_fn_##name(::ktstr::Ctx& ctx);                      \
  [[gnu::used]] static const ::ktstr::detail::Registrar ktstr_scenario_registrar_##name{         \
      #name, __FILE__, __LINE__, description, &ktstr_scenario_fn_##name};                        \
  [[gnu::used, gnu::section(KTSTR_DETAIL_RECORD_SECTION)]] KTSTR_DETAIL_RETAIN static const char \
      ktstr_scenario_record_##name[] = KTSTR_DETAIL_RECORD_MAGIC                                 \
      "\0" KTSTR_DETAIL_ABI_STRING "\0" KTSTR_DETAIL_SDK_VERSION_STRING "\0" #name "\0" __FILE__ \
      "\0" KTSTR_DETAIL_STR(__LINE__) "\0" description;                                          \
  static ::ktstr::AssertResult ktstr_scenario_fn_##name([[maybe_unused]] ::ktstr::Ctx& ctx)

/// Defines and registers a scenario without a description.
#define KTSTR_SCENARIO(name) KTSTR_SCENARIO_DESC(name, "")
