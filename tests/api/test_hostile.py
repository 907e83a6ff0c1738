"""Hostile and malformed requests against every endpoint that takes a body,
and against the router and the authentication: broken JSON, deep nesting,
huge numbers, invalid UTF-8, NUL, surrogates, oversized fields and bodies,
wrong types and media types, path tricks, SQL and script payloads, garbage
cookies and Authorization headers. Each must get a precise 4xx JSON error
(code, and the path of each problem), never a 5xx; nothing may be written;
and afterwards the server is healthy with the same workers.

A few requests never reach the application: nginx itself refuses them
(a NUL or a ".." above the root in the path, a malformed Content-Length,
TRACE). For those only the status is checked."""
import json
import socket

from lib import HOST, PORT, expect_error, psql, request
from survey_helpers import (Survival, default_definition, expect_invalid, iso, items_of,
                            load_default, make_wave, municipality, response_row, staff)

_fx = {}


def fx():
    """The fixture of this file: a wave, a municipality whose response is
    submitted (so that a stray reopen or save would show), and sessions."""
    if not _fx:
        qid = load_default()
        wid = make_wave(qid, "open")
        oid, key, (resp,) = municipality()
        answers = {it: {"level": 2} for it in items_of(default_definition())}
        r = resp.put("/api/v1/waves/%d/response" % wid, {"revision": 0, "answers": answers})
        assert r.status == 200, r
        r = resp.post("/api/v1/waves/%d/response/submit" % wid, {"revision": 1})
        assert r.status == 200, r
        _fx.update(qid=qid, wave=wid, org=oid, respondent=resp,
                   coordinator=staff("coordinator"), admin=staff("admin"))
    return _fx


def endpoints():
    """Every route that takes a body: (method, path, session or None)."""
    f = fx()
    w, o = f["wave"], f["org"]
    return [
        ("POST", "/api/v1/login", None),
        ("POST", "/api/v1/logout", f["respondent"]),
        ("POST", "/api/v1/organisations", f["admin"]),
        ("POST", "/api/v1/invitations", f["coordinator"]),
        ("POST", "/api/v1/invitations/accept", None),
        ("POST", "/api/v1/questionnaires", f["admin"]),
        ("POST", "/api/v1/waves", f["coordinator"]),
        ("PATCH", "/api/v1/waves/%d" % w, f["coordinator"]),
        ("PUT", "/api/v1/waves/%d/response" % w, f["respondent"]),
        ("POST", "/api/v1/waves/%d/response/submit" % w, f["respondent"]),
        ("POST", "/api/v1/waves/%d/responses/%d/reopen" % (w, o), f["coordinator"]),
    ]


def send(method, path, session, raw=None, body=None, headers=None):
    if session is None:
        h = {"Content-Type": "application/json"} if raw is not None else {}
        h.update(headers or {})
        return request(method, path, body=body, raw=raw, headers=h)
    return session.req(method, path, body=body, raw=raw, headers=headers)


FINGERPRINT = """
SELECT (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY id), '')) FROM organisation t),
       (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY id), '')) FROM app_user t),
       (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY id), '')) FROM invitation t),
       (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY id), '')) FROM questionnaire t),
       (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY id), '')) FROM wave t),
       (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY id), '')) FROM response t),
       (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY key), '')) FROM setting t),
       (SELECT count(*) FROM session), (SELECT count(*) FROM login_failure),
       (SELECT count(*) FROM audit_log)
"""


def fingerprint():
    """What the database holds, apart from sessions' last-seen times."""
    return psql(FINGERPRINT)


class Unchanged:
    def __init__(self):
        self.before = fingerprint()

    def check(self, what=""):
        after = fingerprint()
        assert after == self.before, ("something was written", what, self.before, after)


def raw_http(data, timeout=20):
    """Sends raw bytes on a fresh connection; returns (status, headers
    text, body)."""
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    finally:
        s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, head.decode("latin-1"), body


# ------------------------------------------------------------ bodies

DEEP_ARRAY = b"[" * 10000 + b"]" * 10000
DEEP_OBJECT = b'{"a":' * 10000 + b"1" + b"}" * 10000

MALFORMED = [
    b"{",
    b"}",
    b'{"a":}',
    b'{"a" 1}',
    b"{a:1}",
    b"{'a':1}",
    b'{"a":1,}',
    b'{"a":1}}',
    b'{"a":1} {"b":2}',
    b'{"a":[1,2}',
    b'{"a":tru}',
    b'{"a":undefined}',
    b'{"a":NaN}',
    b'{"a":Infinity}',
    b'{"a":-}',
    b'{"a":01}',
    b'{"a":1.}',
    b'{"a":.5}',
    b'{"a":0x10}',
    b'{"a":"unterminated}',
    b'{"a":"\\x41"}',
    b'{"a":"\\u12"}',
    b'{"a":"line\nbreak"}',
    b'{"a":1}\x00',
    b"\x00",
    b"\xef\xbb\xbf{}",
    b"",
    b"   \n\t ",
    b"// comment\n{}",
    b'{"a":1, "a":2}',
    DEEP_ARRAY,
    DEEP_OBJECT,
    b'{"a":' + b"[" * 3000 + b"]" * 3000 + b"}",
    b'{"a":1e400}',
    b'{"a":-1e400}',
    b'{"a":99999999999999999999}',
    b'{"a":-99999999999999999999}',
    b'{"a":"\xff"}',
    b'{"a":"\xc3"}',
    b'{"a":"\xc0\x80"}',
    b'{"a":"\xed\xa0\x80"}',
    b'{"a":"\xf4\x90\x80\x80"}',
    b'{"\xfe":1}',
    b'{"a":"\\ud800"}',
    b'{"a":"\\udfff"}',
    b'{"a":"\\ud800\\u0041"}',
    b'{"a":"x\\u0000y"}',
    b'{"\\u0000":1}',
    b'{"a":"x\x00y"}',
    b'{"a":"x\x1fy"}',
    "{\"a\":\"Ä\"}".encode("latin-1"),
    "{\"a\":\"Ä\"}".encode("utf-16"),
]


def test_malformed_json_is_400_at_every_endpoint_and_writes_nothing():
    alive = Survival()
    eps = endpoints()
    same = Unchanged()
    for method, path, s in eps:
        for raw in MALFORMED:
            r = send(method, path, s, raw=raw)
            e = expect_error(r, 400, "malformed_json")
            assert len(e["details"]) == 1 and e["details"][0]["path"] == "", (path, raw[:40], e)
            assert e["details"][0]["problem"], e
    same.check("malformed")
    # The respondent is still signed in: logout with a bad body did nothing.
    assert fx()["respondent"].get("/api/v1/me").status == 200
    alive.check()


def test_wrong_media_types_are_415_everywhere():
    alive = Survival()
    same = Unchanged()
    good = b'{"revision": 1}'
    for method, path, s in endpoints():
        for ct in ("text/plain", "text/json", "application/x-www-form-urlencoded",
                   "multipart/form-data; boundary=xyz", "application/xml",
                   "application/json; charset=iso-8859-1", "application/json; charset=utf-16",
                   "application/json-seq", "application/jsonx", "application/json, text/plain",
                   "application/json;charset", "json", "*/*", "application/*"):
            r = send(method, path, s, raw=good, headers={"Content-Type": ct})
            e = expect_error(r, 415, "unsupported_media_type")
            assert e["details"] == [], e
        # A body without any Content-Type.
        if s is None:
            r = request(method, path, raw=good)
        else:
            r = s.req(method, path, raw=good, headers={"Content-Type": ""})
        expect_error(r, 415, "unsupported_media_type")
    same.check("media types")
    alive.check()


def test_bodies_over_1_mib_are_413_everywhere():
    alive = Survival()
    same = Unchanged()
    big_string = b'{"a":"' + b"x" * (1024 * 1024) + b'"}'
    big_array = b"[" + b"1," * (600 * 1024) + b"1]"
    exact = b'{"a":1}'
    exact += b" " * (1024 * 1024 + 1 - len(exact))
    for method, path, s in endpoints():
        for raw in (big_string, big_array, exact):
            r = send(method, path, s, raw=raw)
            e = expect_error(r, 413, "body_too_large")
            assert e["details"] == []
    same.check("413")
    # Exactly 1 MiB is read and answered on its merits.
    f = fx()
    body = b'{"questionnaire_id":1,"title":"x","opens_at":"2031","closes_at":"y","zz":1}'
    body += b" " * (1024 * 1024 - len(body))
    expect_invalid(f["coordinator"].req("POST", "/api/v1/waves", raw=body), ["/zz"])
    same.check("1 MiB")
    alive.check()


def test_huge_valid_bodies_are_answered_and_bounded():
    alive = Survival()
    f = fx()
    w = f["wave"]
    _, _, (fresh,) = municipality()
    same = Unchanged()
    # 40,000 unknown keys (under 1 MiB), 100 problems named.
    many = {"k%06d" % i: i for i in range(40000)}
    assert len(json.dumps(many)) < 1024 * 1024
    for method, path, s in endpoints():
        if path.endswith("/logout") or path.endswith("/reopen"):
            continue
        r = send(method, path, s, body=many)
        e = expect_error(r, 422, "invalid")
        assert len(e["details"]) == 100, (path, len(e["details"]))
        assert all(d["problem"] == "unknown key" for d in e["details"]), e
    # One key of 400,000 characters: the path is cut, still valid UTF-8.
    r = f["coordinator"].req("POST", "/api/v1/waves",
                             raw=json.dumps({"ä" * 400000: 1}, ensure_ascii=False).encode())
    e = expect_error(r, 422, "invalid")
    assert e["details"][0]["path"].startswith("/ää") and len(e["details"][0]["path"]) < 200, e
    # Long keys of multi-byte characters at every offset: the path is cut
    # between characters, never inside one, and every problem is named.
    for key in ["a" + "ä" * 300, "ab" + "€" * 300, "a" + "😀" * 100, "ab" + "😀" * 100,
                "abc" + "😀" * 100, "~" + "ä" * 300, "/a" + "€" * 300]:
        for method, path, s in ((("POST", "/api/v1/waves", f["coordinator"])),
                                ("PUT", "/api/v1/waves/%d/response" % w, fresh),
                                ("POST", "/api/v1/login", None)):
            r = send(method, path, s, raw=json.dumps({key: 1}, ensure_ascii=False).encode())
            e = expect_error(r, 422, "invalid")
            unknown = [d for d in e["details"] if d["problem"] == "unknown key"]
            assert len(unknown) == 1, (path, key[:5], e)
            p = unknown[0]["path"]
            esc = "/" + key.replace("~", "~0").replace("/", "~1")
            assert esc.startswith(p) and 150 <= len(p.encode()) < 160, (p, key[:5])
    # Nesting within jansson's limit of 2,048 is parsed, then refused.
    deep = b"[" * 2000 + b"]" * 2000
    r = fresh.req("PUT", "/api/v1/waves/%d/response" % w,
                  raw=b'{"revision": 0, "answers": {"D1.1": {"comment": ' + deep + b"}}}")
    expect_invalid(r, ["/answers/D1.1/comment"])
    deep = b'{"a":' * 2000 + b"1" + b"}" * 2000
    r = f["admin"].req("POST", "/api/v1/questionnaires", raw=b'{"slug": "x", "a": ' + deep + b"}")
    expect_invalid(r, ["/a", "/version", "/title", "/levels", "/dimensions"])
    r = f["coordinator"].req("POST", "/api/v1/waves", raw=b'{"title": ' + deep + b"}")
    expect_invalid(r, ["/title", "/questionnaire_id", "/opens_at", "/closes_at"])
    same.check("huge")
    alive.check()


def wrong_types():
    """Per endpoint: valid JSON with wrong types, and the paths expected."""
    w, o = fx()["wave"], fx()["org"]
    return {
        "/api/v1/login": ({"email": 5, "password": []}, ["/email", "/password"]),
        "/api/v1/organisations": ({"key": 5, "name": [], "kind": {}, "population": "12",
                                   "member": "yes"},
                                  ["/key", "/name", "/kind", "/population", "/member"]),
        "/api/v1/invitations": ({"email": 5, "role": [], "organisation_id": "1"},
                                ["/email", "/role", "/organisation_id"]),
        "/api/v1/invitations/accept": ({"token": 5, "name": [], "password": {}},
                                       ["/token", "/name", "/password"]),
        "/api/v1/questionnaires": ({"slug": 5, "version": "1", "title": [], "levels": {},
                                    "dimensions": "x"},
                                   ["/slug", "/version", "/title", "/levels", "/dimensions"]),
        "/api/v1/waves": ({"questionnaire_id": "1", "title": [], "opens_at": 5,
                           "closes_at": True},
                          ["/questionnaire_id", "/title", "/opens_at", "/closes_at"]),
        "/api/v1/waves/%d" % w: ({"closes_at": 5, "state": []}, ["/closes_at", "/state"]),
        "/api/v1/waves/%d/response" % w: ({"revision": "1", "answers": []},
                                          ["/revision", "/answers"]),
        "/api/v1/waves/%d/response/submit" % w: ({"revision": "1"}, ["/revision"]),
    }


def test_wrong_types_are_422_with_every_path():
    alive = Survival()
    same = Unchanged()
    table = wrong_types()
    for method, path, s in endpoints():
        if path not in table:
            continue
        body, paths = table[path]
        expect_invalid(send(method, path, s, body=body), paths)
        # A list or a string where the object belongs.
        expect_invalid(send(method, path, s, body=[body]), [""])
        # Numbers beyond every range, as valid JSON.
        big = {k: 1e308 for k in body}
        expect_invalid(send(method, path, s, body=big), paths)
        big = {k: -9223372036854775808 for k in body}
        expect_invalid(send(method, path, s, body=big), paths)
    same.check("wrong types")
    alive.check()


def test_oversized_fields_are_422():
    alive = Survival()
    same = Unchanged()
    f = fx()
    w = f["wave"]
    long = "x" * 300000
    cases = [
        (None, "POST", "/api/v1/login", {"email": long + "@example.org", "password": "x" * 20},
         ["/email"]),
        (None, "POST", "/api/v1/login", {"email": "a@example.org", "password": long},
         ["/password"]),
        (f["coordinator"], "POST", "/api/v1/waves",
         {"questionnaire_id": f["qid"], "title": long, "opens_at": iso(-1), "closes_at": iso(1)},
         ["/title"]),
        (f["coordinator"], "POST", "/api/v1/waves",
         {"questionnaire_id": f["qid"], "title": "x", "opens_at": "2031-01-01T00:00:00" + "0" * 100,
          "closes_at": iso(1)}, ["/opens_at"]),
        (f["coordinator"], "PATCH", "/api/v1/waves/%d" % w, {"closes_at": long}, ["/closes_at"]),
        (f["coordinator"], "PATCH", "/api/v1/waves/%d" % w, {"state": long}, ["/state"]),
        (f["admin"], "POST", "/api/v1/organisations",
         {"key": "99" + "1" * 100, "name": long, "kind": "gemeinde"}, ["/key", "/name"]),
        (f["coordinator"], "POST", "/api/v1/invitations",
         {"email": "a" * 250 + "@example.org", "role": "respondent", "organisation_id": f["org"]},
         ["/email"]),
    ]
    for s, method, path, body, paths in cases:
        expect_invalid(send(method, path, s, body=body), paths)
    same.check("oversized")
    # The response is submitted; oversized answers are still refused first.
    wid = make_wave(f["qid"], "open")
    oid, _, (resp,) = municipality()
    for body, paths in (({"revision": 0, "answers": {"D1.1": {"comment": long}}},
                         ["/answers/D1.1/comment"]),
                        ({"revision": 0, "answers": {long: {"level": 1}}}, None)):
        r = resp.put("/api/v1/waves/%d/response" % wid, body)
        e = expect_error(r, 422, "invalid")
        if paths:
            assert [d["path"] for d in e["details"]] == paths, e
        else:
            assert e["details"][0]["path"].startswith("/answers/xxx"), e
            assert e["details"][0]["problem"] == "unknown item"
    assert response_row(wid, oid) is None
    alive.check()


def test_sql_and_script_payloads_in_validated_fields_are_refused():
    alive = Survival()
    same = Unchanged()
    f = fx()
    w = f["wave"]
    sql = "1'; DROP TABLE response; --"
    xss = "<script>alert(1)</script>"
    cases = [
        (f["coordinator"], "POST", "/api/v1/waves",
         {"questionnaire_id": sql, "title": "x", "opens_at": iso(-1), "closes_at": iso(1)},
         ["/questionnaire_id"]),
        (f["coordinator"], "POST", "/api/v1/waves",
         {"questionnaire_id": f["qid"], "title": "x", "opens_at": "2031-01-01" + sql[1:],
          "closes_at": iso(1)}, ["/opens_at"]),
        (f["coordinator"], "POST", "/api/v1/waves",
         {"questionnaire_id": f["qid"], "title": "x", "opens_at": iso(-1),
          "closes_at": "2031-01-01T00:00:00Z' OR '1'='1"}, ["/closes_at"]),
        (f["coordinator"], "PATCH", "/api/v1/waves/%d" % w, {"state": "closed' OR '1'='1"},
         ["/state"]),
        (f["coordinator"], "PATCH", "/api/v1/waves/%d" % w, {sql: 1}, ["/" + sql]),
        (f["respondent"], "PUT", "/api/v1/waves/%d/response" % w,
         {"revision": sql, "answers": {}}, ["/revision"]),
        (f["admin"], "POST", "/api/v1/questionnaires",
         {"slug": sql, "version": 1, "title": {"de": xss}, "levels": [], "dimensions": []},
         ["/slug", "/levels", "/dimensions"]),
        (f["admin"], "POST", "/api/v1/organisations",
         {"key": sql, "name": xss, "kind": "gemeinde" + sql}, ["/key", "/kind"]),
        (f["coordinator"], "POST", "/api/v1/invitations",
         {"email": xss, "role": sql, "organisation_id": f["org"]}, ["/email", "/role"]),
    ]
    for s, method, path, body, paths in cases:
        expect_invalid(send(method, path, s, body=body), paths)
    same.check("payloads")
    alive.check()


def test_sql_and_script_payloads_in_free_text_are_stored_verbatim():
    f = fx()
    alive = Survival()
    title = "Welle'); DELETE FROM wave; -- <img src=x onerror=alert(1)> \u202e ${7*7} {{7*7}}"
    r = f["coordinator"].post("/api/v1/waves", {"questionnaire_id": f["qid"], "title": title,
                                                "opens_at": iso(-1), "closes_at": iso(2)})
    assert r.status == 201 and r.json["title"] == title, r
    wid = r.json["id"]
    assert psql("SELECT title FROM wave WHERE id = :'p1'", wid) == [[title]]
    assert int(psql("SELECT count(*) FROM wave")[0][0]) > 1
    oid, _, (resp,) = municipality()
    comment = "x\"); DROP TABLE response; --\n<script>document.cookie</script>\\u0000"
    r = resp.put("/api/v1/waves/%d/response" % wid,
                 {"revision": 0, "answers": {"D1.1": {"comment": comment}}})
    assert r.status == 200, r
    g = resp.get("/api/v1/waves/%d/response" % wid)
    assert g.json["answers"]["D1.1"]["comment"] == comment
    assert g.header("Content-Type") == "application/json; charset=utf-8"
    assert b"<script>" in g.body   # JSON, not HTML: served as data, never as a page
    assert response_row(wid, oid)["answers"]["D1.1"]["comment"] == comment
    alive.check()


# ------------------------------------------------------------ paths

def test_path_tricks():
    alive = Survival()
    same = Unchanged()
    f = fx()
    s, w = f["respondent"], f["wave"]
    for p in ("/api/v1/waves/0%d/response" % w, "/api/v1/waves/-%d/response" % w,
              "/api/v1/waves/01/response", "/api/v1/waves/-1/response",
              "/api/v1/waves/0/response", "/api/v1/waves/+1/response",
              "/api/v1/waves/1%2F2/response", "/api/v1/waves/1%252F2/response",
              "/api/v1/waves/1e3/response", "/api/v1/waves/0x1/response",
              "/api/v1/waves/1.0/response", "/api/v1/waves/%20" + str(w) + "/response",
              "/api/v1/waves/%d%%20/response" % w, "/api/v1/waves/%EF%BC%91/response",
              "/api/v1/waves/9007199254740992/response",
              "/api/v1/waves/99999999999999999999999999/response",
              "/api/v1/waves/%d/response/" % w, "/api/v1/waves/%d/response;x" % w,
              "/api/v1/waves/%d/Response" % w, "/api/v1/waves/%d/response%%2F" % w,
              "/api/v1/waves/%d/response%%FF" % w, "/api/v1/waves//response",
              "/api/v1/waves/%d/response/submit/x" % w, "/api/v1/waves/..%2F..%2Fhealth",
              "/api/v1/waves/%d/%s" % (w, "a" * 300), "/api/v1/waves/%d/response%%C0%%AF" % w):
        for method, body in (("GET", None), ("PUT", {"revision": 1, "answers": {}}),
                             ("POST", {"revision": 1})):
            r = s.req(method, p, body)
            assert r.status == 404, (p, r)
            expect_error(r, 404, "not_found")
    # Dot segments and doubled slashes are resolved by nginx before
    # routing: the same resource, not a way around anything.
    for p in ("/api/v1/../v1/health", "/api/v1/%2e%2e/v1/health", "/api/v1/./health",
              "/api/v1//health"):
        r = request("GET", p)
        assert r.status == 200 and r.json["status"] == "ok", (p, r)
    # ".." as the last segment leaves a trailing slash: no route.
    expect_error(s.get("/api/v1/waves/%d/response/submit/.." % w), 404, "not_found")
    # Outside /api/ it is the static site's 404.
    assert request("GET", "/API/v1/waves/%d/response" % w).status == 404
    # What nginx refuses itself (HTML, not ours): only the status counts.
    for p in ("/api/v1/health%00", "/../api/v1/health", "/api/v1/../../../etc/passwd"):
        assert request("GET", p).status == 400, p
    same.check("paths")
    alive.check()


def test_methods_outside_the_table():
    alive = Survival()
    f = fx()
    w = f["wave"]
    for m in ("OPTIONS", "FOO", "DELETE", "PROPFIND"):
        r = f["respondent"].req(m, "/api/v1/waves/%d/response" % w)
        expect_error(r, 405, "method_not_allowed")
        assert r.header("Allow") == "GET, PUT", r.headers
    r = f["respondent"].req("GET", "/api/v1/waves/%d/response/submit" % w)
    expect_error(r, 405, "method_not_allowed")
    assert r.header("Allow") == "POST"
    # A body on a GET is ignored, whatever it holds.
    r = f["respondent"].req("GET", "/api/v1/waves/%d/response" % w, raw=b"\xff{[")
    assert r.status == 200, r
    assert request("TRACE", "/api/v1/health").status == 405
    alive.check()


# ------------------------------------------------------------ identity

def garbage_credentials(token):
    """Headers that must not authenticate anyone."""
    return [
        {"Cookie": "rg_session=" + "A" * 43},
        {"Cookie": "rg_session=" + token[:-1] + ("A" if token[-1] != "A" else "B")},
        {"Cookie": "rg_session=" + token + "x"},
        {"Cookie": "rg_session=" + token[:42]},
        {"Cookie": "rg_session=" + token[:20] + "%" + token[21:]},
        {"Cookie": "rg_session=" + token[:20] + "'" + token[21:]},
        {"Cookie": "rg_session=" + "A" * 4000},
        {"Cookie": "rg_session"},
        {"Cookie": "rg_session="},
        {"Cookie": ";;;;=;=;rg_session;="},
        {"Cookie": "RG_SESSION=" + token},
        {"Cookie": "xrg_session=" + token},
        {"Cookie": "rg_session=\xff\xfe\xfd"},
        {"Cookie": "rg_session=' OR '1'='1"},
        {"Cookie": "rg_session=" + "é" * 43},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer " + "A" * 43},
        {"Authorization": "Bearer " + token + "A"},
        {"Authorization": "Bearer " + token + " " + token},
        {"Authorization": "Bearer " + "A" * 6000},
        {"Authorization": "Basic " + token},
        {"Authorization": "Token " + token},
        {"Authorization": token},
        {"Authorization": "Bearer\t" + token},
        {"Authorization": "Bearer ' OR 1=1 --"},
        {"Authorization": "Bearer \xff\xfe"},
        # A bad Bearer wins over a good cookie: no mixing.
        {"Authorization": "Bearer " + "B" * 43, "Cookie": "rg_session=" + token},
    ]


def test_garbage_cookies_and_authorization_are_401():
    alive = Survival()
    same = Unchanged()
    f = fx()
    s, w = f["respondent"], f["wave"]
    for h in garbage_credentials(s.token):
        h = dict(h)
        h.setdefault("X-CSRF-Token", s.csrf)
        r = request("GET", "/api/v1/waves", headers=h)
        expect_error(r, 401, "unauthenticated")
        r = request("PUT", "/api/v1/waves/%d/response" % w,
                    body={"revision": 1, "answers": {"D1.1": {"level": 0}}}, headers=h)
        expect_error(r, 401, "unauthenticated")
        r = request("POST", "/api/v1/waves/%d/responses/%d/reopen" % (w, f["org"]),
                    headers=dict(h, **{"Content-Type": "application/json"}), raw=b"{}")
        expect_error(r, 401, "unauthenticated")
    same.check("credentials")
    # The real token in odd but valid spellings still works.
    for h in ({"Authorization": "bearer " + s.token},
              {"Authorization": "Bearer   " + s.token + "  "},
              {"Cookie": "other=1; rg_session=" + s.token + "; more=2"}):
        assert request("GET", "/api/v1/waves", headers=h).status == 200, h
    alive.check()


def test_garbage_csrf_headers_are_403():
    alive = Survival()
    same = Unchanged()
    f = fx()
    c, w = f["coordinator"], f["wave"]
    for bad in ("", "x", c.csrf[:-1], c.csrf + "x", c.csrf.lower() if c.csrf != c.csrf.lower()
                else c.csrf.upper(), "A" * 43, "' OR '1'='1", "A" * 5000, f["respondent"].csrf):
        r = c.req("PATCH", "/api/v1/waves/%d" % w, {"state": "closed"}, cookie=True,
                  headers={"X-CSRF-Token": bad})
        expect_error(r, 403, "csrf_failed")
    same.check("csrf")
    alive.check()


# ------------------------------------------------------------ framing

def test_http_framing_tricks():
    alive = Survival()
    same = Unchanged()
    f = fx()
    tok = f["coordinator"].token
    w = f["wave"]
    # Chunked bodies are buffered by nginx and read like any other.
    body = b'{"closes_at": 5}'
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    st, head, out = raw_http(b"PATCH /api/v1/waves/%d HTTP/1.1\r\nHost: x\r\n"
                             b"Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                             b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n%s"
                             % (w, tok.encode(), chunked))
    assert st == 422 and json.loads(out)["error"]["details"][0]["path"] == "/closes_at", out
    # A Content-Length that is not a number, or two of them: nginx says 400.
    for cl in (b"Content-Length: abc\r\n", b"Content-Length: -1\r\n",
               b"Content-Length: 2\r\nContent-Length: 3\r\n"):
        st, _, _ = raw_http(b"PATCH /api/v1/waves/%d HTTP/1.1\r\nHost: x\r\n"
                            b"Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                            b"%sConnection: close\r\n\r\n{}" % (w, tok.encode(), cl))
        assert st == 400, (cl, st)
    # Header lines of odd bytes.
    st, _, out = raw_http(b"GET /api/v1/waves HTTP/1.1\r\nHost: x\r\n"
                          b"Cookie: rg_session=\xff\xfe\x01\x7f\r\nConnection: close\r\n\r\n")
    assert st == 401 and json.loads(out)["error"]["code"] == "unauthenticated", out
    st, _, out = raw_http(b"GET /api/v1/waves HTTP/1.1\r\nHost: x\r\n"
                          b"X-Request-Id: ../../etc/passwd\r\nAuthorization: Bearer %s\r\n"
                          b"Connection: close\r\n\r\n" % tok.encode())
    assert st == 200, st
    same.check("framing")
    alive.check()


def test_the_fixture_is_intact_at_the_end():
    f = fx()
    row = response_row(f["wave"], f["org"])
    assert row["state"] == "submitted" and row["revision"] == 1, row
    assert f["respondent"].get("/api/v1/me").status == 200
    r = request("GET", "/api/v1/health")
    assert r.status == 200 and r.json == {"status": "ok", "db": "ok", "version": r.json["version"]}
