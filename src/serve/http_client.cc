#include "serve/http_client.h"

#include <httplib.h>

namespace hostmind {

Result<HttpClientResponse> HttpCall(const std::string& method, const std::string& host, int port,
                                    const std::string& path, const std::string& body, const std::string& token) {
  httplib::Client client(host, port);
  client.set_connection_timeout(3, 0);
  client.set_read_timeout(30, 0);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  if (method != "GET" && method != "POST" && method != "PUT" && method != "DELETE")
    return Status::InvalidArgument("unsupported method " + method);
  httplib::Result r = method == "GET"    ? client.Get(path, headers)
                      : method == "POST" ? client.Post(path, headers, body, "application/json")
                      : method == "PUT"  ? client.Put(path, headers, body, "application/json")
                                         : client.Delete(path, headers);
  if (!r)
    return Status::Unavailable("cannot reach the agent at " + host + ":" + std::to_string(port) + " (" +
                               httplib::to_string(r.error()) + "): is `hostmind run` running?");
  return HttpClientResponse{r->status, r->body};
}

}  // namespace hostmind
