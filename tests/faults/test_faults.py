"""Faults (issue #9): what the stack does when a part of it fails.

- Slow clients: bodies that come slowly or never tie up no worker, since
  nginx buffers a request body whole before a worker sees it.
- A worker killed with -9: the master replaces it within a second; of the
  other requests none fails (only the one the killed worker was answering
  may, as nginx's 503).
- SIGTERM to the master: requests in flight are answered completely, then
  the master exits 0. A master of its own, spoken to over FastCGI directly.
- PostgreSQL killed with -9 in the middle of 40 concurrent submissions:
  every submission answered 2xx is stored exactly once after the restart;
  requests during the outage get 503 with Retry-After at once, never a 2xx,
  never a hang; health says "db":"down"; the same workers serve again
  within 10 s of the database's return.

The tests run against the stack of tests/run (tests/api/lib.py), after the
API suite, and leave it as they found it: the database running, a full set
of workers. The PostgreSQL test comes last since it is the most invasive.
"""
import json
import os
import random
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))

from lib import (HOST, PORT, ROOT, TEST_DIR, fcgi_master_pid, pid_children, psql,  # noqa: E402
                 request, wait_for, writer_pids)
from survey_helpers import (default_definition, expected_scores, assert_scores_close,  # noqa: E402
                            items_of, load_default, make_wave, municipality, response_row)

HEALTH = "/api/v1/health"
# How long a request during an outage may take at most (issue #9).
OUTAGE_ANSWER_SECONDS = 2.0
# A client's patience: anything slower counts as a hang.
CLIENT_TIMEOUT = 10.0


def timed(method, path, **kw):
    """request() that returns (Response or the exception, seconds)."""
    kw.setdefault("timeout", CLIENT_TIMEOUT)
    t0 = time.monotonic()
    try:
        r = request(method, path, **kw)
    except Exception as e:  # a timeout or a reset is a result here
        r = e
    return r, time.monotonic() - t0


def bearer(session):
    return {"Authorization": "Bearer " + session.token}


def is_unavailable(r):
    """The 503 of API.md: Retry-After and the error envelope."""
    if not hasattr(r, "status") or r.status != 503:
        return False
    ra = r.header("Retry-After") or ""
    if not ra.isdigit() or int(ra) < 1:
        return False
    try:
        j = r.json
    except ValueError:
        return False
    return j.get("db") == "down" or j.get("error", {}).get("code") == "unavailable"


# ------------------------------------------------------------ slow clients

def test_slow_clients_do_not_tie_up_workers():
    conf = open(os.path.join(TEST_DIR, "nginx", "nginx.conf")).read()
    for name in ("client_body_timeout", "client_header_timeout"):
        m = re.search(r"^\s*%s\s+(\d+)s;" % name, conf, re.M)
        assert m and 1 <= int(m.group(1)) <= 60, "%s missing or over 60 s" % name
    workers = len(pid_children(fcgi_master_pid()))
    head = ("POST /api/v1/login HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
            "Content-Length: 1000\r\n\r\n" % (HOST, PORT)).encode()
    silent, trickling, headless = [], [], []
    stop = threading.Event()
    t = None
    try:
        # Many more hanging clients than workers: if nginx passed them on
        # unbuffered, each would hold a worker reading its body.
        for i in range(20):
            c = socket.create_connection((HOST, PORT), timeout=5)
            c.sendall(head + (b'{"email":' if i % 2 else b""))
            (trickling if i % 2 else silent).append(c)
        for _ in range(5):
            c = socket.create_connection((HOST, PORT), timeout=5)
            c.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\n")
            headless.append(c)
        assert len(silent) + len(trickling) > 2 * workers

        def trickle():
            while not stop.wait(0.2):
                for c in trickling:
                    c.sendall(b" ")
        t = threading.Thread(target=trickle, daemon=True)
        t.start()
        time.sleep(0.5)

        # Meanwhile the workers answer everyone else at once.
        for _ in range(10):
            r, took = timed("GET", HEALTH, timeout=5)
            assert getattr(r, "status", None) == 200, r
            assert took < 1.0, took
        with ThreadPoolExecutor(2 * workers) as ex:
            for r, took in ex.map(lambda _: timed("GET", HEALTH, timeout=5), range(4 * workers)):
                assert getattr(r, "status", None) == 200, r
                assert took < 1.0, took
        # A complete POST passes too (405: health takes GET only).
        r, took = timed("POST", HEALTH, body={}, timeout=5)
        assert getattr(r, "status", None) == 405, r
        assert took < 1.0, took

        # The slow clients are still waiting, unanswered: nginx holds them.
        for c in silent + trickling + headless:
            c.settimeout(0)
            try:
                data = c.recv(1)
            except BlockingIOError:
                continue
            raise AssertionError("a slow client was answered already: %r" % data)
    finally:
        stop.set()
        if t is not None:
            t.join()
        for c in silent + trickling + headless:
            c.close()


# ------------------------------------------------------------ worker killed

def test_killed_worker_is_replaced_and_other_requests_unaffected():
    _, _, (s,) = municipality(1)
    master = fcgi_master_pid()
    before = sorted(pid_children(master))
    assert len(before) >= 2, before
    stop = threading.Event()
    results = []

    def load(i):
        while not stop.is_set():
            if i % 2:
                r, _ = timed("GET", HEALTH, timeout=5)
            else:
                r, _ = timed("GET", "/api/v1/me", headers=bearer(s), timeout=5)
            results.append(getattr(r, "status", r))

    threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        for victim in before[:2]:
            n0 = len(results)
            os.kill(victim, signal.SIGKILL)
            took = wait_for(lambda: victim not in pid_children(master)
                            and len(pid_children(master)) == len(before), timeout=3, step=0.01)
            assert took < 1.0, "worker %d replaced after %.2f s" % (victim, took)
            time.sleep(0.5)
            assert len(results) > n0 + 10, "the load stalled after a kill"
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    after = sorted(pid_children(master))
    assert len(after) == len(before) and not set(before[:2]) & set(after), (before, after)
    failed = [st for st in results if st != 200]
    # Only a request in flight on a killed worker may fail, and then as
    # nginx's 503 (its 502 is mapped to the 503 envelope), never a hang.
    assert len(failed) <= 2, "%d of %d requests failed: %r" % (len(failed), len(results), failed[:10])
    assert all(st in (502, 503) for st in failed), failed
    assert len(results) >= 50, len(results)
    # The replacements serve like the others.
    for _ in range(4 * len(after)):
        assert request("GET", "/api/v1/me", headers=bearer(s)).status == 200


# ------------------------------------------------------------ SIGTERM to the master

FCGI_BEGIN_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 3, 4, 5, 6


def fcgi_record(rtype, content=b"", rid=1):
    return struct.pack("!BBHHBx", 1, rtype, rid, len(content), 0) + content


def fcgi_pairs(params):
    out = b""
    for k, v in params.items():
        k, v = k.encode(), v.encode()
        for n in (len(k), len(v)):
            out += bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)
        out += k + v
    return out


class FcgiRequest:
    """One FastCGI request to a worker, its body sent in pieces by hand."""

    def __init__(self, sock_path, method, path, body_len, content_type="application/json",
                 extra=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(CLIENT_TIMEOUT)
        self.sock.connect(sock_path)
        params = {"REQUEST_METHOD": method, "DOCUMENT_URI": path, "SCRIPT_NAME": path,
                  "REQUEST_URI": path, "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1",
                  "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(body_len),
                  "REMOTE_ADDR": "192.0.2.%d" % random.randint(1, 254),
                  "REQUEST_ID": "%032x" % random.getrandbits(128)}
        params.update(extra or {})
        # Role 1 = responder, flags 0 = close the connection afterwards.
        self.sock.sendall(fcgi_record(FCGI_BEGIN_REQUEST, struct.pack("!HB5x", 1, 0))
                          + fcgi_record(FCGI_PARAMS, fcgi_pairs(params))
                          + fcgi_record(FCGI_PARAMS))

    def send(self, data):
        self.sock.sendall(fcgi_record(FCGI_STDIN, data))

    def finish(self):
        """Ends the body and reads the answer: (status, headers, body,
        protocol status of END_REQUEST)."""
        self.end()
        return self.answer()

    def end(self):
        """Ends the body: the request is whole."""
        self.sock.sendall(fcgi_record(FCGI_STDIN))

    def answered_within(self, secs):
        """Whether the answer begins to arrive within secs seconds."""
        return bool(select.select([self.sock], [], [], secs)[0])

    def answer(self, keep_open=False):
        """Reads the answer (finish without ending the body again); the
        connection is closed after it unless keep_open."""
        buf, out = b"", b""
        while True:
            while len(buf) < 8 or len(buf) < 8 + struct.unpack("!H", buf[4:6])[0] + buf[6]:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise AssertionError("connection closed before END_REQUEST; got %r" % out[:300])
                buf += chunk
            _, rtype, _, clen, plen = struct.unpack("!BBHHB", buf[:7])
            content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
            if rtype == FCGI_STDOUT:
                out += content
            elif rtype == FCGI_END_REQUEST:
                _, proto = struct.unpack("!IB3x", content)
                break
        if not keep_open:
            self.sock.close()
        head, _, body = out.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines if ": " in line)
        status = int(headers.get("Status", "200").split()[0])
        return status, headers, body, proto


def alive(pid):
    """True while pid runs (a zombie counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_worker_closes_the_connection_as_soon_as_it_has_answered():
    # Once a request's input has been read to its end (the empty STDIN
    # record that nginx sends right behind the params or the body), the
    # worker closes at once (cgi/fcgi.c) instead of shutting down its side
    # and waiting for the web server to close first (libfcgi's way, a sleep
    # and a wake-up per request). Its end is then gone: a write to it
    # fails, where a half-closed one would still take it. The end of the
    # input is waited for, also when it comes late: closing before it would
    # break the web server's last write.
    sock_path = os.path.join(TEST_DIR, "run", "fcgi.sock")
    login = json.dumps({"email": "close@example.org", "password": "x" * 20}).encode()
    for method, path, body, want, late in (("GET", "/api/v1/health", b"", 200, False),
                                           ("GET", "/api/v1/health", b"", 200, True),
                                           ("POST", "/api/v1/login", login, 401, True)):
        rq = FcgiRequest(sock_path, method, path, len(body))
        if body:
            rq.send(body)
        if late:
            time.sleep(0.3)
        rq.end()
        status, _, text, proto = rq.answer(keep_open=True)
        assert status == want and proto == 0, (method, text)
        assert rq.sock.recv(1) == b"", "more than the answer"
        try:
            rq.sock.sendall(fcgi_record(FCGI_STDIN, b"x" * 100))
            raise AssertionError("the worker's end is still open")
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            rq.sock.close()

def test_sigterm_lets_requests_in_flight_finish_then_master_exits():
    sock_dir = os.path.join(TEST_DIR, "faults-master")
    os.makedirs(sock_dir, exist_ok=True)
    sock_path = os.path.join(sock_dir, "t.sock")
    env = dict(os.environ)
    env["PGUSER"] = "reifegrad_app"
    env["PGAPPNAME"] = "reifegrad-faults-%x" % random.getrandbits(32)
    log = open(os.path.join(TEST_DIR, "log", "faults-master.log"), "ab")
    master = subprocess.Popen([os.path.join(ROOT, "build", "test", "reifegrad-fcgi"),
                               "--socket", sock_path, "--workers", "2"],
                              env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        # Ready: both workers connected, so both are waiting in accept
        # (the third connection is the snapshotter's).
        wait_for(lambda: os.path.exists(sock_path) and len(pid_children(master.pid)) == 2
                 and psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = :'p1'",
                          env["PGAPPNAME"]) == [["3"]], timeout=10, step=0.1)
        workers = pid_children(master.pid)
        # Two sign-ins with wrong passwords, one per worker, whose bodies
        # stop halfway: each worker waits for the rest with SIGTERM blocked.
        bodies = [json.dumps({"email": "faults-%d-%x@example.org" % (i, random.getrandbits(32)),
                              "password": "falsch-aber-lang"}).encode() for i in range(2)]
        reqs = []
        for b in bodies:
            reqs.append(FcgiRequest(sock_path, "POST", "/api/v1/login", len(b)))
            reqs[-1].send(b[:10])
        time.sleep(0.5)
        t_term = time.monotonic()
        master.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        # Still there: the master waits for its workers, they for the bodies.
        assert master.poll() is None, "the master exited with requests in flight: %r" % master.returncode
        assert sorted(pid_children(master.pid)) == sorted(workers)
        for rq, b in zip(reqs, bodies):
            rq.send(b[10:20])
        time.sleep(0.3)
        answers = []
        for rq, b in zip(reqs, bodies):
            rq.send(b[20:])
            answers.append(rq.finish())
        for status, headers, body, proto in answers:
            assert proto == 0, "END_REQUEST protocol status %d" % proto
            assert status == 401, (status, headers, body)
            assert headers.get("Content-Type", "").startswith("application/json"), headers
            assert json.loads(body)["error"]["code"] == "invalid_credentials", body
        rc = master.wait(timeout=5)
        assert rc == 0, "master exited with %d" % rc
        print("# master exited %.2f s after SIGTERM" % (time.monotonic() - t_term))
        assert not os.path.exists(sock_path), "the master left its socket behind"
        assert not any(alive(w) for w in workers), "a worker outlived the master"
    finally:
        if master.poll() is None:
            master.kill()
            master.wait()
        log.close()


def test_the_master_serves_the_two_pools_that_systemd_passes():
    # As reifegrad-fcgi.service starts it: no --socket, the workers' socket
    # and the write pool's passed from fd 3 by the sd_listen_fds protocol,
    # each known by its name (here in the other order than the unit's).
    # One worker for the first, two for the write pool: a request held
    # open in each pool shows which socket has how many.
    sock_dir = os.path.join(TEST_DIR, "faults-listen-fds")
    os.makedirs(sock_dir, exist_ok=True)
    paths = {n: os.path.join(sock_dir, n + ".sock") for n in ("fcgi", "fcgi-write")}
    socks = {}
    for name, path in paths.items():
        if os.path.exists(path):
            os.unlink(path)
        socks[name] = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        socks[name].bind(path)
        socks[name].listen(16)
    env = dict(os.environ)
    env["PGUSER"] = "reifegrad_app"
    env.update(LISTEN_FDS="2", LISTEN_FDNAMES="fcgi-write:fcgi")
    argv = [os.path.join(ROOT, "build", "test", "reifegrad-fcgi"),
            "--workers", "1", "--write-workers", "2"]
    log = os.open(os.path.join(TEST_DIR, "log", "faults-master.log"),
                  os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    pid = os.fork()
    if pid == 0:
        try:
            # Above every fd in use first, so that neither lands on the
            # other before it is moved.
            high = [os.dup2(socks["fcgi-write"].fileno(), 900),
                    os.dup2(socks["fcgi"].fileno(), 901)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.closerange(5, 1024)
            env["LISTEN_PID"] = str(os.getpid())
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    os.close(log)
    for sk in socks.values():
        sk.close()
    held = []
    try:
        wait_for(lambda: len(pid_children(pid)) == 1 and len(writer_pids(pid)) == 2,
                 timeout=10, step=0.1)
        for path in paths.values():
            status, _, body, _ = FcgiRequest(path, "GET", "/api/v1/health", 0).finish()
            assert status == 200, body
        # The one worker of "fcgi" is busy with a body that has not
        # arrived: a second request there waits, the write pool answers.
        login = json.dumps({"email": "pools@example.org", "password": "x" * 20}).encode()
        held.append(FcgiRequest(paths["fcgi"], "POST", "/api/v1/login", len(login)))
        held[-1].send(login[:5])
        waiting = FcgiRequest(paths["fcgi"], "GET", "/api/v1/health", 0)
        waiting.end()
        status, _, body, _ = FcgiRequest(paths["fcgi-write"], "GET", "/api/v1/health", 0).finish()
        assert status == 200, body
        assert not waiting.answered_within(1.0), "a second worker answered on the workers' socket"
        # Both write workers busy: now that pool waits too.
        for _ in range(2):
            held.append(FcgiRequest(paths["fcgi-write"], "POST", "/api/v1/login", len(login)))
            held[-1].send(login[:5])
        waiting_w = FcgiRequest(paths["fcgi-write"], "GET", "/api/v1/health", 0)
        waiting_w.end()
        assert not waiting_w.answered_within(1.0), "a third worker answered on the write socket"
        # Released, every request is answered.
        for rq in held:
            rq.send(login[5:])
            status, _, body, _ = rq.finish()
            assert status == 401, body
        held = []
        for rq in (waiting, waiting_w):
            status, _, body, _ = rq.answer()
            assert status == 200, body
    finally:
        for rq in held:
            rq.sock.close()
        os.kill(pid, signal.SIGTERM)
        _, st = os.waitpid(pid, 0)
    assert os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0, st


def test_sigterm_lets_an_autosave_in_flight_land():
    # A worker still reading an autosave's body when the master is told to
    # stop finishes it: the save goes to the committer, which the master
    # stops only after its workers, and it is stored before the answer.
    sock_dir = os.path.join(TEST_DIR, "faults-master-save")
    os.makedirs(sock_dir, exist_ok=True)
    sock_path = os.path.join(sock_dir, "t.sock")
    env = dict(os.environ)
    env["PGUSER"] = "reifegrad_app"
    log = open(os.path.join(TEST_DIR, "log", "faults-master.log"), "ab")
    wid = make_wave(load_default(), "open")
    oid, _, (s,) = municipality()
    path = "/api/v1/waves/%d/response" % wid
    r = s.put(path, {"revision": 0, "answers": {"D1.1": {"level": 1}}})
    assert r.status == 200, r
    master = subprocess.Popen([os.path.join(ROOT, "build", "test", "reifegrad-fcgi"),
                               "--socket", sock_path, "--workers", "2"],
                              env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        wait_for(lambda: os.path.exists(sock_path) and len(pid_children(master.pid)) == 2,
                 timeout=10, step=0.1)
        committer = int(subprocess.run(["pgrep", "-P", str(master.pid), "-x", "rg-committer"],
                                       capture_output=True, text=True).stdout.split()[0])
        body = json.dumps({"revision": 1, "answers": {"D1.2": {"level": 3}}}).encode()
        rq = FcgiRequest(sock_path, "PUT", path, len(body),
                         extra={"HTTP_AUTHORIZATION": "Bearer " + s.token})
        rq.send(body[:10])
        time.sleep(0.3)
        master.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert master.poll() is None and alive(committer), "stopped with a save in flight"
        rq.send(body[10:])
        status, headers, out, proto = rq.finish()
        assert proto == 0 and status == 200, (status, out)
        assert json.loads(out)["revision"] == 2, out
        assert response_row(wid, oid)["answers"] == {"D1.1": {"level": 1}, "D1.2": {"level": 3}}
        assert master.wait(timeout=5) == 0
        assert not alive(committer), "the committer outlived the master"
    finally:
        if master.poll() is None:
            master.kill()
            master.wait()
        log.close()


# ------------------------------------------------------------ PostgreSQL killed

PG_DATA = os.path.join(TEST_DIR, "pg", "data")
AS_PG = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
RESPONDENTS = 40


def pg_ctl():
    ver = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: [int(x) for x in v.split(".")])[-1]
    return "/usr/lib/postgresql/%s/bin/pg_ctl" % ver


def pg_start():
    """Starts the suite's cluster as deploy/stack does; after a kill -9 the
    old server's children may hold its shared memory for a moment, and
    crash recovery runs first. Returns when it accepts connections."""
    sock = os.path.join(TEST_DIR, "pg", "run")
    cmd = AS_PG + [pg_ctl(), "-D", PG_DATA, "-w", "-t", "30", "-l",
                   os.path.join(TEST_DIR, "pg", "log", "postgresql.log"), "-o",
                   "-c listen_addresses='' -c unix_socket_directories='%s' -c fsync=off"
                   " -c max_connections=200" % sock, "start"]
    deadline = time.monotonic() + 30
    while True:
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError("PostgreSQL did not start again: %s %s" % (r.stdout, r.stderr))
        time.sleep(0.2)


def app_connections():
    """The workers' connections (the snapshotter and the committer show
    their own application names)."""
    return int(psql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'reifegrad_app'"
                    " AND backend_type = 'client backend' AND application_name = 'reifegrad'")[0][0])


def test_postgres_killed_during_concurrent_submissions():
    defn = default_definition()
    wid = make_wave(load_default(), "open")
    path = "/api/v1/waves/%d/response" % wid
    master = fcgi_master_pid()
    workers = sorted(pid_children(master))

    def respondent(i):
        """An organisation of its own with a fully answered draft."""
        rng = random.Random(i)
        oid, _, (s,) = municipality(1)
        answers = {it: {"level": rng.randint(0, 4)} for it in items_of(defn)}
        r = s.put(path, {"revision": 0, "answers": answers})
        assert r.status == 200 and r.json["revision"] == 1, r
        return oid, s, answers

    t0 = time.monotonic()
    with ThreadPoolExecutor(8) as ex:
        people = list(ex.map(respondent, range(RESPONDENTS)))
    print("# %d respondents ready in %.1f s" % (RESPONDENTS, time.monotonic() - t0))

    # All submit at once; PostgreSQL is killed once a few have their answer.
    results = [None] * RESPONDENTS
    done = threading.Condition()
    finished = [0]
    gate = threading.Barrier(RESPONDENTS + 1)

    def submit(i):
        gate.wait()
        r, _ = timed("POST", path + "/submit", body={"revision": 1}, headers=bearer(people[i][1]))
        with done:
            results[i] = (r, time.monotonic())
            finished[0] += 1
            done.notify_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(RESPONDENTS)]
    for t in threads:
        t.start()
    with open(os.path.join(PG_DATA, "postmaster.pid")) as f:
        postmaster = int(f.readline())
    gate.wait()
    with done:
        done.wait_for(lambda: finished[0] >= 6, timeout=CLIENT_TIMEOUT)
    os.kill(postmaster, signal.SIGKILL)
    t_kill = time.monotonic()
    try:
        for t in threads:
            t.join(CLIENT_TIMEOUT + 5)
        assert not any(t.is_alive() for t in threads), "a submission hangs"

        ok = []
        for i, (r, t_end) in enumerate(results):
            assert hasattr(r, "status"), "submission %d: %r" % (i, r)
            if 200 <= r.status < 300:
                assert r.json["state"] == "submitted", r
                ok.append(i)
                continue
            # Not stored (or not known to be): the 503 of API.md, at once.
            assert is_unavailable(r), "submission %d: %r" % (i, r)
            assert t_end - t_kill < OUTAGE_ANSWER_SECONDS, \
                "submission %d answered %.2f s after the kill" % (i, t_end - t_kill)
        print("# %d submissions answered 2xx, %d 503; the last %.2f s after the kill"
              % (len(ok), RESPONDENTS - len(ok), max(t for _, t in results) - t_kill))
        assert len(ok) >= 6, "fewer answers before the kill than waited for: %d" % len(ok)
        assert len(ok) < RESPONDENTS, "the kill came after all submissions; nothing was tested"

        # During the outage: health says down, everything else 503, at once.
        s = people[ok[0]][1]
        fails = [i for i in range(RESPONDENTS) if i not in ok]
        for k in range(3 * len(workers)):
            r, took = timed("GET", HEALTH)
            assert hasattr(r, "status") and r.status == 503 and r.json["db"] == "down", r
            assert is_unavailable(r), r
            assert took < OUTAGE_ANSWER_SECONDS, took
            i = fails[k % len(fails)]
            for method, suffix, body in (("GET", "", None), ("POST", "/submit", {"revision": 1}),
                                         ("PUT", "", {"revision": 1, "answers": {}})):
                r, took = timed(method, path + suffix, body=body, headers=bearer(people[i][1]))
                assert is_unavailable(r), (method, suffix, r)
                assert took < OUTAGE_ANSWER_SECONDS, (method, suffix, took)
            r, took = timed("GET", "/api/v1/me", headers=bearer(s))
            assert is_unavailable(r) and took < OUTAGE_ANSWER_SECONDS, (r, took)
    finally:
        # Not "pg_ctl status": the dead postmaster may linger as a zombie
        # for a moment, which it takes for running. pg_start retries.
        pg_start()
    t_back = time.monotonic()
    print("# PostgreSQL back %.1f s after the kill" % (t_back - t_kill))

    # The same workers find their way back within 10 s: each answers (ask
    # several at once so that every one is asked) and holds a connection.
    def all_serve():
        with ThreadPoolExecutor(2 * len(workers)) as ex:
            rs = list(ex.map(lambda _: timed("GET", HEALTH)[0], range(4 * len(workers))))
        return (all(getattr(r, "status", None) == 200 for r in rs)
                and app_connections() == len(workers))
    wait_for(all_serve, timeout=10, step=0.1)
    took = time.monotonic() - t_back
    print("# all %d workers serve again %.2f s after its return" % (len(workers), took))
    assert took < 10.0, took
    assert sorted(pid_children(master)) == workers, "workers were restarted"

    # Every 2xx is stored, exactly once, with the scores it answered.
    rows = psql("SELECT organisation_id, count(*) OVER (PARTITION BY organisation_id), state,"
                " coalesce(submitted_revision::text, ''), coalesce(scores::text, '')"
                " FROM response WHERE wave_id = :'p1'", wid)
    by_org = {int(r[0]): r for r in rows}
    assert len(rows) == RESPONDENTS, len(rows)
    for i in ok:
        oid, _, answers = people[i]
        row = by_org[oid]
        assert row[1:4] == ["1", "submitted", "1"], row
        stored = json.loads(row[4])
        # The answer rounds to 10 digits, the row keeps 17.
        assert_scores_close(stored, results[i][0].json["scores"])
        assert_scores_close(stored, expected_scores(defn, answers))

    # The others may submit again now; a submission that did commit though
    # its answer was lost answers the same scores (same revision).
    def resubmit(i):
        oid, s, answers = people[i]
        r = s.post(path + "/submit", {"revision": 1})
        assert r.status == 200, (i, r)
        assert_scores_close(r.json["scores"], expected_scores(defn, answers))
        row = response_row(wid, oid)
        assert row["state"] == "submitted" and row["submitted_revision"] == 1, row
    with ThreadPoolExecutor(8) as ex:
        list(ex.map(resubmit, fails))
    n = psql("SELECT count(*), count(DISTINCT organisation_id) FROM response"
             " WHERE wave_id = :'p1' AND state = 'submitted'", wid)
    assert n == [[str(RESPONDENTS), str(RESPONDENTS)]], n
