#pragma once
// The words of forecast and leak alerts: "/var will be full in about 9 h (90%: 6-14 h), growing
// 1.2 GB/h since 10:05".
#include <string>

#include "core/clock.h"
#include "learn/exhaustion_forecaster.h"

namespace hostmind {

// "1.2 GB", "640 MB", "12 kB" (decimal units, 2 significant digits from 1 to 99).
std::string FormatBytes(double bytes);
// "12k", "3.4M" for counts (inodes).
std::string FormatCount(double n);
// "about 9 h (90%: 6-14 h)"; "now" when already at the limit; the upper end is "or later" when
// the interval is open.
std::string FormatEta(const ExhaustionForecast& f);

}  // namespace hostmind
