#pragma once
// HTTP routes of the actuators (docs/API.md): /api/v1/actions (the audit log),
// /api/v1/actions/<id>, and /api/v1/alloc (the cgroup controller's workloads, live).
#include "act/action_audit.h"
#include "act/cgroup_controller.h"
#include "serve/http_server.h"

namespace hostmind {

// `controller` may be null (no workloads configured); `audit` must outlive the server.
void RegisterAllocRoutes(HttpServer& server, ActionAudit* audit, const CgroupController* controller);

}  // namespace hostmind
