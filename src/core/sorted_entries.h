// Deterministic iteration over unordered maps: what a model's Save() needs so that the same state
// always saves the same bytes.
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

namespace hostmind {

// Pointers to `map`'s entries, sorted by key. Valid until `map` changes.
template <typename Map>
std::vector<const typename Map::value_type*> SortedEntries(const Map& map) {
  std::vector<const typename Map::value_type*> entries;
  entries.reserve(map.size());
  for (const auto& entry : map) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  return entries;
}

}  // namespace hostmind
