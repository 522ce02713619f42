#pragma once
// A minimal HTTP client for the CLI commands that talk to a running agent (status, jobs).
#include <string>

#include "core/status.h"

namespace hostmind {

struct HttpClientResponse {
  int status = 0;
  std::string body;
};

Result<HttpClientResponse> HttpCall(const std::string& method, const std::string& host, int port,
                                    const std::string& path, const std::string& body = "",
                                    const std::string& token = "");

}  // namespace hostmind
