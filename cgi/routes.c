/*
 * routes.c: the route table, the one place that says which handler answers
 * which method and path, and who may call it.
 */
#include "app.h"
#include "handlers.h"

#define STAFF (ROLE_COORDINATOR | ROLE_ADMIN)

const struct route routes[] = {
	{ METHOD_GET, "/api/v1/health", h_health_get, ROUTE_PUBLIC, "health",
	    ROUTE_NO_TX },
	{ METHOD_POST, "/api/v1/login", h_session_login, ROUTE_PUBLIC, "login",
	    0 },
	{ METHOD_POST, "/api/v1/logout", h_session_logout, ROLES_SIGNED_IN,
	    "logout", 0 },
	{ METHOD_GET, "/api/v1/me", h_session_me, ROLES_SIGNED_IN, "me", 0 },
	{ METHOD_GET, "/api/v1/organisations", h_org_list, STAFF,
	    "organisations", 0 },
	{ METHOD_POST, "/api/v1/organisations", h_org_create, ROLE_ADMIN,
	    "organisations", 0 },
	{ METHOD_GET, "/api/v1/organisations/{id}", h_org_get,
	    ROLES_SIGNED_IN, "organisation", 0 },
	{ METHOD_POST, "/api/v1/invitations", h_invite_create, STAFF,
	    "invitations", 0 },
	{ METHOD_POST, "/api/v1/invitations/accept", h_invite_accept,
	    ROUTE_PUBLIC, "invitation_accept", 0 },
	{ METHOD_GET, "/api/v1/questionnaires", h_questionnaire_list,
	    ROLES_SIGNED_IN, "questionnaires", 0 },
	{ METHOD_POST, "/api/v1/questionnaires", h_questionnaire_create,
	    ROLE_ADMIN, "questionnaires", 0 },
	{ METHOD_GET, "/api/v1/questionnaires/{id}", h_questionnaire_get,
	    ROLES_SIGNED_IN, "questionnaire", 0 },
	{ METHOD_GET, "/api/v1/waves", h_wave_list, ROLES_SIGNED_IN, "waves",
	    0 },
	{ METHOD_POST, "/api/v1/waves", h_wave_create, STAFF, "waves", 0 },
	{ METHOD_PATCH, "/api/v1/waves/{id}", h_wave_update, STAFF, "wave",
	    0 },
	{ METHOD_GET, "/api/v1/waves/{id}/response", h_response_get,
	    ROLE_RESPONDENT, "response", 0 },
	{ METHOD_PUT, "/api/v1/waves/{id}/response", h_response_put,
	    ROLE_RESPONDENT, "response", 0 },
	{ METHOD_POST, "/api/v1/waves/{id}/response/submit",
	    h_response_submit, ROLE_RESPONDENT, "response_submit", 0 },
	{ METHOD_POST, "/api/v1/waves/{id}/responses/{id}/reopen",
	    h_response_reopen, STAFF, "response_reopen", 0 },
	{ METHOD_GET, "/api/v1/waves/{id}/benchmark", h_benchmark_get,
	    ROLE_RESPONDENT, "benchmark", 0 },
	{ METHOD_GET, "/api/v1/organisations/{id}/trend", h_benchmark_trend,
	    ROLE_RESPONDENT | STAFF, "trend", 0 },
	{ METHOD_GET, "/api/v1/waves/{id}/overview", h_overview_get, STAFF,
	    "overview", 0 },
	{ METHOD_GET, "/api/v1/waves/{id}/overview.csv", h_overview_csv,
	    STAFF, "overview_csv", 0 },
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
