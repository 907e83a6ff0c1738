/*
 * wload.c: the load client of the write benchmarks (tests/bench/run):
 * autosaves (PUT) and submits (POST) with one respondent per connection,
 * so that no two connections ever save the same response, on few threads.
 *
 *   wload --mode put|submit --url http://HOST:PORT/PATH --tokens FILE
 *         [--connections 64] [--threads 2] [--seconds 10]
 *
 * It does what wrk with bench.lua's put and submit modes did, with a thread
 * per connection, at a fraction of the CPU: wrk -t64 spent ~80 us of CPU on
 * each request, on a machine whose two cores the server needs, while
 * pgbench, the ceiling the writes are compared with, runs its 32 clients on
 * 2 threads. Here each thread runs one epoll loop over its share of the
 * connections, plain HTTP/1.1 with keep-alive, one request in flight per
 * connection.
 *
 *   put     connection i saves as respondent i (token i mod the tokens),
 *           with the body bench.lua sent, the revision taken from each
 *           answer; runs for --seconds.
 *   submit  connection i submits the drafts of tokens i, i + C, i + 2C, ...
 *           (C connections), each once, then closes; the run ends after
 *           --seconds or when every connection is done.
 *
 * Prints wrk's lines that tests/bench/run reads (Requests/sec, the 50 % and
 * 99 % latencies, Non-2xx), plus "errors: E" after socket errors, which
 * are counted and followed by a new connection.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A response larger than this is taken for a broken one. */
#define MAX_RESPONSE (64u * 1024 * 1024)
/* Wait before a new connection after a socket error. */
#define RETRY_NS (10 * 1000000ull)
/*
 * Latency histogram, in nanoseconds: values below 128 ns exactly, above
 * that 128 buckets per power of two, so a bucket is at most 1/128 of its
 * values wide (a percentile within 0.4 % when read at its middle). 34
 * powers of two reach past 10 s (2^40 ns, 18 minutes, is the top).
 */
#define SUB_BITS 7
#define SUB (1u << SUB_BITS)
#define TOP_BIT 40
#define NBUCKETS ((TOP_BIT - SUB_BITS + 1) * SUB)

enum mode { MODE_PUT, MODE_SUBMIT };

/* What the command line and the tokens file say; shared, read-only. */
struct config {
	enum mode mode;
	char host[256]; /* the Host header: host[:port] as in the URL */
	char *path;     /* the request path */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char **tokens;
	size_t ntokens;
	size_t maxtoken; /* the longest token's length */
	size_t connections;
	size_t threads;
	uint64_t start_ns;
	uint64_t deadline_ns;
};

enum conn_state {
	C_CONNECTING, /* connect() in progress */
	C_WRITING,    /* the request partly sent */
	C_READING,    /* waiting for (the rest of) the response */
	C_WAITING,    /* after an error, until retry_ns */
	C_DONE        /* submit: its drafts are all submitted */
};

enum chunk_state { CH_SIZE, CH_DATA, CH_DATA_END, CH_TRAILER };

/* The response being read, parsed as its bytes arrive. */
struct response {
	size_t hdr_len; /* up to and including CRLFCRLF; 0 until all came */
	size_t scanned; /* bytes searched for CRLFCRLF so far */
	int status;
	bool close; /* Connection: close, or HTTP/1.0 */
	bool chunked;
	bool until_eof; /* neither a length nor chunked: the body ends at EOF */
	size_t length;  /* Content-Length */
	/* Chunked bodies are decoded in place: the body so far is
	 * in[hdr_len .. body_end), the next undecoded byte is in[pos]. */
	enum chunk_state chunk;
	size_t pos;
	size_t body_end;
	size_t chunk_left;
};

struct conn {
	int fd; /* -1 when closed */
	enum conn_state state;
	uint32_t events; /* the epoll events registered, 0 when none */
	size_t index;    /* 0 .. connections - 1 */
	size_t sent;     /* submit: drafts submitted (or failed) so far */
	int revision;    /* put: the last revision the server answered */
	int level;       /* put: cycles 0 .. 4 */
	uint64_t start_ns;
	uint64_t retry_ns;
	char *out; /* the request */
	size_t out_cap;
	size_t out_len;
	size_t out_off;
	char *in; /* the response */
	size_t in_cap;
	size_t in_len;
	struct response r;
};

/* A thread, its connections and what it counted. */
struct worker {
	pthread_t tid;
	const struct config *cfg;
	struct conn *conns;
	size_t nconns;
	size_t active;  /* connections not done */
	size_t waiting; /* connections in C_WAITING */
	int ep;
	uint64_t end_ns;
	uint64_t completed;
	uint64_t non2xx;
	uint64_t errors;
	uint64_t hist[NBUCKETS];
};

static uint64_t
now_ns(void)
{
	struct timespec t;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* ---- Latency histogram ---- */

static size_t
bucket_of(uint64_t ns)
{
	unsigned e = 0;

	if (ns < SUB)
		return (size_t)ns;
	if (ns >= (1ull << TOP_BIT))
		ns = (1ull << TOP_BIT) - 1;
	while (ns >> (e + 1))
		e++;
	return (size_t)(e - SUB_BITS + 1) * SUB +
	       (size_t)((ns >> (e - SUB_BITS)) & (SUB - 1));
}

/* The middle of bucket i, in nanoseconds. */
static double
bucket_value(size_t i)
{
	unsigned shift;
	uint64_t low;

	if (i < SUB)
		return (double)i;
	shift = (unsigned)(i / SUB) - 1;
	low = (uint64_t)(SUB + i % SUB) << shift;
	return (double)low + (double)(1ull << shift) / 2.0;
}

/* The latency below which pct percent of the n requests fell, in ns. */
static double
percentile(const uint64_t *hist, uint64_t n, unsigned pct)
{
	uint64_t rank = (n * pct + 99) / 100, seen = 0;

	if (rank == 0)
		rank = 1;
	for (size_t i = 0; i < NBUCKETS; i++) {
		seen += hist[i];
		if (seen >= rank)
			return bucket_value(i);
	}
	return 0.0;
}

/* Formats ns as wrk does: 850.00us, 12.34ms, 1.20s. */
static void
format_latency(char *out, size_t size, double ns)
{
	double us = ns / 1000.0;

	if (us < 1000.0)
		snprintf(out, size, "%.2fus", us);
	else if (us < 1000000.0)
		snprintf(out, size, "%.2fms", us / 1000.0);
	else
		snprintf(out, size, "%.2fs", us / 1000000.0);
}

/* ---- Configuration ---- */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: wload --mode put|submit --url http://HOST:PORT/PATH "
	    "--tokens FILE\n"
	    "             [--connections 64] [--threads 2] [--seconds 10]\n");
}

/* Parses a positive count up to max. 0, or -1 after saying why. */
static int
parse_count(const char *opt, const char *s, size_t max, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > max ||
	    s[0] == '-') {
		fprintf(stderr, "wload: %s wants a number from 1 to %zu\n", opt,
		    max);
		return -1;
	}
	*out = (size_t)v;
	return 0;
}

/* Splits http://host[:port][/path] and resolves host. 0 or -1. */
static int
parse_url(struct config *cfg, const char *url)
{
	const char *p = url + 7, *slash, *colon;
	char name[256], port[16];
	size_t hostlen;
	struct addrinfo hints, *res;
	int rc;

	if (strncmp(url, "http://", 7) != 0) {
		fprintf(stderr, "wload: only http:// URLs: %s\n", url);
		return -1;
	}
	slash = strchr(p, '/');
	hostlen = slash ? (size_t)(slash - p) : strlen(p);
	if (hostlen == 0 || hostlen >= sizeof(cfg->host)) {
		fprintf(stderr, "wload: no host in %s\n", url);
		return -1;
	}
	memcpy(cfg->host, p, hostlen);
	cfg->host[hostlen] = '\0';
	cfg->path = strdup(slash ? slash : "/");
	if (cfg->path == NULL) {
		perror("wload: strdup");
		return -1;
	}
	/* host[:port], the port 80 when there is none. */
	colon = strchr(cfg->host, ':');
	if (colon && (colon[1] == '\0' || strlen(colon + 1) >= sizeof(port))) {
		fprintf(stderr, "wload: bad port in %s\n", url);
		return -1;
	}
	snprintf(name, sizeof(name), "%.*s",
	    (int)(colon ? (size_t)(colon - cfg->host) : hostlen), cfg->host);
	snprintf(port, sizeof(port), "%s", colon ? colon + 1 : "80");

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(name, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "wload: %s: %s\n", cfg->host, gai_strerror(rc));
		return -1;
	}
	memcpy(&cfg->addr, res->ai_addr, res->ai_addrlen);
	cfg->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* Appends one token to the config's list. 0 or -1. */
static int
add_token(struct config *cfg, const char *s, size_t len, size_t *cap)
{
	char *t;

	if (cfg->ntokens == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		char **p = realloc(cfg->tokens, n * sizeof(*p));

		if (p == NULL)
			return -1;
		cfg->tokens = p;
		*cap = n;
	}
	if ((t = strndup(s, len)) == NULL)
		return -1;
	cfg->tokens[cfg->ntokens++] = t;
	if (len > cfg->maxtoken)
		cfg->maxtoken = len;
	return 0;
}

/* Reads one token a line, skipping empty lines. 0 or -1. */
static int
read_tokens(struct config *cfg, const char *file)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t linecap = 0, cap = 0;
	ssize_t n;
	int rc = 0;

	if (f == NULL) {
		fprintf(stderr, "wload: %s: %s\n", file, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &linecap, f)) != -1) {
		size_t len = (size_t)n;

		while (len > 0 &&
		       (line[len - 1] == '\n' || line[len - 1] == '\r' ||
		           line[len - 1] == ' '))
			len--;
		if (len == 0)
			continue;
		if (add_token(cfg, line, len, &cap) == -1) {
			perror("wload: tokens");
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		fprintf(stderr, "wload: %s: read error\n", file);
		rc = -1;
	}
	free(line);
	if (fclose(f) != 0 && rc == 0) {
		fprintf(stderr, "wload: %s: %s\n", file, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && cfg->ntokens == 0) {
		fprintf(stderr, "wload: no tokens in %s\n", file);
		rc = -1;
	}
	return rc;
}

static void
free_config(struct config *cfg)
{
	for (size_t i = 0; i < cfg->ntokens; i++)
		free(cfg->tokens[i]);
	free(cfg->tokens);
	free(cfg->path);
}

/* Reads the command line into cfg. 0, or -1 after saying why. */
static int
parse_args(struct config *cfg, int argc, char **argv, uint64_t *seconds)
{
	const char *mode = NULL, *url = NULL, *tokens = NULL;
	size_t secs = 10;

	cfg->connections = 64;
	cfg->threads = 2;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i],
		           *val = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;

		if (val == NULL) {
			usage();
			return -1;
		}
		i++;
		if (strcmp(opt, "--mode") == 0)
			mode = val;
		else if (strcmp(opt, "--url") == 0)
			url = val;
		else if (strcmp(opt, "--tokens") == 0)
			tokens = val;
		else if (strcmp(opt, "--connections") == 0)
			rc = parse_count(opt, val, 100000, &cfg->connections);
		else if (strcmp(opt, "--threads") == 0)
			rc = parse_count(opt, val, 256, &cfg->threads);
		else if (strcmp(opt, "--seconds") == 0)
			rc = parse_count(opt, val, 86400, &secs);
		else {
			usage();
			return -1;
		}
		if (rc == -1)
			return -1;
	}
	if (mode == NULL || url == NULL || tokens == NULL) {
		usage();
		return -1;
	}
	if (strcmp(mode, "put") == 0)
		cfg->mode = MODE_PUT;
	else if (strcmp(mode, "submit") == 0)
		cfg->mode = MODE_SUBMIT;
	else {
		usage();
		return -1;
	}
	if (cfg->threads > cfg->connections)
		cfg->threads = cfg->connections;
	*seconds = secs;
	if (parse_url(cfg, url) == -1)
		return -1;
	return read_tokens(cfg, tokens);
}

/* ---- HTTP ---- */

/* The token of c's next request, or NULL when it has none left. */
static const char *
next_token(const struct config *cfg, const struct conn *c)
{
	size_t i;

	if (cfg->mode == MODE_PUT)
		return cfg->tokens[c->index % cfg->ntokens];
	/* Submit: tokens index, index + C, index + 2C, ... */
	if (c->sent > (SIZE_MAX - c->index) / cfg->connections)
		return NULL;
	i = c->index + c->sent * cfg->connections;
	return i < cfg->ntokens ? cfg->tokens[i] : NULL;
}

/* Writes c's next request into c->out. 0 or -1. */
static int
format_request(const struct config *cfg, struct conn *c, const char *token)
{
	char body[256];
	const char *method;
	int n;

	if (cfg->mode == MODE_PUT) {
		c->level = (c->level + 1) % 5;
		n = snprintf(body, sizeof(body),
		    "{\"revision\":%d,\"answers\":{"
		    "\"D1.1\":{\"level\":%d,\"comment\":\"Autosave\"},"
		    "\"D2.3\":{\"level\":%d,\"target\":4}}}",
		    c->revision, c->level, (c->level + 2) % 5);
		method = "PUT";
	} else {
		n = snprintf(body, sizeof(body), "{\"revision\":1}");
		method = "POST";
	}
	if (n < 0 || (size_t)n >= sizeof(body))
		return -1;
	n = snprintf(c->out, c->out_cap,
	    "%s %s HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "Authorization: Bearer %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %d\r\n"
	    "\r\n"
	    "%s",
	    method, cfg->path, cfg->host, token, n, body);
	if (n < 0 || (size_t)n >= c->out_cap)
		return -1;
	c->out_len = (size_t)n;
	c->out_off = 0;
	return 0;
}

/* Whether the header value v (n bytes) contains word, in any case. */
static bool
value_has(const char *v, size_t n, const char *word)
{
	size_t w = strlen(word);

	for (size_t i = 0; i + w <= n; i++)
		if (strncasecmp(v + i, word, w) == 0)
			return true;
	return false;
}

/* Whether the header name (n bytes) is want, in any case. */
static bool
name_is(const char *name, size_t n, const char *want)
{
	return n == strlen(want) && strncasecmp(name, want, n) == 0;
}

/* Takes in one header line of r's response. 0, or -1 when malformed. */
static int
parse_header(
    struct response *r, const char *line, const char *eol, bool *has_length)
{
	const char *colon = memchr(line, ':', (size_t)(eol - line));
	const char *v;
	size_t n, vlen;

	if (colon == NULL)
		return -1;
	n = (size_t)(colon - line);
	for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
		;
	while (eol > v && (eol[-1] == ' ' || eol[-1] == '\t'))
		eol--;
	vlen = (size_t)(eol - v);
	if (name_is(line, n, "Content-Length")) {
		size_t len = 0;

		if (vlen == 0)
			return -1;
		for (size_t i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9' || len > MAX_RESPONSE)
				return -1;
			len = len * 10 + (size_t)(v[i] - '0');
		}
		r->length = len;
		*has_length = true;
	} else if (name_is(line, n, "Transfer-Encoding")) {
		r->chunked = value_has(v, vlen, "chunked");
	} else if (name_is(line, n, "Connection")) {
		if (value_has(v, vlen, "close"))
			r->close = true;
		else if (value_has(v, vlen, "keep-alive"))
			r->close = false;
	}
	return 0;
}

/* Parses the status line and headers of r, in in[0 .. hdr_len), and
 * decides how its body ends. 0 or -1. */
static int
parse_head(struct response *r, const char *in)
{
	/* end: the CRLF of the empty line that ends the headers. */
	const char *p = in, *end = in + r->hdr_len - 2;
	bool has_length = false;

	/* "HTTP/1.x NNN reason"; HTTP/1.0 closes unless it says keep-alive. */
	if (r->hdr_len < 14 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9')
		return -1;
	r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	r->close = p[7] == '0';
	/* Each header line starts after a LF and ends with CRLF. */
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL && ++p < end) {
		const char *eol = memchr(p, '\r', (size_t)(end - p));

		if (parse_header(r, p, eol ? eol : end, &has_length) == -1)
			return -1;
	}
	if (r->chunked) {
		r->chunk = CH_SIZE;
		r->pos = r->body_end = r->hdr_len;
	} else if (r->status == 204 || r->status == 304 || r->status < 200) {
		r->length = 0;
	} else if (!has_length) {
		r->until_eof = true;
		r->close = true;
	}
	return 0;
}

/* Finds the CRLF at or after in[from], before in[len]; its index or len. */
static size_t
find_crlf(const char *in, size_t from, size_t len)
{
	for (size_t i = from; i + 1 < len; i++)
		if (in[i] == '\r' && in[i + 1] == '\n')
			return i;
	return len;
}

/*
 * Decodes what arrived of a chunked body, moving the data of each chunk
 * down to body_end. Returns 1 when the body is complete, 0 when more is
 * to come, -1 when it is malformed.
 */
static int
parse_chunks(struct response *r, char *in, size_t len)
{
	for (;;) {
		size_t eol, size;

		switch (r->chunk) {
		case CH_SIZE:
			eol = find_crlf(in, r->pos, len);
			if (eol == len)
				return len - r->pos > 64 ? -1 : 0;
			size = 0;
			for (size_t i = r->pos; i < eol && in[i] != ';'; i++) {
				int d;
				char ch = in[i];

				if (ch >= '0' && ch <= '9')
					d = ch - '0';
				else if (ch >= 'a' && ch <= 'f')
					d = ch - 'a' + 10;
				else if (ch >= 'A' && ch <= 'F')
					d = ch - 'A' + 10;
				else if (ch == ' ' || ch == '\t')
					continue;
				else
					return -1;
				if (size > MAX_RESPONSE)
					return -1;
				size = size * 16 + (size_t)d;
			}
			r->pos = eol + 2;
			r->chunk_left = size;
			r->chunk = size ? CH_DATA : CH_TRAILER;
			break;
		case CH_DATA: {
			size_t n = len - r->pos;

			if (n > r->chunk_left)
				n = r->chunk_left;
			if (n == 0)
				return 0;
			memmove(in + r->body_end, in + r->pos, n);
			r->body_end += n;
			r->pos += n;
			r->chunk_left -= n;
			if (r->chunk_left == 0)
				r->chunk = CH_DATA_END;
			break;
		}
		case CH_DATA_END:
			if (len - r->pos < 2)
				return 0;
			if (in[r->pos] != '\r' || in[r->pos + 1] != '\n')
				return -1;
			r->pos += 2;
			r->chunk = CH_SIZE;
			break;
		case CH_TRAILER:
			/* Trailer lines until an empty one. */
			eol = find_crlf(in, r->pos, len);
			if (eol == len)
				return 0;
			if (eol == r->pos)
				return 1;
			r->pos = eol + 2;
			break;
		}
	}
}

/*
 * Parses what arrived of c's response (eof: the server closed). Returns 1
 * when it is complete, 0 when more is to come, -1 when it is malformed or
 * cut short.
 */
static int
parse_response(struct conn *c, bool eof)
{
	struct response *r = &c->r;

	if (r->hdr_len == 0) {
		size_t i = r->scanned;

		for (; i + 3 < c->in_len; i++)
			if (memcmp(c->in + i, "\r\n\r\n", 4) == 0)
				break;
		if (i + 3 >= c->in_len) {
			r->scanned = i;
			return eof ? -1 : 0;
		}
		r->hdr_len = i + 4;
		if (parse_head(r, c->in) == -1)
			return -1;
	}
	if (r->chunked) {
		int rc = parse_chunks(r, c->in, c->in_len);

		return rc == 0 && eof ? -1 : rc;
	}
	if (r->until_eof)
		return eof ? 1 : 0;
	if (c->in_len - r->hdr_len >= r->length)
		return 1;
	return eof ? -1 : 0;
}

/* The body of c's complete response: its start and length. */
static const char *
response_body(const struct conn *c, size_t *len)
{
	const struct response *r = &c->r;

	if (r->chunked)
		*len = r->body_end - r->hdr_len;
	else if (r->until_eof)
		*len = c->in_len - r->hdr_len;
	else
		*len = r->length;
	return c->in + r->hdr_len;
}

/* As bench.lua did: the first "revision":N of the body, if any, becomes the
 * revision of the next autosave. */
static void
take_revision(struct conn *c)
{
	static const char key[] = "\"revision\":";
	size_t len, k = sizeof(key) - 1;
	const char *body = response_body(c, &len);

	for (size_t i = 0; i + k < len; i++) {
		long v = 0;
		size_t j = i + k;

		if (memcmp(body + i, key, k) != 0)
			continue;
		if (body[j] < '0' || body[j] > '9')
			return;
		for (; j < len && body[j] >= '0' && body[j] <= '9'; j++) {
			v = v * 10 + (body[j] - '0');
			if (v > INT32_MAX)
				return;
		}
		c->revision = (int)v;
		return;
	}
}

/* ---- Connections ---- */

/* Registers interest in events for c's socket (nothing when already so).
 * 0 or -1. */
static int
conn_watch(struct worker *w, struct conn *c, uint32_t events)
{
	struct epoll_event ev;

	if (c->events == events)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = c;
	if (epoll_ctl(w->ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd,
	        &ev) == -1)
		return -1;
	c->events = events;
	return 0;
}

/* Closes c's socket, if open (which also takes it out of the epoll set). */
static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		(void)close(c->fd);
	c->fd = -1;
	c->events = 0;
	c->in_len = 0;
}

/* A socket error: counted; a new connection after RETRY_NS. A submit
 * moves on to its next draft (the failed one may have been stored). */
static void
conn_fail(struct worker *w, struct conn *c)
{
	w->errors++;
	conn_close(c);
	if (w->cfg->mode == MODE_SUBMIT)
		c->sent++;
	c->state = C_WAITING;
	c->retry_ns = now_ns() + RETRY_NS;
	w->waiting++;
}

/* Sends what is left of c's request; then waits for the answer. */
static void
conn_flush(struct worker *w, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
		    c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n >= 0) {
			c->out_off += (size_t)n;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (conn_watch(w, c, EPOLLOUT) == -1)
				conn_fail(w, c);
			return;
		} else if (errno != EINTR) {
			conn_fail(w, c);
			return;
		}
	}
	c->state = C_READING;
	if (conn_watch(w, c, EPOLLIN) == -1)
		conn_fail(w, c);
}

/* Opens a non-blocking connection for c. 0, or -1 after conn_fail. */
static int
conn_open(struct worker *w, struct conn *c)
{
	int one = 1;

	c->fd = socket(w->cfg->addr.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		conn_fail(w, c);
		return -1;
	}
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ==
	    -1) {
		conn_fail(w, c);
		return -1;
	}
	if (connect(c->fd, (const struct sockaddr *)&w->cfg->addr,
	        w->cfg->addrlen) == 0) {
		c->state = C_WRITING;
		return 0;
	}
	if (errno != EINPROGRESS) {
		conn_fail(w, c);
		return -1;
	}
	c->state = C_CONNECTING;
	if (conn_watch(w, c, EPOLLOUT) == -1) {
		conn_fail(w, c);
		return -1;
	}
	return 0;
}

/* Starts c's next request once connected: the clock runs from here. */
static void
conn_send(struct worker *w, struct conn *c)
{
	const char *token = next_token(w->cfg, c);

	if (token == NULL) {
		/* Submit, its drafts all sent. */
		conn_close(c);
		c->state = C_DONE;
		w->active--;
		return;
	}
	if (format_request(w->cfg, c, token) == -1) {
		fprintf(stderr, "wload: request too long\n");
		conn_fail(w, c);
		return;
	}
	memset(&c->r, 0, sizeof(c->r));
	c->in_len = 0;
	c->state = C_WRITING;
	c->start_ns = now_ns();
	conn_flush(w, c);
}

/* Goes on with c: a new connection when it has none, then its next
 * request, or done when a submit has no draft left. */
static void
conn_next(struct worker *w, struct conn *c)
{
	if (next_token(w->cfg, c) == NULL) {
		conn_close(c);
		c->state = C_DONE;
		w->active--;
		return;
	}
	if (c->fd == -1) {
		if (conn_open(w, c) == -1 || c->state == C_CONNECTING)
			return;
	}
	conn_send(w, c);
}

/* A complete response: counted, then the next request. */
static void
conn_complete(struct worker *w, struct conn *c)
{
	uint64_t t = now_ns();

	if (t <= w->cfg->deadline_ns) {
		w->completed++;
		w->hist[bucket_of(t - c->start_ns)]++;
		if (c->r.status < 200 || c->r.status > 399)
			w->non2xx++;
	}
	if (w->cfg->mode == MODE_PUT)
		take_revision(c);
	else
		c->sent++;
	if (c->r.close)
		conn_close(c);
	c->in_len = 0;
	if (t < w->cfg->deadline_ns)
		conn_next(w, c);
}

/* Makes room for at least one more byte of response in c. 0 or -1. */
static int
conn_grow(struct conn *c)
{
	size_t cap;
	char *p;

	if (c->in_len < c->in_cap)
		return 0;
	if (c->in_cap >= MAX_RESPONSE)
		return -1;
	cap = c->in_cap ? c->in_cap * 2 : 4096;
	if ((p = realloc(c->in, cap)) == NULL)
		return -1;
	c->in = p;
	c->in_cap = cap;
	return 0;
}

/* Reads what the server sent; completes the response when all came. */
static void
conn_read(struct worker *w, struct conn *c)
{
	for (;;) {
		ssize_t n;
		int rc;

		if (conn_grow(c) == -1) {
			conn_fail(w, c);
			return;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_fail(w, c);
			return;
		}
		c->in_len += (size_t)n;
		rc = parse_response(c, n == 0);
		if (rc == -1) {
			conn_fail(w, c);
			return;
		}
		if (rc == 1) {
			conn_complete(w, c);
			return;
		}
	}
}

/* An epoll event for c. On EPOLLERR or EPOLLHUP the next system call
 * tells what happened. */
static void
conn_event(struct worker *w, struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	switch (c->state) {
	case C_CONNECTING:
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0) {
			conn_fail(w, c);
			return;
		}
		conn_send(w, c);
		break;
	case C_WRITING: conn_flush(w, c); break;
	case C_READING: conn_read(w, c); break;
	case C_WAITING:
	case C_DONE: break;
	}
}

/* Starts again the connections whose wait after an error is over. */
static void
retry_due(struct worker *w, uint64_t now)
{
	for (size_t i = 0; i < w->nconns && w->waiting > 0; i++) {
		struct conn *c = &w->conns[i];

		if (c->state == C_WAITING && c->retry_ns <= now) {
			w->waiting--;
			conn_next(w, c);
		}
	}
}

/* Milliseconds epoll may wait: until the deadline or the next retry. */
static int
wait_ms(const struct worker *w, uint64_t now)
{
	uint64_t until = w->cfg->deadline_ns;

	for (size_t i = 0; i < w->nconns && w->waiting > 0; i++)
		if (w->conns[i].state == C_WAITING &&
		    w->conns[i].retry_ns < until)
			until = w->conns[i].retry_ns;
	if (until <= now)
		return 0;
	return (int)((until - now + 999999) / 1000000);
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[64];

	for (size_t i = 0; i < w->nconns; i++)
		conn_next(w, &w->conns[i]);
	while (w->active > 0) {
		uint64_t now = now_ns();
		int n;

		if (now >= w->cfg->deadline_ns)
			break;
		n = epoll_wait(w->ep, evs, 64, wait_ms(w, now));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("wload: epoll_wait");
			break;
		}
		for (int i = 0; i < n; i++)
			conn_event(w, evs[i].data.ptr);
		if (w->waiting > 0)
			retry_due(w, now_ns());
	}
	w->end_ns = now_ns();
	for (size_t i = 0; i < w->nconns; i++)
		conn_close(&w->conns[i]);
	return NULL;
}

/* ---- Run ---- */

/* Sets up worker t's share of the connections. 0 or -1. */
static int
worker_init(struct worker *w, const struct config *cfg, size_t t)
{
	size_t first = cfg->connections * t / cfg->threads;
	size_t last = cfg->connections * (t + 1) / cfg->threads;
	size_t out_cap =
	    strlen(cfg->path) + strlen(cfg->host) + cfg->maxtoken + 512;

	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->ep = -1;
	w->nconns = last - first;
	w->active = w->nconns;
	w->conns = calloc(w->nconns, sizeof(*w->conns));
	if (w->conns == NULL)
		return -1;
	for (size_t i = 0; i < w->nconns; i++)
		w->conns[i].fd = -1;
	for (size_t i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];

		c->index = first + i;
		c->out_cap = out_cap;
		if ((c->out = malloc(out_cap)) == NULL)
			return -1;
	}
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	return w->ep == -1 ? -1 : 0;
}

static void
worker_free(struct worker *w)
{
	for (size_t i = 0; w->conns && i < w->nconns; i++) {
		conn_close(&w->conns[i]);
		free(w->conns[i].out);
		free(w->conns[i].in);
	}
	free(w->conns);
	if (w->ep >= 0)
		(void)close(w->ep);
}

/* Sums the workers' counts and prints them as wrk does. */
static void
report(const struct config *cfg, struct worker *ws, uint64_t seconds)
{
	static uint64_t hist[NBUCKETS];
	uint64_t completed = 0, non2xx = 0, errors = 0, end = cfg->start_ns;
	static const unsigned pcts[] = {50, 75, 90, 99};
	double elapsed;

	for (size_t t = 0; t < cfg->threads; t++) {
		completed += ws[t].completed;
		non2xx += ws[t].non2xx;
		errors += ws[t].errors;
		if (ws[t].end_ns > end)
			end = ws[t].end_ns;
		for (size_t i = 0; i < NBUCKETS; i++)
			hist[i] += ws[t].hist[i];
	}
	if (end > cfg->deadline_ns)
		end = cfg->deadline_ns;
	elapsed = (double)(end - cfg->start_ns) / 1e9;

	printf("Running %llus test @ http://%s%s\n",
	    (unsigned long long)seconds, cfg->host, cfg->path);
	printf("  %zu threads and %zu connections\n", cfg->threads,
	    cfg->connections);
	printf("  Latency Distribution\n");
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		char s[32];

		format_latency(
		    s, sizeof(s), percentile(hist, completed, pcts[i]));
		printf("  %2u%%   %s\n", pcts[i], completed ? s : "?");
	}
	printf("  %llu requests in %.2fs\n", (unsigned long long)completed,
	    elapsed);
	if (non2xx > 0)
		printf("  Non-2xx or 3xx responses: %llu\n",
		    (unsigned long long)non2xx);
	if (errors > 0)
		printf("  errors: %llu\n", (unsigned long long)errors);
	printf("Requests/sec: %10.2f\n",
	    elapsed > 0 ? (double)completed / elapsed : 0.0);
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct worker *ws;
	uint64_t seconds;
	size_t started = 0;
	int rc = 0;

	memset(&cfg, 0, sizeof(cfg));
	if (parse_args(&cfg, argc, argv, &seconds) == -1) {
		free_config(&cfg);
		return 2;
	}
	if ((ws = calloc(cfg.threads, sizeof(*ws))) == NULL) {
		perror("wload");
		free_config(&cfg);
		return 1;
	}
	for (size_t t = 0; t < cfg.threads; t++) {
		if (worker_init(&ws[t], &cfg, t) == -1) {
			perror("wload: setting up");
			rc = 1;
		}
	}
	cfg.start_ns = now_ns();
	cfg.deadline_ns = cfg.start_ns + seconds * 1000000000ull;
	for (size_t t = 0; rc == 0 && t < cfg.threads; t++) {
		int e = pthread_create(&ws[t].tid, NULL, worker_run, &ws[t]);

		if (e != 0) {
			fprintf(
			    stderr, "wload: pthread_create: %s\n", strerror(e));
			rc = 1;
			/* The threads started end at the deadline. */
			break;
		}
		started++;
	}
	for (size_t t = 0; t < started; t++) {
		int e = pthread_join(ws[t].tid, NULL);

		if (e != 0) {
			fprintf(
			    stderr, "wload: pthread_join: %s\n", strerror(e));
			rc = 1;
		}
	}
	if (rc == 0)
		report(&cfg, ws, seconds);
	for (size_t t = 0; t < cfg.threads; t++)
		worker_free(&ws[t]);
	free(ws);
	free_config(&cfg);
	return rc;
}
