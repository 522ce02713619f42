#include "core/metric_catalog.h"

#include <map>
#include <mutex>

namespace hostmind {

namespace {
std::mutex& CatalogMutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, std::string, std::less<>>& Catalog() {
  static std::map<std::string, std::string, std::less<>> catalog;
  return catalog;
}
}  // namespace

void DescribeMetric(std::string_view name, std::string_view help) {
  std::lock_guard lock(CatalogMutex());
  Catalog()[std::string(name)] = std::string(help);
}

std::string MetricHelp(std::string_view name) {
  std::lock_guard lock(CatalogMutex());
  auto it = Catalog().find(name);
  return it == Catalog().end() ? std::string() : it->second;
}

}  // namespace hostmind
