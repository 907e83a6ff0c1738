"""survey_helpers.py: what the survey tests share (test_questionnaires,
test_waves, test_response, test_hostile): organisations, accounts and
sessions made through the admin tool and the API, questionnaires and waves,
an independent implementation of API.md's score definitions, a look at the
stored response row, and a check that the workers survived.

Every name and key is unique per call: the files share one database with
the other suites and must not assume empty tables."""
import copy
import datetime
import json
import os
import subprocess
import threading
import uuid

from lib import (ROOT, admin, expect_error, fcgi_master_pid, pid_children, psql, request,
                 wait_for)

DEFAULT_FILE = os.path.join(ROOT, "sql", "questionnaires", "smart-city-reifegrad-v1.json")
DEFAULT_SLUG = "smart-city-reifegrad"

STAGES = ((20, "einsteiger"), (40, "aufbauend"), (60, "fortgeschritten"), (80, "etabliert"))


def uniq():
    return uuid.uuid4().hex[:12]


def make_org(member=True, name=None):
    """Adds an organisation with the admin tool; returns (id, key, name).
    Keys are 12-digit numbers starting with 98, which no register uses."""
    key = "98" + str(uuid.uuid4().int)[:10]
    name = name or "Umfragegemeinde " + uniq()
    args = ["org", "add", "--key", key, "--name", name, "--kind", "gemeinde",
            "--state", "Bayern", "--population", "12000"]
    if member:
        args.append("--member")
    r = admin(*args)
    return int(r.stdout.strip()), key, name


def make_user(role, org_key=None, name=None):
    """Adds an account with the admin tool; returns a dict with id, email,
    password, role, name."""
    email = "%s-%s@example.org" % (role, uniq())
    password = "Umfrage-%s-lang" % uniq()
    name = name or "Person %s %s" % (role, uniq()[:6])
    args = ["user", "add", "--email", email, "--role", role, "--name", name]
    if org_key:
        args += ["--organisation", org_key]
    r = admin(*args, stdin=password + "\n")
    return {"id": int(r.stdout.strip()), "email": email, "password": password,
            "role": role, "name": name}


class Session:
    """A signed-in account. Requests go with the Bearer token unless
    cookie=True (then with the cookie and the CSRF header)."""

    def __init__(self, user):
        body = {"email": user["email"], "password": user["password"]}
        r = request("POST", "/api/v1/login", body=body)
        if r.status == 429:
            # Throttling tests of other files may leave counters behind.
            psql("DELETE FROM login_failure")
            r = request("POST", "/api/v1/login", body=body)
        assert r.status == 200, r
        self.user = r.json["user"]
        self.csrf = r.json["csrf"]
        self.token = None
        for v in r.headers_all("Set-Cookie"):
            if v.startswith("rg_session="):
                self.token = v.split(";")[0][len("rg_session="):]
        assert self.token, r.headers
        self.account = user

    def req(self, method, path, body=None, raw=None, headers=None, cookie=False):
        if cookie:
            h = {"Cookie": "rg_session=" + self.token, "X-CSRF-Token": self.csrf}
        else:
            h = {"Authorization": "Bearer " + self.token}
        if raw is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        return request(method, path, body=body, raw=raw, headers=h)

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def put(self, path, body=None, **kw):
        return self.req("PUT", path, body, **kw)

    def post(self, path, body=None, **kw):
        return self.req("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.req("PATCH", path, body, **kw)


def staff(role):
    """A signed-in coordinator, researcher or admin."""
    return Session(make_user(role))


def municipality(n=1):
    """A member organisation with n respondent sessions; returns
    (org_id, org_key, [Session, ...])."""
    oid, key, _ = make_org()
    return oid, key, [Session(make_user("respondent", key)) for _ in range(n)]


# ------------------------------------------------------------ questionnaires

def default_definition():
    with open(DEFAULT_FILE, encoding="utf-8") as f:
        return json.load(f)


def load_default():
    """Loads the default questionnaire with the admin tool (repeatable);
    returns its id."""
    return int(admin("questionnaire", "load", DEFAULT_FILE).stdout.strip())


def small_definition(slug=None, version=1):
    """A small valid questionnaire with a unique slug: D1 four required
    items (weight 2), D2 four optional items (weight 1), D3 three items of
    which D3.1 is required (weight 0.5)."""
    def i18n(s):
        return {"de": s + " (de)", "en": s + " (en)"}

    def item(iid, required):
        return {"id": iid, "text": i18n("Frage " + iid), "required": required,
                "levels": {"0": {"de": "nichts"}, "4": {"de": "alles"}}}

    return {
        "slug": slug or "test-" + uniq(),
        "version": version,
        "title": i18n("Testfragebogen"),
        "levels": [{"value": v, "label": i18n("Stufe %d" % v)} for v in range(5)],
        "dimensions": [
            {"id": "D1", "title": i18n("Eins"), "weight": 2,
             "items": [item("D1.%d" % i, True) for i in range(1, 5)]},
            {"id": "D2", "title": i18n("Zwei"), "weight": 1,
             "items": [item("D2.%d" % i, False) for i in range(1, 5)]},
            {"id": "D3", "title": i18n("Drei"), "weight": 0.5,
             "items": [item("D3.1", True), item("D3.2", False), item("D3.3", False)]},
        ],
    }


def store_definition(defn, admin_session=None):
    """Stores a definition through POST /questionnaires; returns its id."""
    s = admin_session or staff("admin")
    r = s.post("/api/v1/questionnaires", defn)
    assert r.status == 201, r
    return r.json["id"]


def items_of(defn):
    return [it["id"] for d in defn["dimensions"] for it in d["items"]]


def required_of(defn):
    return [it["id"] for d in defn["dimensions"] for it in d["items"]
            if it.get("required", True)]


# ------------------------------------------------------------------- waves

def iso(days=0.0, seconds=0.0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days, seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


WINDOWS = {"open": (-1, 30), "planned": (10, 40), "closed": (-40, -10)}


_coordinator = []


def coordinator():
    """One coordinator session for the helpers of a test file."""
    if not _coordinator:
        _coordinator.append(staff("coordinator"))
    return _coordinator[0]


def make_wave(qid=None, state="open", coord=None):
    """A wave of questionnaire qid (default: the default questionnaire) in
    the given state, made through POST /waves; returns its id."""
    if qid is None:
        qid = load_default()
    s = coord or coordinator()
    opens, closes = WINDOWS[state]
    r = s.post("/api/v1/waves", {"questionnaire_id": qid, "title": "Welle " + uniq(),
                                 "opens_at": iso(opens), "closes_at": iso(closes)})
    assert r.status == 201, r
    assert r.json["state"] == state, r
    return r.json["id"]


# ------------------------------------------------------------------ scores

def expected_scores(defn, answers):
    """API.md's definitions, computed here independently of cgi/score.c:
    a dimension's score is 100 * mean(levels) / 4 over its items with a
    level (na excluded), null when fewer than half of its items are
    answered (a level or na); overall the weight-averaged mean of the
    non-null dimension scores; stage from overall."""
    dims = {}
    wsum = wscore = 0.0
    for d in defn["dimensions"]:
        levels = []
        answered = 0
        for it in d["items"]:
            a = answers.get(it["id"])
            if not a:
                continue
            if a.get("na") is True:
                answered += 1
            elif isinstance(a.get("level"), int):
                answered += 1
                levels.append(a["level"])
        if answered * 2 < len(d["items"]) or not levels:
            dims[d["id"]] = None
            continue
        dims[d["id"]] = 100.0 * (sum(levels) / len(levels)) / 4.0
        wsum += d["weight"]
        wscore += d["weight"] * dims[d["id"]]
    overall = wscore / wsum if wsum > 0 else None
    stage = None
    if overall is not None:
        stage = "vorreiter"
        for bound, name in STAGES:
            if overall < bound:
                stage = name
                break
    return {"overall": overall, "stage": stage, "dimensions": dims}


def assert_scores_close(got, want, tol=1e-6):
    assert set(got) == {"overall", "stage", "dimensions"}, got
    assert got["stage"] == want["stage"], (got, want)
    for g, w in [(got["overall"], want["overall"])] + [
            (got["dimensions"].get(k, "missing"), v) for k, v in want["dimensions"].items()]:
        if w is None:
            assert g is None, (got, want)
        else:
            assert isinstance(g, (int, float)) and abs(g - w) <= tol, (got, want)
    assert set(got["dimensions"]) == set(want["dimensions"]), (got, want)


# ----------------------------------------------------------- the database

def response_row(wave_id, org_id):
    """The stored response (as the owner, behind the API), or None."""
    rows = psql("SELECT state, revision, answers::text, coalesce(scores::text, ''),"
                " coalesce(overall::text, ''), updated_by_name, coalesce(submitted_revision::text, '')"
                " FROM response WHERE wave_id = :'p1' AND organisation_id = :'p2'",
                wave_id, org_id)
    if not rows:
        return None
    st, rev, ans, sc, ov, by, srev = rows[0]
    return {"state": st, "revision": int(rev), "answers": json.loads(ans),
            "scores": json.loads(sc) if sc else None,
            "overall": float(ov) if ov else None, "updated_by": by,
            "submitted_revision": int(srev) if srev else None}


def count_rows(table):
    return int(psql("SELECT count(*) FROM %s" % table)[0][0])


class Survival:
    """Remembers the workers; check() asserts that health is ok and that no
    worker was replaced (a crash would have been)."""

    def __init__(self):
        self.master = fcgi_master_pid()
        self.workers = sorted(pid_children(self.master))
        assert self.workers, "no workers"

    def check(self):
        for _ in range(8):
            r = request("GET", "/api/v1/health")
            assert r.status == 200 and r.json["status"] == "ok", r
        assert sorted(pid_children(self.master)) == self.workers, "a worker was restarted"


def expect_invalid(r, paths, code="invalid", status=422):
    """Asserts a 422 (by default) whose details name exactly these paths
    (a list; order ignored, duplicates kept)."""
    e = expect_error(r, status, code)
    got = sorted(d["path"] for d in e["details"])
    assert got == sorted(paths), (got, sorted(paths), r)
    for d in e["details"]:
        assert isinstance(d["problem"], str) and d["problem"], e
    return e


def deep_copy(x):
    return copy.deepcopy(x)


# ------------------------------------------------------- rows held elsewhere

class HeldRow:
    """A colleague's write in flight: the owner's transaction that runs sql
    on a response row (taking its lock) and stays open until end(). sql
    names its parameters :'p1', :'p2', ..."""

    def __init__(self, sql, *params):
        args = ["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-U", "postgres",
                "-d", os.environ.get("PGDATABASE", "reifegrad")]
        for i, p in enumerate(params):
            args += ["-v", "p%d=%s" % (i + 1, p)]
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        self.p.stdin.write("BEGIN;\n%s;\n\\echo held\n" % sql)
        self.p.stdin.flush()
        while True:
            line = self.p.stdout.readline()
            assert line, "psql failed: " + self.p.stderr.read()
            if line.strip() == "held":
                break

    def end(self, command):
        out, err = self.p.communicate(command + ";\n", timeout=30)
        assert self.p.returncode == 0, err


# The row of wave p1 and organisation p2, locked as a colleague's save would.
ROW_FOR_UPDATE = ("SELECT 1 FROM response WHERE wave_id = :'p1' AND organisation_id = :'p2'"
                  " FOR UPDATE")


def lock_waiters():
    return int(psql("SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND datname = current_database()")[0][0])


def start_calls(*calls):
    """Starts the calls in threads; returns (threads, results), the results
    filled in as the calls return."""
    out = [None] * len(calls)
    ts = [threading.Thread(target=lambda i=i, fn=fn: out.__setitem__(i, fn()))
          for i, fn in enumerate(calls)]
    for t in ts:
        t.start()
    return ts, out


def behind_held_row(held, command, *calls, waiters=None):
    """Starts the calls in threads, waits until each waits for the held
    row's lock (or until waiters connections do), ends the held
    transaction with command, and returns the calls' results."""
    ts, out = start_calls(*calls)
    try:
        wait_for(lambda: lock_waiters() >= (waiters or len(calls)))
    finally:
        held.end(command)
        for t in ts:
            t.join()
    return out
