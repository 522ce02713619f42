#include "detect/forecast_text.h"

#include <cmath>
#include <cstdio>

namespace hostmind {

namespace {

std::string Scaled(double v, const char* const* units, double base) {
  int u = 0;
  double a = std::abs(v);
  while (a >= base && units[u + 1]) {
    a /= base;
    v /= base;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, a < 10 ? "%.1f%s" : "%.0f%s", v, units[u]);
  return buf;
}

struct Unit {
  const char* name;
  double ms;
};

// Minutes below 90 min, hours below 48 h, else days.
Unit UnitFor(TimeMs t) {
  if (t < 90 * kMsPerMinute) return {"min", static_cast<double>(kMsPerMinute)};
  if (t < 48 * kMsPerHour) return {"h", static_cast<double>(kMsPerHour)};
  return {"d", static_cast<double>(kMsPerDay)};
}

std::string In(TimeMs t, Unit u) {
  const double v = static_cast<double>(t) / u.ms;
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10 && u.name[0] == 'd' ? "%.1f" : "%.0f", v);
  return buf;
}

}  // namespace

std::string FormatBytes(double bytes) {
  static const char* const kUnits[] = {" B", " kB", " MB", " GB", " TB", " PB", nullptr};
  return Scaled(bytes, kUnits, 1000);
}

std::string FormatCount(double n) {
  static const char* const kUnits[] = {"", "k", "M", "G", nullptr};
  return Scaled(n, kUnits, 1000);
}

std::string FormatEta(const ExhaustionForecast& f) {
  if (f.eta <= 0) return "now";
  const Unit u = UnitFor(f.eta);
  std::string out = "about " + In(f.eta, u) + " " + u.name + " (90%: " + In(f.eta_low, u);
  out += f.eta_high < 0 ? " " + std::string(u.name) + " or later)" : "-" + In(f.eta_high, u) + " " + u.name + ")";
  return out;
}

}  // namespace hostmind
