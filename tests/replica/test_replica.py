"""Read-only routes from a hot standby (issue #10), against the stack of
tests/replica/run: a primary (PGHOST), a streaming standby made with
pg_basebackup (STANDBY_HOST), and workers whose read connection
(REIFEGRAD_READ_DATABASE_URL) prefers the standby and names the primary
second.

Which server answered a read is told by the workers' metric
reifegrad_read_queries_total{target="standby|primary"}; the demo network's
open wave is the survey. The tests run in file order and build on each
other: the last ones stop and start the servers."""
import hashlib
import os
import random
import re
import subprocess
import time

from lib import ROOT, TEST_DIR, admin, psql, request, wait_for
from bench_helpers import random_answers
from survey_helpers import Session, load_default, make_user, staff

PRIMARY = os.environ["PGHOST"]
STANDBY = os.environ["STANDBY_HOST"]
PGBIN = os.environ["PGBIN"]
WORKERS = int(os.environ.get("REIFEGRAD_WORKERS", "4"))
BENCH = "/api/v1/waves/%d/benchmark"


def as_pg(*args, check=True):
    """Runs a PostgreSQL program as the user postgres (as root: runuser)."""
    cmd = list(args)
    if os.getuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError("%s: %d %s" % (" ".join(args), r.returncode, r.stderr))
    return r


def sql(host, query, *params, db="reifegrad"):
    """Rows of query as the superuser on the server behind host (a socket
    folder); parameters are psql variables :'p1', ..."""
    args = ["psql", "-X", "-q", "-tA", "-F", "\t", "-v", "ON_ERROR_STOP=1",
            "-h", host, "-U", "postgres", "-d", db]
    for i, p in enumerate(params):
        args += ["-v", "p%d=%s" % (i + 1, p)]
    r = subprocess.run(args, input=query, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("psql on %s failed: %s" % (host, r.stderr))
    return [line.split("\t") for line in r.stdout.splitlines() if line != ""]


def sql_error(host, query):
    """The error psql reports for query on host (which must fail)."""
    r = subprocess.run(["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", host,
                        "-U", "postgres", "-d", "reifegrad"],
                       input=query, capture_output=True, text=True)
    assert r.returncode != 0, (query, r.stdout)
    return r.stderr


def wait_replayed(timeout=10.0):
    """Waits until the standby has replayed everything the primary wrote
    so far; returns the seconds it took."""
    lsn = sql(PRIMARY, "SELECT pg_current_wal_lsn()")[0][0]
    return wait_for(lambda: sql(STANDBY, "SELECT pg_last_wal_replay_lsn() >= :'p1'::pg_lsn",
                                lsn) == [["t"]], timeout=timeout, step=0.02)


def reads():
    """(standby, primary): read-only requests answered by each so far."""
    r = request("GET", "/api/v1/metrics")
    assert r.status == 200, r
    out = {}
    for target in ("standby", "primary"):
        m = re.search(r'^reifegrad_read_queries_total\{target="%s"\} (\d+)$' % target,
                      r.body.decode(), re.M)
        assert m, r.body[:2000]
        out[target] = int(m.group(1))
    return out["standby"], out["primary"]


def served_by(fn):
    """Calls fn (one read-only request) and returns (its result, "standby"
    or "primary"). Scrapes are not read-only requests, so the counters
    move by exactly one."""
    s0, p0 = reads()
    r = fn()
    s1, p1 = reads()
    assert (s1 - s0) + (p1 - p0) == 1, ((s0, p0), (s1, p1))
    return r, "standby" if s1 > s0 else "primary"


def token_hash(token):
    """The stored hash of a session token (libsodium's crypto_generichash:
    BLAKE2b, 32 bytes), as a bytea literal."""
    return "\\x" + hashlib.blake2b(token.encode(), digest_size=32).hexdigest()


def stack_start():
    """deploy/stack start of the primary's folder: starts what is not
    running (here: PostgreSQL), outside the libpq environment of the
    tests, which would make it use an existing server."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PG") and k != "DATABASE_URL"}
    port = os.environ["BASE_URL"].rsplit(":", 1)[1]
    r = subprocess.run([os.path.join(ROOT, "deploy", "stack"), "start", TEST_DIR, port],
                       env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def pg_ctl(data, action, opts=None, log=None):
    args = [os.path.join(PGBIN, "pg_ctl"), "-D", data, "-w", "-t", "60"]
    if action == "stop":
        args += ["-m", "fast"]
    if log:
        args += ["-l", log]
    if opts:
        args += ["-o", opts]
    as_pg(*(args + [action]))


def standby_stop():
    pg_ctl(os.environ["STANDBY_DATA"], "stop")


def standby_start():
    pg_ctl(os.environ["STANDBY_DATA"], "start", os.environ["STANDBY_OPTS"],
           os.environ["STANDBY_LOG"])


# ------------------------------------------------------------------ fixture

_f = {}


def fixture():
    """The demo network (60 municipalities, one open wave), two of its
    members that have not taken part yet with a respondent each (signed
    in), a coordinator and a researcher."""
    if _f:
        return _f
    load_default()
    admin("demo", "--municipalities", "60", "--waves", "1", "--seed", "10")
    wid = int(psql("SELECT id FROM wave WHERE title = 'Demo-Welle 2026'")[0][0])
    keys = psql("SELECT o.key FROM organisation o WHERE o.member AND NOT EXISTS"
                " (SELECT 1 FROM response r WHERE r.organisation_id = o.id"
                "  AND r.wave_id = :'p1') ORDER BY o.key LIMIT 2", wid)
    assert len(keys) == 2, keys
    _f.update(wave=wid, a=Session(make_user("respondent", keys[0][0])),
              b=Session(make_user("respondent", keys[1][0])),
              coordinator=staff("coordinator"), researcher=staff("researcher"),
              rng=random.Random(10))
    return _f


def submit(s, wid, rng):
    """Saves complete answers and submits them, on the primary (writes
    never go to the read connection); returns the scores."""
    r = s.get("/api/v1/waves/%d/response" % wid)
    assert r.status == 200, r
    r = s.put("/api/v1/waves/%d/response" % wid,
              {"revision": r.json["revision"], "answers": random_answers(rng)})
    assert r.status == 200, r
    r = s.post("/api/v1/waves/%d/response/submit" % wid, {"revision": r.json["revision"]})
    assert r.status == 200, r
    return r.json["scores"]


# -------------------------------------------------------------------- tests

def test_the_standby_streams_from_the_primary():
    rows = sql(PRIMARY, "SELECT usename, state FROM pg_stat_replication")
    assert rows == [["reifegrad_replication", "streaming"]], rows
    assert sql(STANDBY, "SELECT pg_is_in_recovery()") == [["t"]]
    assert "read-only transaction" in sql_error(STANDBY, "CREATE TABLE nope (x int)")


def test_every_worker_holds_its_read_connection_on_the_standby():
    def count():
        return int(sql(STANDBY, "SELECT count(*) FROM pg_stat_activity"
                                " WHERE application_name = 'reifegrad-read'"
                                " AND usename = 'reifegrad_app'")[0][0])
    wait_for(lambda: count() == WORKERS, timeout=10)
    # ... and the primary has none: reads cost it no connections.
    assert sql(PRIMARY, "SELECT count(*) FROM pg_stat_activity"
                        " WHERE application_name = 'reifegrad-read'") == [["0"]]


def test_benchmark_from_the_standby_once_it_has_replayed_the_submission():
    f = fixture()
    scores = submit(f["a"], f["wave"], f["rng"])
    took = wait_replayed()
    print("# the standby replayed the submission within %.3f s" % took)
    r, where = served_by(lambda: f["a"].get(BENCH % f["wave"]))
    assert r.status == 200, r
    assert where == "standby"
    b = r.json
    assert b["scores"]["overall"] == scores["overall"], (b["scores"], scores)
    assert b["peers"]["n"] is not None and b["peers"]["n"] >= 5, b["peers"]
    assert isinstance(b["stats"]["overall"]["median"], (int, float)), b["stats"]
    assert isinstance(b["stats"]["overall"]["percentile_rank"], int), b["stats"]
    # Again, and the prefetching pipeline (session check + benchmark, no
    # BEGIN) keeps working on the standby.
    for _ in range(5):
        r, where = served_by(lambda: f["a"].get(BENCH % f["wave"]))
        assert r.status == 200 and where == "standby", (r, where)


def test_the_session_check_on_a_standby_never_writes_and_the_primary_touches():
    f = fixture()
    h = token_hash(f["a"].token)
    # A session last seen five minutes ago is due a touch, which the
    # standby cannot give: rg_session_begin() fails there.
    sql(PRIMARY, "UPDATE session SET last_seen_at = now() - interval '5 minutes'"
                 " WHERE token_hash = :'p1'::bytea", h)
    wait_replayed()
    err = sql_error(STANDBY, "SELECT * FROM rg_session_begin('%s'::bytea)" % h)
    assert "read-only transaction" in err, err
    rows = sql(STANDBY, "SELECT user_id, role, touch FROM rg_session_begin(:'p1'::bytea, false)", h)
    assert rows == [[str(f["a"].user["id"]), "respondent", "t"]], rows
    assert sql(STANDBY, "SELECT count(*) FROM rg_session_begin('\\xff'::bytea, false)"
                        " WHERE user_id IS NOT NULL") == [["0"]]
    # A read on the standby gives it its touch on the primary.
    r, where = served_by(lambda: f["a"].get(BENCH % f["wave"]))
    assert r.status == 200 and where == "standby", (r, where)
    age = float(sql(PRIMARY, "SELECT extract(epoch FROM now() - last_seen_at) FROM session"
                             " WHERE token_hash = :'p1'::bytea", h)[0][0])
    assert age < 30, age
    # An idle session is no session on the standby either.
    sql(PRIMARY, "UPDATE session SET last_seen_at = now() - interval '3 hours'"
                 " WHERE token_hash = :'p1'::bytea", h)
    wait_replayed()
    assert sql(STANDBY, "SELECT count(*) FROM rg_session_begin(:'p1'::bytea, false)"
                        " WHERE user_id IS NOT NULL", h) == [["0"]]
    r = f["a"].get(BENCH % f["wave"])
    assert r.status == 401, r
    sql(PRIMARY, "UPDATE session SET last_seen_at = now() WHERE token_hash = :'p1'::bytea", h)
    wait_replayed()


def test_a_lagging_standby_shows_no_error_the_primary_would_not():
    f = fixture()
    wid = f["wave"]
    f["b"].get("/api/v1/me")
    wait_replayed()
    sql(STANDBY, "SELECT pg_wal_replay_pause()")
    try:
        wait_for(lambda: sql(STANDBY, "SELECT pg_get_wal_replay_pause_state()") == [["paused"]])
        submit(f["b"], wid, f["rng"])
        # The standby has not seen the submission (it would say 409): the
        # primary answers.
        r, where = served_by(lambda: f["b"].get(BENCH % wid))
        assert r.status == 200 and where == "primary", (r, where)
        # A session the standby does not know yet (401 there).
        late = Session(f["b"].account)
        r, where = served_by(lambda: late.get(BENCH % wid))
        assert r.status == 200 and where == "primary", (r, where)
        # A read that succeeds on the standby is answered there, as of its
        # replay: the overview does not show B's submission yet.
        r, where = served_by(lambda: f["coordinator"].get("/api/v1/waves/%d/overview" % wid))
        assert r.status == 200 and where == "standby", (r, where)
        mine = [m for m in r.json["members"] if m["id"] == f["b"].user["organisation"]["id"]]
        assert len(mine) == 1 and mine[0]["status"] != "submitted", mine
        # An unknown wave: the primary has the last word (404 there too).
        r, where = served_by(lambda: f["a"].get(BENCH % 9007199254740991))
        assert r.status == 404 and where == "primary", (r, where)
    finally:
        sql(STANDBY, "SELECT pg_wal_replay_resume()")
    wait_replayed()
    r, where = served_by(lambda: f["coordinator"].get("/api/v1/waves/%d/overview" % wid))
    assert r.status == 200 and where == "standby", (r, where)
    mine = [m for m in r.json["members"] if m["id"] == f["b"].user["organisation"]["id"]]
    assert [m["status"] for m in mine] == ["submitted"], mine


def test_trend_overview_csv_and_exports_answer_with_reads_configured():
    f = fixture()
    wid = f["wave"]
    oid = f["a"].user["organisation"]["id"]
    r, where = served_by(lambda: f["a"].get("/api/v1/organisations/%d/trend" % oid))
    assert r.status == 200 and where == "standby", (r, where)
    assert [w["wave"] for w in r.json["waves"]] == [wid], r.json
    r, where = served_by(lambda: f["coordinator"].get("/api/v1/waves/%d/overview.csv" % wid))
    assert r.status == 200 and where == "standby", (r, where)
    # Exports write their audit entry (and the first one the export key),
    # which a standby refuses: the primary writes them (app_write) or,
    # where a handler does not use it, answers the export itself. Either
    # way one audit entry per export, on the primary.
    def audits():
        return int(psql("SELECT count(*) FROM audit_log WHERE action = 'export'")[0][0])
    for fmt in ("export.csv", "codebook.json"):
        n0 = audits()
        r, where = served_by(lambda: f["researcher"].get("/api/v1/waves/%d/%s" % (wid, fmt)))
        assert r.status == 200, r
        assert audits() == n0 + 1, (fmt, n0, audits())
        print("# %s answered by the %s" % (fmt, where))
    r = f["researcher"].get("/api/v1/waves/%d/export.csv" % wid)
    assert int(r.header("X-Export-Rows")) + int(r.header("X-Export-Suppressed")) >= 5, r.headers
    assert r.body.count(b"\r\n") == int(r.header("X-Export-Rows")) + 1
    # HEAD writes nothing: the standby answers it.
    r, where = served_by(lambda: f["researcher"].req("HEAD", "/api/v1/waves/%d/export.csv" % wid))
    assert r.status == 200 and where == "standby", (r, where)


def test_a_closed_wave_is_finalised_on_the_primary_then_read_from_the_standby():
    f = fixture()
    wid = f["wave"]
    r = f["coordinator"].patch("/api/v1/waves/%d" % wid, {"state": "closed"})
    assert r.status == 200 and r.json["state"] == "closed", r
    wait_replayed()
    # The standby finds the wave closed but not finalised: the primary
    # answers and writes the final snapshots.
    r, where = served_by(lambda: f["a"].get(BENCH % wid))
    assert r.status == 200 and where == "primary", (r, where)
    assert r.json["stats"]["final"] is True, r.json["stats"]
    wait_replayed()
    r, where = served_by(lambda: f["a"].get(BENCH % wid))
    assert r.status == 200 and where == "standby", (r, where)
    assert r.json["stats"]["final"] is True, r.json["stats"]


def test_reads_go_on_while_the_primary_is_down():
    f = fixture()
    wid = f["wave"]
    pg_ctl(os.path.join(TEST_DIR, "pg", "data"), "stop")
    try:
        for _ in range(WORKERS * 2):
            r, where = served_by(lambda: f["a"].get(BENCH % wid))
            assert r.status == 200 and where == "standby", (r, where)
        # Writes need the primary.
        r = f["a"].get("/api/v1/waves/%d/response" % wid)
        assert r.status == 503, r
    finally:
        stack_start()
    wait_for(lambda: sql(PRIMARY, "SELECT count(*) FROM pg_stat_replication"
                                  " WHERE state = 'streaming'") == [["1"]], timeout=20)
    wait_for(lambda: f["a"].get("/api/v1/me").status == 200, timeout=10)


def test_the_standby_down_costs_no_answer_and_is_used_again_when_back():
    f = fixture()
    wid = f["wave"]
    standby_stop()
    times = []
    try:
        s0, p0 = reads()
        for _ in range(WORKERS * 5):
            t0 = time.monotonic()
            r = f["a"].get(BENCH % wid)
            times.append(time.monotonic() - t0)
            assert r.status == 200, r
        s1, p1 = reads()
        assert (s1, p1) == (s0, p0 + WORKERS * 5), ((s0, p0), (s1, p1))
        print("# standby down: %d benchmarks, all 200 from the primary; slowest %.1f ms,"
              " median %.1f ms" % (len(times), 1e3 * max(times),
                                   1e3 * sorted(times)[len(times) // 2]))
        # The read connections found the primary (second host of the
        # connection string) between requests.
        wait_for(lambda: int(sql(PRIMARY, "SELECT count(*) FROM pg_stat_activity"
                                          " WHERE application_name = 'reifegrad-read'")[0][0]) >= 1,
                 timeout=5)
    finally:
        standby_start()
    # Back: the read connections look for a standby again after
    # DB_READ_RETRY_MIN seconds (between requests).
    t0 = time.monotonic()
    s0, _ = reads()

    def back():
        r = f["a"].get(BENCH % wid)
        assert r.status == 200, r
        return reads()[0] > s0
    wait_for(back, timeout=30, step=0.1)
    print("# the standby answered again %.1f s after it was back" % (time.monotonic() - t0))
