/*
 * resp.c: building answers, above all the one error envelope of API.md:
 * {"error":{"code","message","details":[{"path","problem"}]}}.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "resp.h"

void
resp_init(struct resp *r)
{
	memset(r, 0, sizeof(*r));
	r->content_type = "application/json; charset=utf-8";
}

void
resp_free(struct resp *r)
{
	buf_free(&r->body);
	memset(r, 0, sizeof(*r));
}

int
resp_header(struct resp *r, const char *name, const char *fmt, ...)
{
	char value[1024];
	va_list ap;
	int n, m;

	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value) || strpbrk(value, "\r\n"))
		return -1;
	m = snprintf(r->headers + r->headers_len,
	    sizeof(r->headers) - r->headers_len, "%s: %s\r\n", name, value);
	if (m < 0 || (size_t)m >= sizeof(r->headers) - r->headers_len)
		return -1;
	r->headers_len += (size_t)m;
	return 0;
}

/* jansson's callback for json_dump_callback: append to a struct buf. */
static int
dump_to_buf(const char *p, size_t n, void *arg)
{
	return buf_append(arg, p, n);
}

int
resp_json(struct resp *r, int status, json_t *body)
{
	buf_reset(&r->body);
	if (body == NULL ||
	    json_dump_callback(body, dump_to_buf, &r->body,
	        JSON_COMPACT | JSON_REAL_PRECISION(RG_ANSWER_DIGITS)) == -1) {
		json_decref(body);
		resp_error(r, 500, "internal", "Internal error.", NULL);
		return -1;
	}
	json_decref(body);
	r->status = status;
	r->content_type = "application/json; charset=utf-8";
	return 0;
}

void
resp_empty(struct resp *r, int status)
{
	buf_reset(&r->body);
	r->status = status;
}

void
resp_error(struct resp *r, int status, const char *code, const char *message,
    const struct problems *ps)
{
	json_t *details = NULL, *o;
	size_t i, n;

	r->status = status;
	r->error_code = code;
	r->stream = NULL;
	r->content_type = "application/json; charset=utf-8";
	buf_reset(&r->body);
	if ((details = json_array()) == NULL)
		goto fallback;
	n = ps == NULL ? 0 : ps->count;
	if (n > RG_PROBLEMS_MAX)
		n = RG_PROBLEMS_MAX;
	for (i = 0; i < n; i++)
		json_array_append_new(
		    details, json_pack("{s:s, s:s}", "path", ps->item[i].path,
		                 "problem", ps->item[i].problem));
	o = json_pack("{s:{s:s, s:s, s:o}}", "error", "code", code, "message",
	    message, "details", details);
	if (o == NULL ||
	    json_dump_callback(o, dump_to_buf, &r->body, JSON_COMPACT) == -1) {
		json_decref(o);
		goto fallback;
	}
	json_decref(o);
	return;
fallback:
	buf_reset(&r->body);
	r->status = 500;
	r->error_code = "internal";
	/* When even this fails the answer goes out with an empty body. */
	if (buf_puts(&r->body, "{\"error\":{\"code\":\"internal\","
	                       "\"message\":\"Internal error.\","
	                       "\"details\":[]}}") == -1)
		buf_reset(&r->body);
}

const char *
resp_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

int
resp_head(const struct resp *r, const char *request_id, struct buf *out)
{
	int status = r->status ? r->status : 500;

	if (buf_printf(out, "Status: %d %s\r\n", status, resp_reason(status)))
		return -1;
	if (status != 204 &&
	    buf_printf(out, "Content-Type: %s\r\n", r->content_type))
		return -1;
	if (r->stream == NULL && status != 204 &&
	    buf_printf(out, "Content-Length: %zu\r\n", r->body.len))
		return -1;
	if (buf_puts(out, "Cache-Control: no-store\r\n"))
		return -1;
	if (buf_printf(out, "X-Request-Id: %s\r\n", request_id))
		return -1;
	if (buf_append(out, r->headers, r->headers_len))
		return -1;
	return buf_puts(out, "\r\n");
}
