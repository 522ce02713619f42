#pragma once
// The alerting endpoints (docs/API.md): GET /api/v1/alerts/active (open alerts with their
// counts and silences), GET/POST /api/v1/silences, DELETE /api/v1/silences/<id>. Writes need
// the token when one is set (the server's rule).
#include "alert/alert_sink.h"
#include "serve/http_server.h"

namespace hostmind {

void RegisterAlertApi(HttpServer& server, AlertSink& sink);

}  // namespace hostmind
