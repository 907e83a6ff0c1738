/*
 * handlers.h: every handler of the route table, grouped by file.
 * Each fills c->resp and returns 0 (or -1 after setting an error answer).
 */
#ifndef HANDLERS_H
#define HANDLERS_H

#include <jansson.h>
#include <libpq-fe.h>

struct ctx;
struct problems;

/* h_health.c */
int h_health_get(struct ctx *);

/* h_metrics.c */
int h_metrics_get(struct ctx *);

/* h_session.c */
int h_session_login(struct ctx *);
int h_session_logout(struct ctx *);
int h_session_me(struct ctx *);
/* The user object of API.md from the given columns of a result. */
json_t *session_user_json(const PGresult *, int row, int id_col, int email_col,
    int name_col, int role_col, int org_col, int org_name_col);
/* Answers a sign-in: the session cookie and {"user": user, "csrf"};
 * steals user. */
int session_answer(struct ctx *, int status, const char *token, json_t *user);

/* h_org.c */
int h_org_list(struct ctx *);
int h_org_get(struct ctx *);
int h_org_create(struct ctx *);

/* h_invite.c */
int h_invite_create(struct ctx *);
int h_invite_accept(struct ctx *);

/* h_questionnaire.c */
int h_questionnaire_list(struct ctx *);
int h_questionnaire_get(struct ctx *);
int h_questionnaire_create(struct ctx *);
struct qdef;
/* Stores a validated definition: 201 new, 200 the same one exists, 409 a
 * different one has its slug and version. */
int questionnaire_store(struct ctx *, const json_t *def, const struct qdef *q);

/* h_wave.c */
int h_wave_list(struct ctx *);
int h_wave_create(struct ctx *);
int h_wave_update(struct ctx *);

/* h_response.c */
int h_response_get(struct ctx *);
int h_response_put(struct ctx *);
int h_response_submit(struct ctx *);
int h_response_reopen(struct ctx *);

/* h_benchmark.c */
int h_benchmark_get(struct ctx *);
int h_benchmark_trend(struct ctx *);

/* h_overview.c */
int h_overview_get(struct ctx *);
int h_overview_csv(struct ctx *);

/* h_export.c: research exports (streamed; codebook and data package as
 * JSON). */
int h_export_csv(struct ctx *);
int h_export_json(struct ctx *);
int h_export_sav(struct ctx *);
int h_export_dta(struct ctx *);
int h_export_codebook(struct ctx *);
int h_export_datapackage(struct ctx *);

/* h_user.c: accounts for admins. */
int h_user_list(struct ctx *);
int h_user_update(struct ctx *);
#endif /* HANDLERS_H */
