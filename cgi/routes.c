/*
 * routes.c: the route table, the one place that says which handler answers
 * which method and path, and who may call it.
 */
#include "app.h"
#include "handlers.h"

const struct route routes[] = {
	{ METHOD_GET, "/api/v1/health", h_health_get, ROUTE_PUBLIC, "health" },
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
