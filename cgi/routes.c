/*
 * routes.c: the route table, the one place that says which handler answers
 * which method and path, and who may call it.
 */
#include "app.h"
#include "handlers.h"

#define STAFF (ROLE_COORDINATOR | ROLE_ADMIN)

/* One row of the table: method, pattern, handler, who may call it, its
 * name in logs and metrics, ROUTE_* flags, PREFETCH(q) or 0. */
#define ROUTE(m, pat, fn, who, nm, fl, pf)                                     \
	{                                                                      \
		.method = (m), .pattern = (pat), .handler = (fn),              \
		.roles = (who), .name = (nm), .flags = (fl), .prefetch = (pf)  \
	}

const struct route routes[] = {
    ROUTE(METHOD_GET, "/api/v1/health", h_health_get, ROUTE_PUBLIC, "health",
        ROUTE_NO_TX, 0),
    ROUTE(METHOD_GET, "/api/v1/metrics", h_metrics_get, ROUTE_PUBLIC, "metrics",
        ROUTE_NO_TX, 0),
    ROUTE(METHOD_POST, "/api/v1/login", h_session_login, ROUTE_PUBLIC, "login",
        0, 0),
    ROUTE(METHOD_POST, "/api/v1/logout", h_session_logout, ROLES_SIGNED_IN,
        "logout", 0, 0),
    ROUTE(METHOD_GET, "/api/v1/me", h_session_me, ROLES_SIGNED_IN, "me", 0,
        PREFETCH(Q_ME)),
    ROUTE(METHOD_GET, "/api/v1/organisations", h_org_list, STAFF,
        "organisations", 0, 0),
    ROUTE(METHOD_POST, "/api/v1/organisations", h_org_create, ROLE_ADMIN,
        "organisations", 0, 0),
    ROUTE(METHOD_GET, "/api/v1/organisations/{id}", h_org_get, ROLES_SIGNED_IN,
        "organisation", 0, 0),
    ROUTE(METHOD_POST, "/api/v1/invitations", h_invite_create, STAFF,
        "invitations", 0, 0),
    ROUTE(METHOD_POST, "/api/v1/invitations/accept", h_invite_accept,
        ROUTE_PUBLIC, "invitation_accept", 0, 0),
    ROUTE(METHOD_GET, "/api/v1/questionnaires", h_questionnaire_list,
        ROLES_SIGNED_IN, "questionnaires", 0, 0),
    ROUTE(METHOD_POST, "/api/v1/questionnaires", h_questionnaire_create,
        ROLE_ADMIN, "questionnaires", 0, 0),
    ROUTE(METHOD_GET, "/api/v1/questionnaires/{id}", h_questionnaire_get,
        ROLES_SIGNED_IN, "questionnaire", 0, 0),
    /* Paged: its statement takes limit and cursor, so no prefetch. */
    ROUTE(METHOD_GET, "/api/v1/waves", h_wave_list, ROLES_SIGNED_IN, "waves", 0,
        0),
    ROUTE(METHOD_POST, "/api/v1/waves", h_wave_create, STAFF, "waves", 0, 0),
    ROUTE(
        METHOD_PATCH, "/api/v1/waves/{id}", h_wave_update, STAFF, "wave", 0, 0),
    ROUTE(METHOD_GET, "/api/v1/waves/{id}/response", h_response_get,
        ROLE_RESPONDENT, "response", ROUTE_CACHED, PREFETCH(Q_RESPONSE_GET)),
    ROUTE(METHOD_PUT, "/api/v1/waves/{id}/response", h_response_put,
        ROLE_RESPONDENT, "response", ROUTE_BATCHED, 0),
    ROUTE(METHOD_POST, "/api/v1/waves/{id}/response/submit", h_response_submit,
        ROLE_RESPONDENT, "response_submit",
        ROUTE_BATCHED | ROUTE_COMMITTER_AUTH, 0),
    ROUTE(METHOD_POST, "/api/v1/waves/{id}/responses/{id}/reopen",
        h_response_reopen, STAFF, "response_reopen", 0, 0),
    ROUTE(METHOD_GET, "/api/v1/waves/{id}/benchmark", h_benchmark_get,
        ROLE_RESPONDENT, "benchmark", ROUTE_READ | ROUTE_CACHED,
        PREFETCH(Q_BENCHMARK)),
    ROUTE(METHOD_GET, "/api/v1/organisations/{id}/trend", h_benchmark_trend,
        ROLE_RESPONDENT | STAFF, "trend", ROUTE_READ, 0),
    ROUTE(METHOD_GET, "/api/v1/waves/{id}/overview", h_overview_get, STAFF,
        "overview", ROUTE_READ, 0),
    ROUTE(METHOD_GET, "/api/v1/waves/{id}/overview.csv", h_overview_csv, STAFF,
        "overview_csv", ROUTE_READ, 0),
    ROUTE(METHOD_GET, "/api/v1/waves/{id}/export.csv", h_export_csv,
        ROLE_RESEARCHER | ROLE_ADMIN, "export_csv", ROUTE_SNAPSHOT | ROUTE_READ,
        0),
    ROUTE(METHOD_GET, "/api/v1/waves/{id}/export.json", h_export_json,
        ROLE_RESEARCHER | ROLE_ADMIN, "export_json",
        ROUTE_SNAPSHOT | ROUTE_READ, 0),
    ROUTE(METHOD_GET, "/api/v1/waves/{id}/export.sav", h_export_sav,
        ROLE_RESEARCHER | ROLE_ADMIN, "export_sav", ROUTE_SNAPSHOT | ROUTE_READ,
        0),
    ROUTE(METHOD_GET, "/api/v1/waves/{id}/export.dta", h_export_dta,
        ROLE_RESEARCHER | ROLE_ADMIN, "export_dta", ROUTE_SNAPSHOT | ROUTE_READ,
        0),
    ROUTE(METHOD_GET, "/api/v1/waves/{id}/codebook.json", h_export_codebook,
        ROLE_RESEARCHER | ROLE_ADMIN, "export_codebook",
        ROUTE_SNAPSHOT | ROUTE_READ, 0),
    ROUTE(METHOD_GET, "/api/v1/waves/{id}/datapackage.json",
        h_export_datapackage, ROLE_RESEARCHER | ROLE_ADMIN,
        "export_datapackage", ROUTE_SNAPSHOT | ROUTE_READ, 0),
    ROUTE(METHOD_GET, "/api/v1/users", h_user_list, ROLE_ADMIN, "users", 0, 0),
    ROUTE(METHOD_PATCH, "/api/v1/users/{id}", h_user_update, ROLE_ADMIN, "user",
        0, 0),
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
