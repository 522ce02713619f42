#include "cli/eval_support.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "eval/nab_tuner.h"

namespace hostmind::cli {

std::string DefaultDataDir(const std::string& relative) {
  const std::filesystem::path p = std::filesystem::path("../shared/data") / relative;
  std::error_code ec;
  return std::filesystem::exists(p, ec) ? p.string() : "";
}

void PrintHeadlineJson(const nlohmann::json& headline) {
  std::printf("%s\n", headline.dump().c_str());
  std::fflush(stdout);
}

double Round(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

bool ApplyTuningOverrides(const std::vector<std::string>& sets, AnomalyTuning& tuning, const char* command) {
  for (const std::string& set : sets) {
    const Status s = SetTuningKnob(tuning, set);
    if (!s.ok()) {
      std::fprintf(stderr, "%s: %s\n", command, s.message().c_str());
      return false;
    }
  }
  return true;
}

}  // namespace hostmind::cli
