#include "core/startup_trace.h"

#include <algorithm>

namespace hostmind {

void AddPages(std::vector<PageRange>& set, PageRange r) {
  if (r.count == 0) return;
  // The first range that ends at or after r.first could touch r; ranges before it cannot.
  auto it = std::lower_bound(set.begin(), set.end(), r.first,
                             [](const PageRange& x, uint64_t first) { return x.end() < first; });
  uint64_t first = r.first, end = r.end();
  auto last = it;
  while (last != set.end() && last->first <= end) {
    first = std::min(first, last->first);
    end = std::max(end, last->end());
    ++last;
  }
  it = set.erase(it, last);
  set.insert(it, PageRange{first, end - first});
}

void RemovePages(std::vector<PageRange>& set, const std::vector<PageRange>& remove) {
  std::vector<PageRange> out;
  out.reserve(set.size());
  size_t j = 0;
  for (PageRange r : set) {
    uint64_t pos = r.first;
    while (j < remove.size() && remove[j].end() <= pos) ++j;
    for (size_t k = j; k < remove.size() && remove[k].first < r.end(); ++k) {
      if (remove[k].first > pos) out.push_back({pos, remove[k].first - pos});
      pos = std::max(pos, remove[k].end());
    }
    if (pos < r.end()) out.push_back({pos, r.end() - pos});
  }
  set = std::move(out);
}

uint64_t OverlapPages(const std::vector<PageRange>& a, const std::vector<PageRange>& b) {
  uint64_t n = 0;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    uint64_t lo = std::max(a[i].first, b[j].first), hi = std::min(a[i].end(), b[j].end());
    if (lo < hi) n += hi - lo;
    if (a[i].end() < b[j].end()) ++i;
    else ++j;
  }
  return n;
}

uint64_t TotalPages(const std::vector<PageRange>& set) {
  uint64_t n = 0;
  for (const PageRange& r : set) n += r.count;
  return n;
}

}  // namespace hostmind
