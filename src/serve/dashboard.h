#pragma once
// The dashboard: web/index.html at / and the other files of web/ at /assets/<name>, all served
// from the binary. Assets are public (code, no data; the token guards the API they call),
// revalidated by ETag so a slow link pays for them once, and locked to this origin by a
// Content-Security-Policy: the page can talk to nothing but this agent.
#include "serve/http_server.h"

namespace hostmind {

void RegisterDashboard(HttpServer& server);

}  // namespace hostmind
