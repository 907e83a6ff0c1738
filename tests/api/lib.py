"""lib.py: what the API tests share: real HTTP to the test stack's nginx,
the database (as the owner, to look behind the API), and the admin tool.

Tests are plain functions named test_* in tests/api/test_*.py; run.py runs
them in file order and prints TAP. A test fails by raising (assert).
"""
import http.client
import json
import os
import subprocess
import time
import urllib.parse

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8080")
_u = urllib.parse.urlparse(BASE_URL)
HOST, PORT = _u.hostname, _u.port
ROOT = os.environ.get("REIFEGRAD_ROOT", os.getcwd())
TEST_DIR = os.environ.get("REIFEGRAD_TEST_DIR", "")
ADMIN = os.environ.get("REIFEGRAD_ADMIN", os.path.join(ROOT, "build/reifegrad-admin"))
SHARED_DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def headers_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


def request(method, path, body=None, headers=None, raw=None, timeout=30):
    """One HTTP request on a fresh connection. body is JSON-encoded unless
    raw (bytes) is given; headers is a dict."""
    h = {}
    data = None
    if raw is not None:
        data = raw
    elif body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if headers:
        h.update(headers)
    c = http.client.HTTPConnection(HOST, PORT, timeout=timeout)
    try:
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        return Response(r.status, r.getheaders(), r.read())
    finally:
        c.close()


def expect_error(r, status, code):
    """Asserts the error envelope of API.md with the given status and code."""
    assert r.status == status, "expected %d, got %r" % (status, r)
    ct = r.header("Content-Type") or ""
    assert ct.startswith("application/json"), ct
    e = r.json["error"]
    assert e["code"] == code, "expected code %s, got %r" % (code, r)
    assert isinstance(e["message"], str) and e["message"]
    assert isinstance(e["details"], list)
    return e


def psql(sql, *params, user="postgres"):
    """Runs SQL as the given role on the test database and returns rows as
    lists of strings. Parameters are bound with psql variables."""
    args = ["psql", "-X", "-q", "-tA", "-F", "\t", "-v", "ON_ERROR_STOP=1",
            "-U", user, "-d", os.environ.get("PGDATABASE", "reifegrad")]
    for i, p in enumerate(params):
        args += ["-v", "p%d=%s" % (i + 1, p)]
    r = subprocess.run(args, input=sql, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("psql failed: " + r.stderr)
    return [line.split("\t") for line in r.stdout.splitlines() if line != ""]


def admin(*args, stdin=None, check=True):
    """Runs reifegrad-admin as the owner role; returns CompletedProcess."""
    env = dict(os.environ)
    env["PGUSER"] = "reifegrad_owner"
    r = subprocess.run([ADMIN] + list(args), input=stdin, capture_output=True,
                       text=True, env=env)
    if check and r.returncode != 0:
        raise AssertionError("reifegrad-admin %s: %d %s" % (" ".join(args), r.returncode, r.stderr))
    return r


def wait_for(pred, timeout=10.0, step=0.05):
    """Polls pred until it is true or timeout seconds passed; returns the
    time it took, or raises."""
    t0 = time.monotonic()
    while True:
        if pred():
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise AssertionError("condition not met within %.1f s" % timeout)
        time.sleep(step)


def pid_children(pid):
    """The pids of a master's workers (not those of the write pool): its
    children but the snapshotter, the committer and the write pool's
    workers (by name, which they set themselves; under valgrind the
    workers' name is valgrind's)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    helpers = subprocess.run(["pgrep", "-P", str(pid), "-x",
                              "rg-snapshotter|rg-committer|rg-writer"],
                             capture_output=True, text=True).stdout.split()
    return [int(x) for x in out.split() if x not in helpers]


def writer_pids(master):
    """The pids of a master's write pool (cgi/main.c)."""
    out = subprocess.run(["pgrep", "-P", str(master), "-x", "rg-writer"],
                         capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def snapshotter_pid(master):
    """The pid of a master's snapshotter, or None."""
    out = subprocess.run(["pgrep", "-P", str(master), "-x", "rg-snapshotter"],
                         capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def snapshots_settled(timeout=10):
    """Waits until the snapshotter has counted every submission into its
    peer groups (and renewed what was due): nothing pending, committed."""
    wait_for(lambda: psql("SELECT count(*) FROM peer_pending")[0][0] == "0",
             timeout=timeout, step=0.02)


def fcgi_master_pid():
    with open(os.path.join(TEST_DIR, "run", "fcgi.pid")) as f:
        return int(f.read().strip())
