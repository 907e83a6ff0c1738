"""The foundation: health, routing errors, limits, headers, the process
model (workers replaced, database outages survived), migrations."""
import hashlib
import os
import signal
import subprocess
import time

from lib import (admin, expect_error, fcgi_master_pid, pid_children, psql,
                 request, wait_for, TEST_DIR)


def test_health_ok():
    r = request("GET", "/api/v1/health")
    assert r.status == 200, r
    j = r.json
    assert j["status"] == "ok" and j["db"] == "ok", j
    assert isinstance(j["version"], str) and j["version"]
    assert r.header("Content-Type") == "application/json; charset=utf-8"
    assert r.header("Cache-Control") == "no-store"


def test_every_answer_has_a_request_id_and_security_headers():
    for path in ("/api/v1/health", "/api/v1/nope", "/"):
        r = request("GET", path)
        if path.startswith("/api"):
            rid = r.header("X-Request-Id")
            assert rid and len(rid) >= 16, (path, r.headers)
        assert r.header("X-Content-Type-Options") == "nosniff", path
        csp = r.header("Content-Security-Policy")
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
        assert r.header("Server") == "nginx", r.header("Server")


def test_request_ids_differ():
    a = request("GET", "/api/v1/health").header("X-Request-Id")
    b = request("GET", "/api/v1/health").header("X-Request-Id")
    assert a != b


def test_unknown_route_is_404_json():
    for path in ("/api/v1/nope", "/api/v1/", "/api/v1/health/x", "/api/v2/health"):
        expect_error(request("GET", path), 404, "not_found")


def test_wrong_method_is_405_with_allow():
    for m in ("POST", "PUT", "DELETE", "PATCH"):
        r = request(m, "/api/v1/health", body={})
        expect_error(r, 405, "method_not_allowed")
        assert r.header("Allow") == "GET", r.headers


def test_head_is_answered_like_get_without_body():
    r = request("HEAD", "/api/v1/health")
    assert r.status == 200 and r.body == b""


def test_body_over_1_mib_is_413_json():
    r = request("POST", "/api/v1/health", raw=b"{" + b" " * (1024 * 1024) + b"}",
                headers={"Content-Type": "application/json"})
    expect_error(r, 413, "body_too_large")


def test_front_page_is_german_and_served():
    r = request("GET", "/")
    assert r.status == 200
    html = r.body.decode()
    assert '<html lang="de"' in html
    assert "Reifegrad" in html or "reifegrad" in html


def test_migrate_is_repeatable_and_recorded():
    r = admin("migrate")
    assert r.stdout.startswith("migrate: 0 applied"), r.stdout
    names = [row[0] for row in psql("SELECT name FROM schema_migration ORDER BY name")]
    files = sorted(f[:-4] for f in os.listdir("sql/migrations") if f.endswith(".sql"))
    assert names == files, (names, files)


def test_migrate_refuses_a_migration_changed_after_it_was_applied():
    """Each applied migration is recorded with the SHA-256 of its text; a
    text that differs from what the database applied stops migrate (exit
    1, naming it) before anything runs."""
    rows = psql("SELECT name, digest FROM schema_migration ORDER BY name")
    for name, digest in rows:
        text = open(os.path.join("sql/migrations", name + ".sql"), "rb").read()
        assert digest == hashlib.sha256(text).hexdigest(), name
    name, digest = rows[2]
    try:
        psql("UPDATE schema_migration SET digest = :'p2' WHERE name = :'p1'", name, "0" * 64)
        r = admin("migrate", check=False)
        assert r.returncode == 1, r
        assert name in r.stderr and "changed" in r.stderr, r.stderr
        assert r.stdout == "", r.stdout
        # Recorded before digests were kept: the next run records it.
        psql("UPDATE schema_migration SET digest = NULL WHERE name = :'p1'", name)
        assert admin("migrate").stdout.startswith("migrate: 0 applied")
    finally:
        psql("UPDATE schema_migration SET digest = :'p2' WHERE name = :'p1'", name, digest)
    assert psql("SELECT digest FROM schema_migration WHERE name = :'p1'", name) == [[digest]]


def test_admin_usage_errors_exit_2():
    r = admin("no-such-command", check=False)
    assert r.returncode == 2, r
    r = admin("migrate", "extra", check=False)
    assert r.returncode == 2, r


def test_application_role_owns_nothing():
    rows = psql("""SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                   WHERE r.rolname = 'reifegrad_app'""")
    assert rows == [["0"]], rows
    rows = psql("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname='reifegrad_app'")
    assert rows == [["f", "f", "f", "f"]], rows


def test_dead_worker_is_replaced_within_a_second():
    master = fcgi_master_pid()
    before = pid_children(master)
    assert len(before) >= 2, before
    os.kill(before[0], signal.SIGKILL)
    took = wait_for(lambda: len(pid_children(master)) == len(before)
                    and before[0] not in pid_children(master), timeout=3)
    assert took < 1.0, took
    for _ in range(20):
        assert request("GET", "/api/v1/health").status == 200


def test_database_outage_gives_503_then_recovers_without_restart():
    pgdata = os.path.join(TEST_DIR, "pg", "data")
    pgbin = sorted(d for d in os.listdir("/usr/lib/postgresql"))[-1]
    ctl = "/usr/lib/postgresql/%s/bin/pg_ctl" % pgbin
    as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    master = fcgi_master_pid()
    workers = pid_children(master)
    subprocess.run(as_pg + [ctl, "-D", pgdata, "-m", "immediate", "stop"], check=True,
                   capture_output=True)
    try:
        for _ in range(8):
            t0 = time.monotonic()
            r = request("GET", "/api/v1/health")
            took = time.monotonic() - t0
            assert r.status == 503, r
            assert r.json["db"] == "down", r.json
            assert r.header("Retry-After") == "2"
            assert took < 2.0, took
    finally:
        sock = os.path.join(TEST_DIR, "pg", "run")
        subprocess.run(as_pg + [ctl, "-D", pgdata, "-w", "-l",
                                os.path.join(TEST_DIR, "pg", "log", "postgresql.log"),
                                "-o", "-c listen_addresses='' -c unix_socket_directories='%s' -c fsync=off -c max_connections=200" % sock,
                                "start"], check=True, capture_output=True)
    # Every worker must find its way back; ask often enough to reach all.
    def all_ok():
        return all(request("GET", "/api/v1/health").status == 200 for _ in range(12))
    took = wait_for(all_ok, timeout=10, step=0.2)
    assert took < 10
    assert pid_children(master) == workers, "workers were restarted"
