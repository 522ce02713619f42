#pragma once
// A minimal HTTP client: for the CLI commands that talk to a running agent (status, top,
// explain) and for alert delivery to webhooks.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace hostmind {

struct HttpClientResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

Result<HttpClientResponse> HttpCall(const std::string& method, const std::string& host, int port,
                                    const std::string& path, const std::string& body = "",
                                    const std::string& token = "", const HttpHeaders& headers = {});

// POSTs `body` (JSON) to an http:// or https:// URL; Unavailable when the peer cannot be
// reached within `timeout_ms`.
Result<HttpClientResponse> HttpPostUrl(const std::string& url, const std::string& body, const HttpHeaders& headers,
                                       int timeout_ms);

}  // namespace hostmind
