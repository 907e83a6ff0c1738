/*
 * metrics.c: shared request counters (see metrics.h).
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "metrics.h"

/* The statuses counted one by one; others are counted as "other". */
static const int statuses[] = {200, 201, 204, 400, 401, 403, 404, 405, 409, 410,
    413, 415, 422, 429, 500, 503};
#define NSTATUS (sizeof(statuses) / sizeof(*statuses) + 1)

static const double bounds[METRICS_BUCKETS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0};

struct metrics_shm {
	uint64_t requests[METRICS_ROUTES_MAX + 1][NSTATUS];
	uint64_t bucket[METRICS_BUCKETS + 1];
	uint64_t sum_us;
	uint64_t count;
	uint64_t db_errors;
	uint64_t db_reconnects;
	uint64_t workers;
	uint64_t reads[2];  /* primary, standby */
	uint64_t cached[2]; /* made afresh, given from the cache */
	uint64_t batches;   /* calls of response_save_batch */
	uint64_t batch_items;
};

static struct metrics_shm *shm;

int
metrics_init(void)
{
	void *p = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	memset(p, 0, sizeof(*shm));
	shm = p;
	return 0;
}

static void
add(uint64_t *v, uint64_t n)
{
	__atomic_fetch_add(v, n, __ATOMIC_RELAXED);
}

void
metrics_request(int route, int status, double seconds)
{
	size_t s, b, r;

	if (shm == NULL)
		return;
	r = route < 0 || route >= METRICS_ROUTES_MAX ? METRICS_ROUTES_MAX
	                                             : (size_t)route;
	for (s = 0; s < NSTATUS - 1 && statuses[s] != status; s++)
		;
	add(&shm->requests[r][s], 1);
	for (b = 0; b < METRICS_BUCKETS && seconds > bounds[b]; b++)
		;
	add(&shm->bucket[b], 1);
	add(&shm->sum_us, (uint64_t)(seconds * 1e6));
	add(&shm->count, 1);
}

void
metrics_db(unsigned long errors, unsigned long reconnects)
{
	if (shm == NULL)
		return;
	add(&shm->db_errors, errors);
	add(&shm->db_reconnects, reconnects);
}

void
metrics_read(int standby)
{
	if (shm != NULL)
		add(&shm->reads[standby ? 1 : 0], 1);
}

void
metrics_cached(int hit)
{
	if (shm != NULL)
		add(&shm->cached[hit ? 1 : 0], 1);
}

void
metrics_batch(size_t items)
{
	if (shm != NULL) {
		add(&shm->batches, 1);
		add(&shm->batch_items, items);
	}
}

void
metrics_workers(int alive)
{
	if (shm != NULL)
		__atomic_store_n(
		    &shm->workers, (uint64_t)alive, __ATOMIC_RELAXED);
}

static uint64_t
get(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

int
metrics_render(struct buf *out, const char *const *names, size_t n)
{
	uint64_t cum = 0;
	size_t r, s, b;
	int err = 0;

	if (shm == NULL)
		return buf_puts(out, "# reifegrad metrics are not available\n");
	err |= buf_puts(out, "# HELP reifegrad_requests_total Requests "
	                     "answered, by route and status.\n"
	                     "# TYPE reifegrad_requests_total counter\n");
	for (r = 0; r <= METRICS_ROUTES_MAX; r++) {
		const char *name = r < n                     ? names[r]
		                   : r == METRICS_ROUTES_MAX ? "unmatched"
		                                             : NULL;

		if (name == NULL)
			continue;
		for (s = 0; s < NSTATUS; s++) {
			uint64_t v = get(&shm->requests[r][s]);
			char st[8];

			if (v == 0)
				continue;
			if (s < NSTATUS - 1)
				snprintf(st, sizeof(st), "%d", statuses[s]);
			else
				snprintf(st, sizeof(st), "other");
			err |= buf_printf(out,
			    "reifegrad_requests_total{route=\"%s\","
			    "status=\"%s\"} %llu\n",
			    name, st, (unsigned long long)v);
		}
	}
	err |= buf_puts(out, "# HELP reifegrad_request_duration_seconds Time "
	                     "from reading a request to its last byte.\n"
	                     "# TYPE reifegrad_request_duration_seconds "
	                     "histogram\n");
	for (b = 0; b < METRICS_BUCKETS; b++) {
		cum += get(&shm->bucket[b]);
		err |= buf_printf(out,
		    "reifegrad_request_duration_seconds_bucket{le=\"%g\"} "
		    "%llu\n",
		    bounds[b], (unsigned long long)cum);
	}
	cum += get(&shm->bucket[METRICS_BUCKETS]);
	err |= buf_printf(out,
	    "reifegrad_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "reifegrad_request_duration_seconds_sum %.6f\n"
	    "reifegrad_request_duration_seconds_count %llu\n",
	    (unsigned long long)cum, (double)get(&shm->sum_us) / 1e6,
	    (unsigned long long)get(&shm->count));
	err |= buf_printf(out,
	    "# HELP reifegrad_db_errors_total Failed database statements.\n"
	    "# TYPE reifegrad_db_errors_total counter\n"
	    "reifegrad_db_errors_total %llu\n"
	    "# HELP reifegrad_db_reconnects_total Database connections "
	    "made by workers (the first included).\n"
	    "# TYPE reifegrad_db_reconnects_total counter\n"
	    "reifegrad_db_reconnects_total %llu\n"
	    "# HELP reifegrad_workers_alive Workers the master keeps.\n"
	    "# TYPE reifegrad_workers_alive gauge\n"
	    "reifegrad_workers_alive %llu\n",
	    (unsigned long long)get(&shm->db_errors),
	    (unsigned long long)get(&shm->db_reconnects),
	    (unsigned long long)get(&shm->workers));
	err |= buf_printf(out,
	    "# HELP reifegrad_read_queries_total Requests of read-only routes "
	    "(benchmarks, overviews, trends, exports), by the server that "
	    "answered them.\n"
	    "# TYPE reifegrad_read_queries_total counter\n"
	    "reifegrad_read_queries_total{target=\"standby\"} %llu\n"
	    "reifegrad_read_queries_total{target=\"primary\"} %llu\n",
	    (unsigned long long)get(&shm->reads[1]),
	    (unsigned long long)get(&shm->reads[0]));
	err |= buf_printf(out,
	    "# HELP reifegrad_answer_cache_total Answers of cached routes "
	    "(benchmarks, responses): given again from a worker's cache after "
	    "the "
	    "versions they were made from proved unchanged, or made afresh.\n"
	    "# TYPE reifegrad_answer_cache_total counter\n"
	    "reifegrad_answer_cache_total{result=\"hit\"} %llu\n"
	    "reifegrad_answer_cache_total{result=\"miss\"} %llu\n",
	    (unsigned long long)get(&shm->cached[1]),
	    (unsigned long long)get(&shm->cached[0]));
	err |= buf_printf(out,
	    "# HELP reifegrad_committer_batches_total Transactions of the "
	    "committer, each saving one or more autosaves and submissions.\n"
	    "# TYPE reifegrad_committer_batches_total counter\n"
	    "reifegrad_committer_batches_total %llu\n"
	    "# HELP reifegrad_committer_items_total Autosaves and submissions "
	    "in those transactions (divided by the above: the mean batch).\n"
	    "# TYPE reifegrad_committer_items_total counter\n"
	    "reifegrad_committer_items_total %llu\n",
	    (unsigned long long)get(&shm->batches),
	    (unsigned long long)get(&shm->batch_items));
	return err ? -1 : 0;
}
