"""GET /api/v1/metrics: Prometheus text with counters shared by all workers."""
import os
import re
import signal

from lib import (admin, fcgi_master_pid, request, snapshots_settled, snapshotter_pid,
                 wait_for)


def metric(text, name, labels=""):
    """The value of one sample, or None."""
    pat = re.escape(name) + (r"\{" + re.escape(labels) + r"\}" if labels else "") + r" ([0-9.e+]+)$"
    for line in text.splitlines():
        m = re.match(pat, line)
        if m:
            return float(m.group(1))
    return None


def scrape():
    r = request("GET", "/api/v1/metrics")
    assert r.status == 200, r
    assert r.header("Content-Type").startswith("text/plain"), r.headers
    return r.body.decode()


def test_requests_are_counted_across_workers_by_route_and_status():
    before = scrape()
    ok0 = metric(before, "reifegrad_requests_total", 'route="health",status="200"') or 0
    nf0 = metric(before, "reifegrad_requests_total", 'route="unmatched",status="404"') or 0
    n0 = metric(before, "reifegrad_request_duration_seconds_count")
    # Twenty requests on fresh connections reach several workers.
    for _ in range(20):
        assert request("GET", "/api/v1/health").status == 200
    for _ in range(3):
        assert request("GET", "/api/v1/no-such-thing").status == 404
    after = scrape()
    assert metric(after, "reifegrad_requests_total", 'route="health",status="200"') == ok0 + 20
    assert metric(after, "reifegrad_requests_total", 'route="unmatched",status="404"') == nf0 + 3
    # The histogram counts every answered request, the scrape before included.
    assert metric(after, "reifegrad_request_duration_seconds_count") >= n0 + 23
    inf = metric(after, "reifegrad_request_duration_seconds_bucket", 'le="+Inf"')
    assert inf == metric(after, "reifegrad_request_duration_seconds_count")


def test_histogram_buckets_are_cumulative():
    text = scrape()
    values = [float(v) for v in re.findall(r'^reifegrad_request_duration_seconds_bucket\{le="[^"]+"\} ([0-9.]+)$', text, re.M)]
    assert len(values) == 13, values
    assert values == sorted(values), values


def test_workers_and_database_are_reported():
    text = scrape()
    assert metric(text, "reifegrad_workers_alive") >= 2
    assert metric(text, "reifegrad_db_up") == 1
    assert metric(text, "reifegrad_db_reconnects_total") >= 1
    assert metric(text, "reifegrad_db_errors_total") is not None


def test_submissions_per_wave_come_from_the_database():
    from lib import psql
    rows = psql("SELECT set_config('rg.role','admin',false); "
                "SELECT wave_id, count(*) FROM response WHERE state = 'submitted' GROUP BY 1")
    text = scrape()
    for wave, n in rows[1:] if rows and rows[0] == ["admin"] else rows:
        assert metric(text, "reifegrad_submissions", 'wave="%s"' % wave) == float(n), (wave, n)


def test_the_snapshotters_queue_is_reported():
    """reifegrad_snapshot_pending: 0 while the snapshotter keeps up; a
    submission made while it is stopped waits there until it runs."""
    from survey_helpers import items_of, default_definition, load_default, make_wave, municipality
    snapshots_settled()
    assert metric(scrape(), "reifegrad_snapshot_pending") == 0
    load_default()
    wid = make_wave(state="open")
    _, _, (s,) = municipality(1)
    answers = {it: {"level": 2} for it in items_of(default_definition())}
    r = s.put("/api/v1/waves/%d/response" % wid, {"revision": 0, "answers": answers})
    assert r.status == 200, r
    snap = snapshotter_pid(fcgi_master_pid())
    os.kill(snap, signal.SIGSTOP)
    try:
        r = s.post("/api/v1/waves/%d/response/submit" % wid, {"revision": r.json["revision"]})
        assert r.status == 200, r
        assert metric(scrape(), "reifegrad_snapshot_pending") == 1
    finally:
        os.kill(snap, signal.SIGCONT)
    wait_for(lambda: metric(scrape(), "reifegrad_snapshot_pending") == 0, timeout=5)


def test_metrics_is_get_only():
    r = request("POST", "/api/v1/metrics", body={})
    assert r.status == 405 and r.header("Allow") == "GET"
