#pragma once
// Text helpers shared across folders.
#include <string_view>
#include <vector>

namespace hostmind {

// Splits on runs of whitespace (spaces, tabs, newlines, carriage returns).
std::vector<std::string_view> SplitFields(std::string_view line);
// Splits into lines (without the '\n'); a trailing partial line is kept.
std::vector<std::string_view> SplitLines(std::string_view text);

}  // namespace hostmind
