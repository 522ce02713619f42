#pragma once
// Helpers shared by the `hostmind eval ...` commands.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "learn/anomaly_detector.h"

namespace hostmind::cli {

// `relative` under ../shared/data (the shared datasets beside the repository) when that
// exists, else "" (the command then asks for --data).
std::string DefaultDataDir(const std::string& relative);

// Prints the headline JSON object on its own line (the last line of `--json` output).
void PrintHeadlineJson(const nlohmann::json& headline);

// Rounds for JSON: figures are reported to `digits` decimals.
double Round(double v, int digits);

// Applies `--set knob=value` options to `tuning`; on a bad one prints "<command>: <why>" and
// returns false.
bool ApplyTuningOverrides(const std::vector<std::string>& sets, AnomalyTuning& tuning, const char* command);

}  // namespace hostmind::cli
