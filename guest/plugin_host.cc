// Plugin loading in the guest (see plugin_host.h). The entry point is a
// Boost.DLL alias: an exported variable holding the entry function's address.
#include "guest/plugin_host.h"

#include <cxxabi.h>
#include <dlfcn.h>

#include <cstdlib>
#include <exception>
#include <set>
#include <typeinfo>

namespace ktstr {

LoadedPlugin::~LoadedPlugin() {
  if (handle_) dlclose(handle_);
}

std::unique_ptr<LoadedPlugin> LoadedPlugin::load(const std::string& path, std::string& error) {
  std::unique_ptr<LoadedPlugin> p(new LoadedPlugin);
  p->path_ = path;
  dlerror();
  p->handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!p->handle_) {
    const char* e = dlerror();
    error = "load plugin " + path + ": " + (e ? e : "dlopen failed") +
            " (the initramfs must carry the plugin and every library it needs)";
    return nullptr;
  }
  void* alias = dlsym(p->handle_, detail::kPluginEntryName);
  auto entry =
      alias ? reinterpret_cast<detail::PluginEntryFn*>(*static_cast<void**>(alias)) : nullptr;
  p->manifest_ = entry ? entry() : nullptr;
  if (!p->manifest_ || p->manifest_->magic != detail::kPluginMagic) {
    error = path + ": not a ktstr plugin (no " + std::string(detail::kPluginEntryName) +
            " entry point returning a ktstr manifest)";
    return nullptr;
  }
  if (p->manifest_->abi_version != kPluginAbiVersion) {
    error = path + ": plugin ABI mismatch: the plugin was built for ABI version " +
            std::to_string(p->manifest_->abi_version) + ", this agent needs version " +
            std::to_string(kPluginAbiVersion) + "; rebuild the plugin against this ktstr's SDK";
    return nullptr;
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < p->manifest_->scenario_count; ++i)
    if (!seen.insert(p->manifest_->scenarios[i].name).second) {
      error = path + ": duplicate scenario name '" + p->manifest_->scenarios[i].name +
              "'; rename one of them";
      return nullptr;
    }
  return p;
}

const detail::ScenarioEntry* LoadedPlugin::find(std::string_view name) const {
  for (size_t i = 0; i < manifest_->scenario_count; ++i)
    if (name == manifest_->scenarios[i].name) return &manifest_->scenarios[i];
  return nullptr;
}

std::vector<std::string> LoadedPlugin::names() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < manifest_->scenario_count; ++i)
    out.push_back(manifest_->scenarios[i].name);
  return out;
}

namespace {

std::string current_exception_type() {
  const std::type_info* t = abi::__cxa_current_exception_type();
  if (!t) return "unknown exception";
  int status = 0;
  char* name = abi::__cxa_demangle(t->name(), nullptr, nullptr, &status);
  std::string out = status == 0 && name ? name : t->name();
  std::free(name);
  return out;
}

}  // namespace

AssertResult call_scenario(const detail::ScenarioEntry& entry, Ctx& ctx) {
  const std::string where = std::string("scenario '") + entry.name + "' (" + entry.file + ":" +
                            std::to_string(entry.line) + ")";
  try {
    return entry.fn(ctx);
  } catch (const std::exception& e) {
    return AssertResult::fail(where + " threw " + current_exception_type() + ": " + e.what());
  } catch (...) {
    return AssertResult::fail(where + " threw " + current_exception_type());
  }
}

}  // namespace ktstr
