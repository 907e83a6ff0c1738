"""Accounts, sessions, roles (issue #3): sign-in and sign-out, the session
cookie and Bearer tokens, CSRF, sign-in throttling, session lifetimes,
password hashing and policy, invitations, the audit log, and the
authorisation matrix of every route that exists.

The helpers at the top (uniq, make_org, make_user, Session) are shared with
test_organisations.py and test_import.py."""
import ctypes
import ctypes.util
import os
import re
import signal
import socket
import struct
import time
import uuid

from lib import ROOT, TEST_DIR, admin, expect_error, psql, request

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
# The hash parameters of cgi/password.h (argon2id, 19 MiB, 2 passes).
HASH_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"


def uniq():
    return uuid.uuid4().hex[:12]


def make_org(member=True, name=None, key=None, kind="gemeinde",
             state="Testland", population=1234):
    """Adds an organisation with the admin tool; returns (id, key, name).
    Keys are 12-digit AGS-like numbers starting with 99, which no real
    register uses."""
    key = key or "99" + str(uuid.uuid4().int)[:10]
    name = name or "Testgemeinde " + uniq()
    args = ["org", "add", "--key", key, "--name", name, "--kind", kind,
            "--state", state, "--population", str(population)]
    if member:
        args.append("--member")
    r = admin(*args)
    return int(r.stdout.strip()), key, name


def make_user(role, org_key=None, name=None):
    """Adds an account with the admin tool; returns a dict with id, email,
    password (unique per account, so a leak can be searched for)."""
    email = "%s-%s@example.org" % (role, uniq())
    password = "Geheimnis-%s-Lang" % uniq()
    args = ["user", "add", "--email", email, "--role", role,
            "--name", name or "Person " + role]
    if org_key:
        args += ["--organisation", org_key]
    r = admin(*args, stdin=password + "\n")
    return {"id": int(r.stdout.strip()), "email": email, "password": password,
            "role": role}


def login_raw(email, password):
    return request("POST", "/api/v1/login", body={"email": email, "password": password})


def cookie_of(r):
    """The rg_session value and attributes of a Set-Cookie, or None."""
    for v in r.headers_all("Set-Cookie"):
        if v.startswith("rg_session="):
            parts = [p.strip() for p in v.split(";")]
            return parts[0][len("rg_session="):], parts[1:]
    return None


class Session:
    """A signed-in account: its token (from the cookie) and CSRF value."""

    def __init__(self, user):
        r = login_raw(user["email"], user["password"])
        assert r.status == 200, r
        self.answer = r.json
        self.user = r.json["user"]
        self.csrf = r.json["csrf"]
        self.token = cookie_of(r)[0]
        self.account = user

    def bearer(self, method, path, body=None, headers=None):
        h = {"Authorization": "Bearer " + self.token}
        h.update(headers or {})
        return request(method, path, body=body, headers=h)

    def cookie(self, method, path, body=None, csrf=True, headers=None):
        h = {"Cookie": "rg_session=" + self.token}
        if csrf is True:
            h["X-CSRF-Token"] = self.csrf
        elif csrf:
            h["X-CSRF-Token"] = csrf
        h.update(headers or {})
        return request(method, path, body=body, headers=h)


def clear_login_failures():
    """Every test of this suite signs in from 127.0.0.1; keep the address
    counter of earlier tests from interfering."""
    psql("DELETE FROM login_failure")


# ---------------------------------------------------------------- sign-in

def test_login_answer_and_cookie():
    oid, key, oname = make_org()
    u = make_user("respondent", key, name="Renate Respondent")
    r = login_raw(u["email"], u["password"])
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/json; charset=utf-8"
    assert r.header("Cache-Control") == "no-store"
    j = r.json
    assert set(j) == {"user", "csrf"}, j
    assert j["user"] == {"id": u["id"], "email": u["email"], "name": "Renate Respondent",
                         "role": "respondent",
                         "organisation": {"id": oid, "name": oname}}, j
    assert TOKEN_RE.match(j["csrf"]), j
    cookies = [v for v in r.headers_all("Set-Cookie") if v.startswith("rg_session=")]
    assert len(cookies) == 1, r.headers
    token, attrs = cookie_of(r)
    assert TOKEN_RE.match(token), token
    assert token != j["csrf"]
    assert sorted(attrs) == sorted(["Path=/", "HttpOnly", "SameSite=Strict"]), attrs
    # Over plain HTTP no Secure flag (the browser would drop the cookie).
    assert "Secure" not in attrs


def test_login_of_staff_has_no_organisation_and_email_is_case_insensitive():
    u = make_user("coordinator")
    r = login_raw(u["email"].upper(), u["password"])
    assert r.status == 200, r
    assert r.json["user"] == {"id": u["id"], "email": u["email"], "name": "Person coordinator",
                              "role": "coordinator", "organisation": None}, r.json


def test_bearer_and_cookie_both_authenticate_me():
    oid, key, oname = make_org()
    s = Session(make_user("respondent", key))
    for r in (s.bearer("GET", "/api/v1/me"), s.cookie("GET", "/api/v1/me", csrf=False)):
        assert r.status == 200, r
        # The user object of the login answer, at top level.
        assert r.json == s.user, (r.json, s.user)
    assert s.user["organisation"] == {"id": oid, "name": oname}


def test_me_without_or_with_a_bad_token_is_401():
    expect_error(request("GET", "/api/v1/me"), 401, "unauthenticated")
    for h in ({"Authorization": "Bearer " + "A" * 43},
              {"Authorization": "Bearer short"},
              {"Authorization": "Basic dXNlcjpwdw=="},
              {"Cookie": "rg_session=" + "B" * 43},
              {"Cookie": "rg_session="},
              {"Cookie": "other=1"}):
        expect_error(request("GET", "/api/v1/me", headers=h), 401, "unauthenticated")


def test_session_cookie_among_other_cookies():
    s = Session(make_user("researcher"))
    for cookie in ("a=1; rg_session=%s; b=2" % s.token, "rg_session=%s;theme=dark" % s.token,
                   "xrg_session=nope; rg_session=%s" % s.token):
        r = request("GET", "/api/v1/me", headers={"Cookie": cookie})
        assert r.status == 200 and r.json["id"] == s.user["id"], (cookie, r)
    for cookie in ("xrg_session=%s" % s.token, "rg_sessionx=%s" % s.token, "RG_SESSION=%s" % s.token):
        expect_error(request("GET", "/api/v1/me", headers={"Cookie": cookie}), 401, "unauthenticated")


def test_each_login_makes_a_new_token_and_both_work():
    u = make_user("researcher")
    a, b = Session(u), Session(u)
    assert a.token != b.token and a.csrf != b.csrf
    assert a.bearer("GET", "/api/v1/me").status == 200
    assert b.bearer("GET", "/api/v1/me").status == 200
    # Only hashes are stored: two sessions, neither holding the token.
    rows = psql("SELECT encode(token_hash, 'hex') FROM session WHERE user_id = :'p1'", u["id"])
    assert len(rows) == 2, rows
    for row in rows:
        assert a.token not in row[0] and b.token not in row[0]


def test_logout_ends_the_session_at_once():
    u = make_user("admin")
    s = Session(u)
    other = Session(u)
    r = s.bearer("POST", "/api/v1/logout")
    assert r.status == 204, r
    assert r.body == b""
    token, attrs = cookie_of(r)
    assert token == "" and "Max-Age=0" in attrs and "HttpOnly" in attrs, attrs
    expect_error(s.bearer("GET", "/api/v1/me"), 401, "unauthenticated")
    expect_error(s.cookie("GET", "/api/v1/me"), 401, "unauthenticated")
    expect_error(s.bearer("POST", "/api/v1/logout"), 401, "unauthenticated")
    # Only that session ended.
    assert other.bearer("GET", "/api/v1/me").status == 200


def test_logout_by_cookie_with_csrf():
    s = Session(make_user("coordinator"))
    r = s.cookie("POST", "/api/v1/logout")
    assert r.status == 204, r
    expect_error(s.cookie("GET", "/api/v1/me"), 401, "unauthenticated")


def test_unknown_email_and_wrong_password_answer_the_same():
    clear_login_failures()
    u = make_user("researcher")
    wrong = login_raw(u["email"], u["password"] + "x")
    unknown = login_raw("nobody-%s@example.org" % uniq(), u["password"])
    for r in (wrong, unknown):
        expect_error(r, 401, "invalid_credentials")
        assert cookie_of(r) is None, r.headers
    assert wrong.body == unknown.body
    assert sorted(k.lower() for k, _ in wrong.headers if k.lower() not in ("date", "x-request-id")) == \
        sorted(k.lower() for k, _ in unknown.headers if k.lower() not in ("date", "x-request-id"))
    clear_login_failures()


def test_unknown_email_costs_a_password_verification():
    # "Similar time": an unknown address is checked against a dummy hash.
    # Loose on purpose (a factor of 3); without the dummy hash the unknown
    # address would answer tens of times faster.
    clear_login_failures()
    u = make_user("researcher")

    def fastest(email):
        best = 1e9
        for _ in range(3):
            t0 = time.monotonic()
            r = login_raw(email, "Falsch-aber-lang-genug")
            best = min(best, time.monotonic() - t0)
            assert r.status == 401, r
        return best
    known = fastest(u["email"])
    unknown = fastest("nobody-%s@example.org" % uniq())
    print("# sign-in failure: known address %.0f ms, unknown %.0f ms" % (known * 1e3, unknown * 1e3))
    assert unknown > known / 3, (known, unknown)
    clear_login_failures()


def test_login_body_errors():
    clear_login_failures()
    cases = [
        ({"email": "a@example.org"}, ["/password"]),
        ({"password": "x"}, ["/email"]),
        ({}, ["/email", "/password"]),
        ({"email": 1, "password": True}, ["/email", "/password"]),
        ({"email": None, "password": None}, ["/email", "/password"]),
        ({"email": "", "password": ""}, ["/email", "/password"]),
        ({"email": "a@example.org", "password": "x", "remember": True}, ["/remember"]),
        ({"email": "x" * 255, "password": "x"}, ["/email"]),
        ([], [""]),
    ]
    for body, paths in cases:
        e = expect_error(request("POST", "/api/v1/login", body=body), 422, "invalid")
        got = sorted(d["path"] for d in e["details"])
        assert got == sorted(paths), (body, e)
    # An empty POST is an empty object's worth of nothing: 422 as well.
    expect_error(request("POST", "/api/v1/login"), 422, "invalid")


def test_login_email_of_many_multibyte_characters_is_422_not_500():
    # 201 characters but 401 bytes: over the 254 octets an address may have.
    clear_login_failures()
    for email in ("x" + "ä" * 200, "ä" * 254):
        e = expect_error(request("POST", "/api/v1/login", body={"email": email, "password": "x"}),
                         422, "invalid")
        assert [d["path"] for d in e["details"]] == ["/email"], e


def test_login_malformed_json_and_wrong_media_type():
    r = request("POST", "/api/v1/login", raw=b'{"email": "a@example.org",',
                headers={"Content-Type": "application/json"})
    e = expect_error(r, 400, "malformed_json")
    assert e["details"] and e["details"][0]["path"] == "", e
    r = request("POST", "/api/v1/login", raw=b'{"email":"a@example.org","email":"b@example.org","password":"x"}',
                headers={"Content-Type": "application/json"})
    expect_error(r, 400, "malformed_json")
    for ct in ("text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"):
        r = request("POST", "/api/v1/login", raw=b'{"email":"a@example.org","password":"x"}',
                    headers={"Content-Type": ct})
        expect_error(r, 415, "unsupported_media_type")
    r = request("POST", "/api/v1/login", raw=b'{"email":"a@example.org","password":"xxxxxxxxxxxxxxxx"}',
                headers={"Content-Type": "application/json; charset=utf-8"})
    expect_error(r, 401, "invalid_credentials")
    clear_login_failures()


def test_login_only_by_post():
    r = request("GET", "/api/v1/login")
    expect_error(r, 405, "method_not_allowed")
    assert r.header("Allow") == "POST"
    r = request("GET", "/api/v1/logout")
    expect_error(r, 405, "method_not_allowed")
    r = request("POST", "/api/v1/me", body={})
    expect_error(r, 405, "method_not_allowed")
    assert r.header("Allow") == "GET"


# ---------------------------------------------------------------- HTTPS

def fcgi_request(params, body=b""):
    """Speaks FastCGI to the workers directly (the way nginx does), so a
    test can send parameters plain-HTTP nginx never sends (HTTPS=on).
    Returns (status, [(header, value)], body)."""
    def record(rtype, content):
        out = b""
        while True:
            chunk, content = content[:65535], content[65535:]
            out += struct.pack("!BBHHBB", 1, rtype, 1, len(chunk), 0, 0) + chunk
            if not content:
                return out

    def nv(k, v):
        k, v = k.encode(), v.encode()
        def ln(n):
            return struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)
        return ln(len(k)) + ln(len(v)) + k + v
    pairs = b"".join(nv(k, v) for k, v in params.items())
    msg = record(1, struct.pack("!HB5x", 1, 0))
    msg += record(4, pairs) + record(4, b"")
    if body:
        msg += record(5, body)
    msg += record(5, b"")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(os.path.join(TEST_DIR, "run", "fcgi.sock"))
    try:
        s.sendall(msg)
        data = b""
        while True:
            got = s.recv(65536)
            if not got:
                break
            data += got
    finally:
        s.close()
    out = b""
    off = 0
    while off + 8 <= len(data):
        _, rtype, _, clen, plen, _ = struct.unpack("!BBHHBB", data[off:off + 8])
        if rtype == 6:
            out += data[off + 8:off + 8 + clen]
        off += 8 + clen + plen
    head, _, rest = out.partition(b"\r\n\r\n")
    headers = []
    status = 200
    for line in head.decode().split("\r\n"):
        k, _, v = line.partition(":")
        if k.lower() == "status":
            status = int(v.split()[0])
        headers.append((k.strip(), v.strip()))
    return status, headers, rest


def test_cookie_is_secure_over_https():
    clear_login_failures()
    u = make_user("researcher")
    body = ('{"email":"%s","password":"%s"}' % (u["email"], u["password"])).encode()
    base = {"REQUEST_METHOD": "POST", "DOCUMENT_URI": "/api/v1/login",
            "SCRIPT_NAME": "/api/v1/login", "QUERY_STRING": "",
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1", "REQUEST_ID": "https" + uniq()}
    status, headers, _ = fcgi_request(dict(base, HTTPS="on"), body)
    assert status == 200, (status, headers)
    cookie = [v for k, v in headers if k.lower() == "set-cookie"]
    assert len(cookie) == 1, headers
    attrs = [p.strip() for p in cookie[0].split(";")[1:]]
    assert sorted(attrs) == sorted(["Path=/", "HttpOnly", "SameSite=Strict", "Secure"]), attrs
    token = cookie[0].split(";")[0][len("rg_session="):]
    # Sign-out over HTTPS expires it with the same attributes.
    status, headers, _ = fcgi_request({"REQUEST_METHOD": "POST", "DOCUMENT_URI": "/api/v1/logout",
                                       "SCRIPT_NAME": "/api/v1/logout", "QUERY_STRING": "",
                                       "HTTP_AUTHORIZATION": "Bearer " + token,
                                       "REMOTE_ADDR": "127.0.0.1", "HTTPS": "on"})
    assert status == 204, (status, headers)
    cookie = [v for k, v in headers if k.lower() == "set-cookie"]
    assert len(cookie) == 1 and "Secure" in cookie[0] and "Max-Age=0" in cookie[0], cookie
    # Without HTTPS the same request sets no Secure flag.
    status, headers, _ = fcgi_request(base, body)
    assert status == 200, (status, headers)
    cookie = [v for k, v in headers if k.lower() == "set-cookie"]
    assert "Secure" not in cookie[0], cookie


# ---------------------------------------------------------------- CSRF

def test_csrf_required_for_cookie_writes():
    s = Session(make_user("admin"))
    other = Session(make_user("admin"))
    e = expect_error(s.cookie("POST", "/api/v1/logout", csrf=False), 403, "csrf_failed")
    assert e["message"]
    for bad in ("x", "A" * 43, other.csrf, s.csrf[:-1], s.csrf + "A", s.token):
        expect_error(s.cookie("POST", "/api/v1/logout", csrf=bad), 403, "csrf_failed")
    # Still signed in: the refused writes did nothing.
    assert s.cookie("GET", "/api/v1/me", csrf=False).status == 200
    # A write that would create something creates nothing without it.
    oid, key, _ = make_org()
    email = "csrf-%s@example.org" % uniq()
    expect_error(s.cookie("POST", "/api/v1/invitations", csrf=False,
                          body={"email": email, "role": "respondent", "organisation_id": oid}),
                 403, "csrf_failed")
    assert psql("SELECT count(*) FROM invitation WHERE email = :'p1'", email) == [["0"]]
    r = s.cookie("POST", "/api/v1/invitations",
                 body={"email": email, "role": "respondent", "organisation_id": oid})
    assert r.status == 201, r
    r = s.cookie("POST", "/api/v1/logout")
    assert r.status == 204, r


def test_bearer_writes_need_no_csrf():
    s = Session(make_user("admin"))
    oid, key, _ = make_org()
    r = s.bearer("POST", "/api/v1/invitations",
                 body={"email": "b-%s@example.org" % uniq(), "role": "respondent",
                       "organisation_id": oid})
    assert r.status == 201, r
    # A wrong X-CSRF-Token does not matter with a Bearer token either.
    r = s.bearer("POST", "/api/v1/logout", headers={"X-CSRF-Token": "nonsense"})
    assert r.status == 204, r


def test_csrf_is_checked_after_the_role():
    oid, key, _ = make_org()
    s = Session(make_user("respondent", key))
    expect_error(s.cookie("POST", "/api/v1/invitations", csrf=False,
                          body={"email": "x-%s@example.org" % uniq(), "role": "respondent",
                                "organisation_id": oid}),
                 403, "forbidden")


# ---------------------------------------------------------------- throttling

def failures_of(subject):
    rows = psql("SELECT failures FROM login_failure WHERE subject = :'p1'", subject)
    return int(rows[0][0]) if rows else 0


def test_ten_failures_for_one_email_give_429_even_with_the_right_password():
    clear_login_failures()
    u = make_user("coordinator")
    for i in range(9):
        expect_error(login_raw(u["email"], "Falsches-Passwort-%d" % i), 401, "invalid_credentials")
    # The counter lives in PostgreSQL: nine failures, whichever worker
    # answered them (requests go to four workers).
    assert failures_of("e:" + u["email"]) == 9
    r = login_raw(u["email"], "Falsches-Passwort-9")
    expect_error(r, 429, "too_many_requests")
    wait = int(r.header("Retry-After"))
    assert 1 <= wait <= 15 * 60, wait
    for email in (u["email"], u["email"].upper()):
        r = login_raw(email, u["password"])
        expect_error(r, 429, "too_many_requests")
        assert 1 <= int(r.header("Retry-After")) <= 15 * 60
        assert cookie_of(r) is None
    # Another account is not affected.
    v = make_user("coordinator")
    assert login_raw(v["email"], v["password"]).status == 200
    # When the window has passed, the right password signs in and clears
    # the count.
    psql("UPDATE login_failure SET window_start = now() - interval '16 minutes' WHERE subject = :'p1'",
         "e:" + u["email"])
    r = login_raw(u["email"], u["password"])
    assert r.status == 200, r
    assert failures_of("e:" + u["email"]) == 0
    clear_login_failures()


def worker_pids_of(responses):
    """The worker pids that answered the responses (from fcgi.log)."""
    rids = {r.header("X-Request-Id") for r in responses}
    pids = set()
    with open(os.path.join(TEST_DIR, "log", "fcgi.log"), encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.search(r" pid=(\d+) rid=(\S+) ", line)
            if m and m.group(2) in rids:
                pids.add(m.group(1))
    return pids


def test_failures_are_counted_across_workers_at_once():
    import concurrent.futures
    clear_login_failures()
    u = make_user("coordinator")
    with concurrent.futures.ThreadPoolExecutor(max_workers=9) as pool:
        rs = list(pool.map(lambda i: login_raw(u["email"], "Falsches-Passwort-%d" % i), range(9)))
    for r in rs:
        expect_error(r, 401, "invalid_credentials")
    assert failures_of("e:" + u["email"]) == 9
    assert failures_of("a:127.0.0.1") == 9
    pids = worker_pids_of(rs)
    assert len(pids) >= 2, pids
    # The tenth, from whichever worker, reaches the limit.
    expect_error(login_raw(u["email"], "Falsches-Passwort-x"), 429, "too_many_requests")
    expect_error(login_raw(u["email"], u["password"]), 429, "too_many_requests")
    clear_login_failures()


def test_unknown_email_is_throttled_like_a_known_one():
    clear_login_failures()
    email = "ghost-%s@example.org" % uniq()
    for i in range(9):
        expect_error(login_raw(email, "Falsches-Passwort-%d" % i), 401, "invalid_credentials")
    expect_error(login_raw(email, "Falsches-Passwort-x"), 429, "too_many_requests")
    clear_login_failures()


def test_limit_per_address_and_a_right_password_still_signs_in():
    clear_login_failures()
    assert psql("SELECT value FROM setting WHERE key = 'login_failures_per_address'") == [["100"]]
    u = make_user("researcher")
    psql("UPDATE setting SET value = '3' WHERE key = 'login_failures_per_address'")
    try:
        for i in range(2):
            expect_error(login_raw("addr%d-%s@example.org" % (i, uniq()), "Falsches-Passwort"),
                         401, "invalid_credentials")
        r = login_raw("addr2-%s@example.org" % uniq(), "Falsches-Passwort")
        expect_error(r, 429, "too_many_requests")
        assert 1 <= int(r.header("Retry-After")) <= 15 * 60
        assert failures_of("a:127.0.0.1") == 3
        # A town hall shares one address: a right password still works.
        r = login_raw(u["email"], u["password"])
        assert r.status == 200, r
        # A wrong one of that account is throttled by the address.
        expect_error(login_raw(u["email"], "Falsches-Passwort"), 429, "too_many_requests")
    finally:
        psql("UPDATE setting SET value = '100' WHERE key = 'login_failures_per_address'")
        clear_login_failures()


def test_default_address_limit_is_100():
    clear_login_failures()
    psql("INSERT INTO login_failure VALUES ('a:127.0.0.1', now(), 98)")
    expect_error(login_raw("c-%s@example.org" % uniq(), "Falsches-Passwort"), 401, "invalid_credentials")
    expect_error(login_raw("d-%s@example.org" % uniq(), "Falsches-Passwort"), 429, "too_many_requests")
    clear_login_failures()


# ---------------------------------------------------------------- lifetimes

def test_session_idle_timeout():
    u = make_user("researcher")
    s = Session(u)
    # 59 minutes idle: still valid, and the request touches the session.
    psql("UPDATE session SET last_seen_at = now() - interval '59 minutes' WHERE user_id = :'p1'", u["id"])
    assert s.bearer("GET", "/api/v1/me").status == 200
    rows = psql("SELECT last_seen_at > now() - interval '1 minute' FROM session WHERE user_id = :'p1'", u["id"])
    assert rows == [["t"]], rows
    # 61 minutes idle: ended.
    psql("UPDATE session SET last_seen_at = now() - interval '61 minutes' WHERE user_id = :'p1'", u["id"])
    expect_error(s.bearer("GET", "/api/v1/me"), 401, "unauthenticated")
    expect_error(s.cookie("GET", "/api/v1/me"), 401, "unauthenticated")


def test_session_idle_setting_is_honoured():
    u = make_user("researcher")
    s = Session(u)
    psql("UPDATE session SET last_seen_at = now() - interval '6 minutes' WHERE user_id = :'p1'", u["id"])
    psql("UPDATE setting SET value = '5' WHERE key = 'session_idle_minutes'")
    try:
        expect_error(s.bearer("GET", "/api/v1/me"), 401, "unauthenticated")
    finally:
        psql("UPDATE setting SET value = '60' WHERE key = 'session_idle_minutes'")
    assert s.bearer("GET", "/api/v1/me").status == 200


def test_session_absolute_lifetime():
    u = make_user("researcher")
    s = Session(u)
    rows = psql("SELECT expires_at - created_at = interval '12 hours' FROM session WHERE user_id = :'p1'", u["id"])
    assert rows == [["t"]], rows
    psql("UPDATE session SET expires_at = now() - interval '1 second' WHERE user_id = :'p1'", u["id"])
    expect_error(s.bearer("GET", "/api/v1/me"), 401, "unauthenticated")
    # Activity does not extend it.
    psql("UPDATE session SET expires_at = now() + interval '30 seconds', created_at = now() - interval '12 hours',"
         " last_seen_at = now() - interval '5 minutes' WHERE user_id = :'p1'", u["id"])
    assert s.bearer("GET", "/api/v1/me").status == 200
    rows = psql("SELECT expires_at < now() + interval '31 seconds' FROM session WHERE user_id = :'p1'", u["id"])
    assert rows == [["t"]], rows


def test_deleted_account_ends_its_sessions():
    u = make_user("researcher")
    s = Session(u)
    psql("DELETE FROM app_user WHERE id = :'p1'", u["id"])
    expect_error(s.bearer("GET", "/api/v1/me"), 401, "unauthenticated")


# ---------------------------------------------------------------- passwords

def sodium_hash(password, opslimit, memlimit, alg="argon2id"):
    """An argon2 hash string made by libsodium with other parameters than
    the program's (Python's standard library has no argon2)."""
    lib = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
    assert lib.sodium_init() >= 0
    out = ctypes.create_string_buffer(128)
    fn = lib.crypto_pwhash_str if alg == "argon2id" else lib.crypto_pwhash_argon2i_str
    fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulonglong,
                   ctypes.c_ulonglong, ctypes.c_size_t]
    pw = password.encode()
    assert fn(out, pw, len(pw), opslimit, memlimit) == 0
    return out.value.decode()


def hash_of(uid):
    return psql("SELECT password_hash FROM app_user WHERE id = :'p1'", uid)[0][0]


def test_password_is_stored_as_argon2id():
    u = make_user("researcher")
    h = hash_of(u["id"])
    assert h.startswith(HASH_PREFIX), h
    assert u["password"] not in h


def test_password_is_rehashed_on_login_when_parameters_change():
    for alg, ops, mem, prefix in (("argon2id", 1, 8192, "$argon2id$v=19$m=8,t=1,p=1$"),
                                  ("argon2i", 3, 8192, "$argon2i$v=19$m=8,t=3,p=1$")):
        u = make_user("researcher")
        old = sodium_hash(u["password"], ops, mem, alg)
        assert old.startswith(prefix), old
        psql("UPDATE app_user SET password_hash = :'p1' WHERE id = :'p2'", old, u["id"])
        # A wrong password changes nothing.
        expect_error(login_raw(u["email"], "Falsches-Passwort"), 401, "invalid_credentials")
        assert hash_of(u["id"]) == old
        s = Session(u)
        new = hash_of(u["id"])
        assert new.startswith(HASH_PREFIX), (alg, new)
        # And the new hash still verifies.
        s2 = Session(u)
        assert s2.bearer("GET", "/api/v1/me").status == 200
        assert hash_of(u["id"]) == new, "rehashed although current"
        assert s.token != s2.token
    clear_login_failures()


def test_admin_user_add_enforces_the_policy():
    bad = ["kurz-11-zei", "", "Passwort1234", "PASSWORT1234", "aaaaaaaaaaaaaaaa",
           "abcdefghijklmnop", "äöüäöüäöüäö"]
    for pw in bad:
        email = "policy-%s@example.org" % uniq()
        r = admin("user", "add", "--email", email, "--role", "researcher", stdin=pw + "\n", check=False)
        assert r.returncode == 1, (pw, r)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "password" in lines[0], (pw, r.stderr)
        assert pw == "" or pw not in r.stderr, r.stderr
        assert psql("SELECT count(*) FROM app_user WHERE email = :'p1'", email) == [["0"]]
    # The address in the password.
    r = admin("user", "add", "--email", "heinrich.mueller@example.org", "--role", "researcher",
              stdin="heinrich.mueller-2026!\n", check=False)
    assert r.returncode == 1 and "e-mail" in r.stderr, r
    # 12 characters (code points, not bytes) are enough.
    email = "policy-%s@example.org" % uniq()
    r = admin("user", "add", "--email", email, "--role", "researcher", stdin="äöüßäöüßäöüX\n")
    assert r.returncode == 0 and r.stdout.strip().isdigit(), r


def test_admin_user_add_usage_and_errors():
    r = admin("user", "add", "--email", "x-%s@example.org" % uniq(), stdin="Ein-langes-Passwort\n", check=False)
    assert r.returncode == 2, r
    r = admin("user", "add", "--email", "not-an-address", "--role", "researcher",
              stdin="Ein-langes-Passwort\n", check=False)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r
    r = admin("user", "add", "--email", "x-%s@example.org" % uniq(), "--role", "king",
              stdin="Ein-langes-Passwort\n", check=False)
    assert r.returncode == 1, r
    r = admin("user", "add", "--email", "x-%s@example.org" % uniq(), "--role", "respondent",
              stdin="Ein-langes-Passwort\n", check=False)
    assert r.returncode == 1, r
    r = admin("user", "add", "--email", "x-%s@example.org" % uniq(), "--role", "respondent",
              "--organisation", "99000000000", stdin="Ein-langes-Passwort\n", check=False)
    assert r.returncode == 1 and "99000000000" in r.stderr, r
    r = admin("user", "add", "--email", "x-%s@example.org" % uniq(), "--role", "researcher",
              stdin="", check=False)
    assert r.returncode == 1, r


def test_admin_user_add_counts_name_characters_not_bytes():
    email = "name-%s@example.org" % uniq()
    r = admin("user", "add", "--email", email, "--role", "researcher", "--name", "Ö" * 200,
              stdin="Ein-langes-Passwort-77\n", check=False)
    assert r.returncode == 0, r
    assert psql("SELECT name FROM app_user WHERE email = :'p1'", email) == [["Ö" * 200]]
    r = admin("user", "add", "--email", email, "--role", "researcher", "--name", "Ö" * 201,
              stdin="Ein-langes-Passwort-77\n", check=False)
    assert r.returncode == 1 and "--name" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r


def test_admin_user_add_is_repeatable():
    u = make_user("researcher")
    r = admin("user", "add", "--email", u["email"].upper(), "--role", "coordinator",
              stdin="Ein-neues-langes-Passwort\n")
    assert int(r.stdout.strip()) == u["id"]
    expect_error(login_raw(u["email"], u["password"]), 401, "invalid_credentials")
    r = login_raw(u["email"], "Ein-neues-langes-Passwort")
    assert r.status == 200 and r.json["user"]["role"] == "coordinator", r
    assert r.json["user"]["name"] == "Person researcher"
    clear_login_failures()


# ---------------------------------------------------------------- invitations

def invite(session, email, role, org_id=None):
    body = {"email": email, "role": role}
    if org_id is not None:
        body["organisation_id"] = org_id
    return session.bearer("POST", "/api/v1/invitations", body=body)


def token_of(r):
    m = re.match(r"^/invitation\.html#token=([A-Za-z0-9_-]{43})$", r.json["accept_url"])
    assert m, r.json
    return m.group(1)


def accept(token, name="Neue Person", password=None):
    return request("POST", "/api/v1/invitations/accept",
                   body={"token": token, "name": name,
                         "password": password or "Ein-gutes-%s-Passwort" % uniq()})


def test_coordinator_invites_a_respondent_who_accepts():
    oid, key, oname = make_org(member=True)
    coord = Session(make_user("coordinator"))
    email = "Eingeladen-%s@Example.org" % uniq()
    r = invite(coord, email, "respondent", oid)
    assert r.status == 201, r
    assert set(r.json) == {"id", "accept_url"}, r.json
    assert isinstance(r.json["id"], int)
    inv = r.json["id"]
    token = token_of(r)
    rows = psql("SELECT email, role, organisation_id, invited_by = :'p2', accepted_at IS NULL,"
                " expires_at - created_at = interval '14 days' FROM invitation WHERE id = :'p1'",
                r.json["id"], coord.user["id"])
    assert rows == [[email.lower(), "respondent", str(oid), "t", "t", "t"]], rows
    pw = "Ein-gutes-%s-Passwort" % uniq()
    a = accept(token, "Anna Antwort", pw)
    assert a.status == 201, a
    assert set(a.json) == {"user", "csrf"}
    user = a.json["user"]
    assert user["email"] == email.lower() and user["role"] == "respondent"
    assert user["name"] == "Anna Antwort"
    assert user["organisation"] == {"id": oid, "name": oname}, user
    tok, attrs = cookie_of(a)
    assert TOKEN_RE.match(tok) and "HttpOnly" in attrs and "SameSite=Strict" in attrs
    me = request("GET", "/api/v1/me", headers={"Cookie": "rg_session=" + tok})
    assert me.status == 200 and me.json == user, me
    # The answer's CSRF value belongs to that cookie.
    r = request("POST", "/api/v1/logout", headers={"Cookie": "rg_session=" + tok,
                                                   "X-CSRF-Token": a.json["csrf"]})
    assert r.status == 204, r
    # The new account signs in with the chosen password, stored as argon2id.
    assert hash_of(user["id"]).startswith(HASH_PREFIX)
    assert login_raw(email, pw).status == 200
    rows = psql("SELECT accepted_at IS NOT NULL, user_id FROM invitation WHERE id = :'p1'", inv)
    assert rows == [["t", str(user["id"])]], rows


def test_invitation_can_be_used_once():
    oid, key, _ = make_org()
    admin_s = Session(make_user("admin"))
    r = invite(admin_s, "once-%s@example.org" % uniq(), "respondent", oid)
    token = token_of(r)
    assert accept(token).status == 201
    expect_error(accept(token), 410, "gone")


def test_expired_or_unknown_invitation_is_gone():
    oid, key, _ = make_org()
    admin_s = Session(make_user("admin"))
    r = invite(admin_s, "late-%s@example.org" % uniq(), "respondent", oid)
    token = token_of(r)
    psql("UPDATE invitation SET expires_at = now() - interval '1 second' WHERE id = :'p1'", r.json["id"])
    expect_error(accept(token), 410, "gone")
    assert psql("SELECT accepted_at IS NULL FROM invitation WHERE id = :'p1'", r.json["id"]) == [["t"]]
    expect_error(accept("A" * 43), 410, "gone")
    expect_error(accept("not-a-token"), 410, "gone")


def test_accept_checks_the_password_policy_first():
    oid, key, _ = make_org()
    admin_s = Session(make_user("admin"))
    r = invite(admin_s, "weak-%s@example.org" % uniq(), "respondent", oid)
    token = token_of(r)
    for pw in ("kurz-11-zei", "äöüäöüäöüäö", "Passwort1234", "rathaus2025!", "zzzzzzzzzzzzzz",
               "1234567890123"):
        e = expect_error(accept(token, password=pw), 422, "invalid")
        assert [d["path"] for d in e["details"]] == ["/password"], (pw, e)
    # The invitation is still good after the refusals.
    assert accept(token, password="äöüßäöüßäöüX").status == 201


def test_accept_body_errors():
    for body, paths in (({}, ["/token", "/name", "/password"]),
                        ({"token": "x", "name": "n", "password": "Ein-gutes-Passwort", "role": "admin"},
                         ["/role"]),
                        ({"token": "x" * 65, "name": "n", "password": "Ein-gutes-Passwort"}, ["/token"]),
                        ({"token": "x", "name": "n" * 201, "password": "Ein-gutes-Passwort"}, ["/name"]),
                        ({"token": 1, "name": "", "password": "Ein-gutes-Passwort"}, ["/token", "/name"])):
        e = expect_error(request("POST", "/api/v1/invitations/accept", body=body), 422, "invalid")
        assert sorted(d["path"] for d in e["details"]) == sorted(paths), (body, e)
    expect_error(request("POST", "/api/v1/invitations/accept", raw=b"token=x",
                         headers={"Content-Type": "application/x-www-form-urlencoded"}),
                 415, "unsupported_media_type")


def test_accept_for_an_address_that_has_an_account_is_gone():
    oid, key, _ = make_org()
    u = make_user("respondent", key)
    admin_s = Session(make_user("admin"))
    r = invite(admin_s, u["email"], "respondent", oid)
    assert r.status == 201, r
    expect_error(accept(token_of(r)), 410, "gone")
    # The existing account is untouched.
    assert login_raw(u["email"], u["password"]).status == 200


def test_coordinator_may_not_invite_staff():
    coord = Session(make_user("coordinator"))
    for role in ("coordinator", "researcher", "admin"):
        email = "staff-%s@example.org" % uniq()
        expect_error(invite(coord, email, role), 403, "forbidden")
        assert psql("SELECT count(*) FROM invitation WHERE email = :'p1'", email) == [["0"]]


def test_coordinator_may_not_invite_for_a_non_member():
    oid, key, _ = make_org(member=False)
    coord = Session(make_user("coordinator"))
    e = expect_error(invite(coord, "nm-%s@example.org" % uniq(), "respondent", oid), 422, "invalid")
    assert [d["path"] for d in e["details"]] == ["/organisation_id"], e
    e = expect_error(invite(coord, "nm-%s@example.org" % uniq(), "respondent", 999999999999), 422, "invalid")
    assert [d["path"] for d in e["details"]] == ["/organisation_id"], e


def test_admin_invites_any_role():
    oid, key, _ = make_org(member=False)
    admin_s = Session(make_user("admin"))
    for role, org in (("respondent", oid), ("coordinator", None), ("researcher", None), ("admin", None)):
        email = "any-%s@example.org" % uniq()
        r = invite(admin_s, email, role, org)
        assert r.status == 201, (role, r)
        a = accept(token_of(r))
        assert a.status == 201, a
        assert a.json["user"]["role"] == role
        got = a.json["user"]["organisation"]
        assert (got is None) if org is None else (got["id"] == oid), a.json


def test_respondent_and_researcher_may_not_invite():
    oid, key, _ = make_org()
    for s in (Session(make_user("respondent", key)), Session(make_user("researcher"))):
        expect_error(invite(s, "r-%s@example.org" % uniq(), "respondent", oid), 403, "forbidden")
    expect_error(request("POST", "/api/v1/invitations",
                         body={"email": "r@example.org", "role": "respondent", "organisation_id": oid}),
                 401, "unauthenticated")


def test_invitation_body_errors():
    oid, key, _ = make_org()
    admin_s = Session(make_user("admin"))
    cases = [
        ({"email": "x@example.org", "role": "respondent"}, ["/organisation_id"]),
        ({"email": "x@example.org", "role": "researcher", "organisation_id": oid}, ["/organisation_id"]),
        ({"email": "kein-at", "role": "researcher"}, ["/email"]),
        ({"email": "x@example.org", "role": "king"}, ["/role"]),
        ({"email": "x@example.org", "role": "respondent", "organisation_id": "1"}, ["/organisation_id"]),
        ({"email": "x@example.org", "role": "respondent", "organisation_id": 0}, ["/organisation_id"]),
        ({"role": "researcher"}, ["/email"]),
        ({"email": "x@example.org", "role": "researcher", "name": "x"}, ["/name"]),
    ]
    for body, paths in cases:
        e = expect_error(admin_s.bearer("POST", "/api/v1/invitations", body=body), 422, "invalid")
        assert sorted(set(d["path"] for d in e["details"])) == sorted(paths), (body, e)


def test_invitation_audit_has_no_token():
    oid, key, _ = make_org()
    coord = Session(make_user("coordinator"))
    r = invite(coord, "audit-%s@example.org" % uniq(), "respondent", oid)
    token = token_of(r)
    a = accept(token)
    assert a.status == 201
    inv = r.json["id"]
    rows = psql("SELECT action, actor_id, organisation_id, detail->>'role' FROM audit_log"
                " WHERE action LIKE 'invitation%' AND (detail->>'invitation')::bigint = :'p1' ORDER BY id", inv)
    assert rows == [["invitation_created", str(coord.user["id"]), str(oid), "respondent"],
                    ["invitation_accepted", str(a.json["user"]["id"]), str(oid), "respondent"]], rows
    leaked = psql("SELECT count(*) FROM audit_log WHERE detail::text LIKE '%' || :'p1' || '%'"
                  " OR detail::text LIKE '%' || :'p2' || '%'", token, cookie_of(a)[0])
    assert leaked == [["0"]]


# ---------------------------------------------------------------- audit

def test_logins_are_audited():
    clear_login_failures()
    u = make_user("researcher")
    before = int(psql("SELECT coalesce(max(id), 0) FROM audit_log")[0][0])
    expect_error(login_raw(u["email"], "Falsches-Passwort"), 401, "invalid_credentials")
    s = Session(u)
    rows = psql("SELECT action, coalesce(actor_id::text, '-'), detail->>'email', detail->>'address'"
                " FROM audit_log WHERE id > :'p1' AND (actor_id = :'p2' OR detail->>'email' = :'p3')"
                " ORDER BY id", before, u["id"], u["email"])
    assert rows == [["login_failed", "-", u["email"], "127.0.0.1"],
                    ["login", str(u["id"]), "", "127.0.0.1"]], rows
    assert s.user["id"] == u["id"]
    clear_login_failures()


def test_no_password_or_token_in_audit_log_or_logs():
    clear_login_failures()
    oid, key, _ = make_org()
    u = make_user("admin")
    secrets = [u["password"]]
    s = Session(u)
    secrets += [s.token, s.csrf]
    expect_error(login_raw(u["email"], u["password"] + "-falsch"), 401, "invalid_credentials")
    secrets.append(u["password"] + "-falsch")
    r = invite(s, "leak-%s@example.org" % uniq(), "respondent", oid)
    token = token_of(r)
    pw = "Ein-gutes-%s-Passwort" % uniq()
    a = accept(token, password=pw)
    assert a.status == 201
    secrets += [token, pw, cookie_of(a)[0], a.json["csrf"]]
    # Refused requests that carry secrets are logged too.
    expect_error(accept(token, password=pw), 410, "gone")
    s.cookie("POST", "/api/v1/logout", csrf=False)
    audit = "\n".join(row[0] for row in psql("SELECT action || ' ' || detail::text FROM audit_log"))
    logdir = os.path.join(TEST_DIR, "log")
    # nginx writes its access log in blocks: reopening it writes out
    # what it holds.
    with open(os.path.join(TEST_DIR, "run", "nginx.pid")) as fh:
        os.kill(int(fh.read().strip()), signal.SIGUSR1)
    time.sleep(0.5)
    logs = ""
    for p in [os.path.join(logdir, f) for f in ("fcgi.log", "nginx-access.log", "nginx-error.log")] + \
            [os.path.join(TEST_DIR, "pg", "log", "postgresql.log")]:
        if os.access(p, os.R_OK):
            with open(p, encoding="utf-8", errors="replace") as fh:
                logs += fh.read()
    assert "route=login" in logs
    for sec in secrets:
        assert sec not in audit, "secret in audit_log"
        assert sec not in logs, "secret in a log file"
    clear_login_failures()


# ---------------------------------------------------------------- the matrix

def test_authorisation_matrix():
    """Every route of cgi/routes.c for every kind of caller, through the
    Bearer token and through the cookie with CSRF."""
    clear_login_failures()
    org_a, key_a, _ = make_org(member=True)
    org_b, key_b, _ = make_org(member=True)
    accounts = {
        "respondent_a": make_user("respondent", key_a),
        "respondent_b": make_user("respondent", key_b),
        "coordinator": make_user("coordinator"),
        "researcher": make_user("researcher"),
        "admin": make_user("admin"),
    }
    callers = ["anonymous"] + list(accounts)

    def new_org():
        return {"key": "99" + str(uuid.uuid4().int)[:10], "name": "Matrix " + uniq(), "kind": "gemeinde"}

    def new_invitation():
        return {"email": "m-%s@example.org" % uniq(), "role": "respondent", "organisation_id": org_a}

    def bad_accept():
        return {"token": "A" * 43, "name": "x", "password": "Ein-gutes-Passwort-42"}

    #        method  path                             body           anon resp_a resp_b coord resea admin
    table = [
        ("GET", "/api/v1/health", None, [200, 200, 200, 200, 200, 200]),
        ("POST", "/api/v1/login", lambda: {}, [422, 422, 422, 422, 422, 422]),
        ("GET", "/api/v1/me", None, [401, 200, 200, 200, 200, 200]),
        ("GET", "/api/v1/organisations", None, [401, 403, 403, 200, 403, 200]),
        ("POST", "/api/v1/organisations", new_org, [401, 403, 403, 403, 403, 201]),
        ("GET", "/api/v1/organisations/%d" % org_a, None, [401, 200, 404, 200, 404, 200]),
        ("GET", "/api/v1/organisations/%d" % org_b, None, [401, 404, 200, 200, 404, 200]),
        ("GET", "/api/v1/organisations/999999999999", None, [401, 404, 404, 404, 404, 404]),
        ("POST", "/api/v1/invitations", new_invitation, [401, 403, 403, 201, 403, 201]),
        ("POST", "/api/v1/invitations/accept", bad_accept, [410, 410, 410, 410, 410, 410]),
        ("POST", "/api/v1/logout", None, [401, 204, 204, 204, 204, 204]),
    ]
    # Every route of this handlers is in the table.
    mine = [(m, re.sub(r"\{id\}", "%d" % org_a, p)) for m, p, h, _ in routes_of()
            if h.startswith(("h_health_", "h_session_", "h_org_", "h_invite_"))]
    listed = {(m, p) for m, p, _, _ in table}
    assert all(r in listed for r in mine), set(mine) - listed
    codes = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 410: "gone", 422: "invalid"}
    failures = []
    for via in ("bearer", "cookie"):
        sessions = {name: Session(acc) for name, acc in accounts.items()}
        for method, path, body, want in table:
            for caller, status in zip(callers, want):
                b = body() if body else None
                if caller == "anonymous":
                    r = request(method, path, body=b)
                elif via == "bearer":
                    r = sessions[caller].bearer(method, path, body=b)
                else:
                    r = sessions[caller].cookie(method, path, body=b)
                ok = r.status == status
                if ok and status in codes:
                    ok = r.json["error"]["code"] == codes[status]
                if not ok:
                    failures.append((via, method, path, caller, status, r))
    assert not failures, "\n".join(repr(f) for f in failures)


def routes_of():
    """(method, pattern, handler, roles) of every route in cgi/routes.c."""
    with open(os.path.join(ROOT, "cgi", "routes.c")) as f:
        src = f.read()
    staff = re.search(r"#define STAFF \(([^)]*)\)", src)
    out = []
    for m in re.finditer(r"ROUTE\(\s*METHOD_(\w+),\s*\"([^\"]+)\",\s*(\w+),\s*([^,]+),", src):
        roles = m.group(4).strip()
        if staff:
            roles = roles.replace("STAFF", staff.group(1))
        out.append((m.group(1), m.group(2), m.group(3), roles))
    assert len(out) >= 9, out
    return out


def roles_of(expr):
    """The callers a route admits, from its roles expression."""
    expr = re.sub(r"[()\s]", "", expr)
    if expr == "ROUTE_PUBLIC":
        return {"anonymous", "respondent", "coordinator", "researcher", "admin"}
    out = set()
    for part in expr.split("|"):
        if part == "ROLES_SIGNED_IN":
            out |= {"respondent", "coordinator", "researcher", "admin"}
        else:
            assert part.startswith("ROLE_"), expr
            out.add(part[len("ROLE_"):].lower())
    return out


def test_role_gate_of_every_route():
    """Every route of cgi/routes.c, including those of later issues: a
    caller the route does not admit gets 401 (nobody signed in) or 403
    (wrong role) before the handler runs, whatever the path's ids."""
    oid, key, _ = make_org()
    sessions = {"respondent": Session(make_user("respondent", key))}
    for role in ("coordinator", "researcher", "admin"):
        sessions[role] = Session(make_user(role))
    failures = []
    for method, pattern, handler, expr in routes_of():
        admitted = roles_of(expr)
        path = pattern.replace("{id}", "999999999")
        for caller in ("anonymous", "respondent", "coordinator", "researcher", "admin"):
            if caller in admitted:
                continue
            if caller == "anonymous":
                r = request(method, path)
                want = (401, "unauthenticated")
            else:
                r = sessions[caller].bearer(method, path)
                want = (403, "forbidden")
            got = (r.status, r.json["error"]["code"] if r.status >= 400 else None)
            if got != want:
                failures.append((method, pattern, caller, want, r))
    assert not failures, "\n".join(repr(f) for f in failures)


def test_user_add_again_ends_the_accounts_sessions():
    import uuid as _uuid
    from lib import admin as _admin, request as _request
    email = "again-%s@example.org" % _uuid.uuid4().hex[:10]
    _admin("user", "add", "--email", email, "--role", "researcher", stdin="ein-langes-passwort-1\n")
    r = _request("POST", "/api/v1/login", body={"email": email, "password": "ein-langes-passwort-1"})
    assert r.status == 200, r
    token = [c for c in r.headers_all("Set-Cookie") if c.startswith("rg_session=")][0].split(";")[0].split("=", 1)[1]
    bearer = {"Authorization": "Bearer " + token}
    assert _request("GET", "/api/v1/me", headers=bearer).status == 200
    _admin("user", "add", "--email", email, "--role", "coordinator", stdin="ein-anderes-passwort-2\n")
    assert _request("GET", "/api/v1/me", headers=bearer).status == 401
    r = _request("POST", "/api/v1/login", body={"email": email, "password": "ein-anderes-passwort-2"})
    assert r.status == 200 and r.json["user"]["role"] == "coordinator", r
