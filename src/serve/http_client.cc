#include "serve/http_client.h"

#include <httplib.h>

#include <regex>

namespace hostmind {

namespace {

HttpClientResponse ToResponse(const httplib::Response& r) {
  HttpClientResponse out{r.status, r.body, {}};
  for (const auto& [k, v] : r.headers) out.headers[k] = v;
  return out;
}

httplib::Headers ToHeaders(const HttpHeaders& headers, const std::string& token) {
  httplib::Headers out;
  if (!token.empty()) out.emplace("Authorization", "Bearer " + token);
  for (const auto& [k, v] : headers) out.emplace(k, v);
  return out;
}

}  // namespace

Result<HttpClientResponse> HttpCall(const std::string& method, const std::string& host, int port,
                                    const std::string& path, const std::string& body, const std::string& token,
                                    const HttpHeaders& extra) {
  httplib::Client client(host, port);
  client.set_connection_timeout(3, 0);
  client.set_read_timeout(30, 0);
  httplib::Headers headers = ToHeaders(extra, token);
  if (method != "GET" && method != "POST" && method != "PUT" && method != "DELETE")
    return Status::InvalidArgument("unsupported method " + method);
  httplib::Result r = method == "GET"    ? client.Get(path, headers)
                      : method == "POST" ? client.Post(path, headers, body, "application/json")
                      : method == "PUT"  ? client.Put(path, headers, body, "application/json")
                                         : client.Delete(path, headers);
  if (!r)
    return Status::Unavailable("cannot reach the agent at " + host + ":" + std::to_string(port) + " (" +
                               httplib::to_string(r.error()) + "): is `hostmind run` running?");
  return ToResponse(*r);
}

Result<HttpClientResponse> HttpPostUrl(const std::string& url, const std::string& body, const HttpHeaders& headers,
                                       int timeout_ms) {
  static const std::regex parts(R"(^(https?://[^/]+)(/.*)?$)");
  std::smatch m;
  if (!std::regex_match(url, m, parts)) return Status::InvalidArgument("url '" + url + "': expected http(s)://host[:port]/path");
  httplib::Client client(m[1].str());
  client.set_connection_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
  client.set_read_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
  client.set_write_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
  std::string path = m[2].matched ? m[2].str() : "/";
  httplib::Result r = client.Post(path, ToHeaders(headers, ""), body, "application/json");
  if (!r) return Status::Unavailable(url + ": " + httplib::to_string(r.error()));
  return ToResponse(*r);
}

}  // namespace hostmind
