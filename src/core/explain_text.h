#pragma once
// A finding's explanation as plain text: what `hostmind explain`, the alert log line and the
// webhook's description print. The same structure the API returns as JSON, for people.
#include <string>

#include "core/finding.h"

namespace hostmind {

// Several lines: severity, kind, id and time; the summary; subject and score; the evidence,
// most responsible first; the facts.
std::string ExplainText(const Finding& finding);

}  // namespace hostmind
