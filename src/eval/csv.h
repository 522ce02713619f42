#pragma once
// A small RFC 4180 CSV reader (quoted fields, doubled quotes, CRLF or LF line ends), enough for
// the ground-truth tables of the public datasets.
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace hostmind {

using CsvRow = std::vector<std::string>;

// Every row of `text`, the header included. An unterminated quoted field is an error.
Result<std::vector<CsvRow>> ParseCsv(std::string_view text);

// Reads a whole file (eval only: datasets are read whole).
Result<std::string> ReadTextFile(const std::string& path);

}  // namespace hostmind
