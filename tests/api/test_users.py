"""Accounts for admins: GET /api/v1/users (filters, cursor pagination, no
password hashes) and PATCH /api/v1/users/{id} (role, organisation, name;
the rules of invitations; sessions end at once on a change of role or
organisation; the audit entry; 404, 422 with paths, 409 for the last
admin; only admins)."""
import json
import re
import threading
import urllib.parse

from lib import expect_error, psql, request
from test_accounts import Session, clear_login_failures, make_org, uniq
from test_accounts import make_user as _make_user

ITEM_KEYS = {"id", "email", "name", "role", "organisation", "created_at"}
ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

_admin = {}


def make_user(role, org_key=None, name=None):
    """An account made with the admin tool (test_accounts.make_user), with
    its name in the answer."""
    name = name or "Person %s %s" % (role, uniq()[:6])
    u = _make_user(role, org_key, name=name)
    u["name"] = name
    return u


def send(session, method, path, raw=None, body=None, headers=None):
    """A Bearer request that may carry raw bytes as its body."""
    h = {"Authorization": "Bearer " + session.token}
    h.update(headers or {})
    return request(method, path, body=body, raw=raw, headers=h)


def admin_session():
    """One signed-in admin for the whole file (a fresh one after a test
    that demoted it)."""
    s = _admin.get("s")
    if s is None or s.bearer("GET", "/api/v1/me").status != 200:
        clear_login_failures()
        s = _admin["s"] = Session(make_user("admin"))
    return s


def users(session, **params):
    return session.bearer("GET", "/api/v1/users?" + urllib.parse.urlencode(params))


def patch(session, uid, body, **kw):
    return session.bearer("PATCH", "/api/v1/users/%d" % uid, body=body, **kw)


def list_all(session, **params):
    """Follows next_cursor to the end; returns every item."""
    items, cursor = [], None
    for _ in range(1000):
        p = dict(params)
        if cursor:
            p["cursor"] = cursor
        r = users(session, **p)
        assert r.status == 200, r
        items += r.json["items"]
        cursor = r.json["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("no end of the list")


def account_row(uid):
    """role, organisation id ('' for none) and name as stored."""
    return psql("SELECT role, coalesce(organisation_id::text, ''), name FROM app_user"
                " WHERE id = :'p1'", uid)[0]


def sessions_of(uid):
    return int(psql("SELECT count(*) FROM session WHERE user_id = :'p1'", uid)[0][0])


def audit_since(before, uid):
    """(action, actor, organisation, detail) of the entries about account
    uid written after audit id before."""
    rows = psql("SELECT action, coalesce(actor_id::text, ''), coalesce(organisation_id::text, ''),"
                " detail::text FROM audit_log WHERE id > :'p1' AND detail->>'user' = :'p2'"
                " ORDER BY id", before, uid)
    return [(a, actor, org, json.loads(d)) for a, actor, org, d in rows]


def audit_max():
    return int(psql("SELECT coalesce(max(id), 0) FROM audit_log")[0][0])


class OnlyAdmins:
    """Within the block, the given accounts are the only admins: every
    other admin is a researcher meanwhile (as the superuser, behind the
    API's back) and an admin again afterwards."""

    def __init__(self, *ids):
        self.ids = [str(i) for i in ids]

    def __enter__(self):
        rows = psql("UPDATE app_user SET role = 'researcher' WHERE role = 'admin'"
                    " AND NOT (id::text = ANY (string_to_array(:'p1', ','))) RETURNING id",
                    ",".join(self.ids))
        self.others = [r[0] for r in rows]
        return self

    def __exit__(self, *exc):
        if self.others:
            psql("UPDATE app_user SET role = 'admin'"
                 " WHERE id::text = ANY (string_to_array(:'p1', ','))", ",".join(self.others))
        return False


# ---------------------------------------------------------------- list

def test_list_items_have_exactly_the_documented_fields():
    tag = uniq()
    oid, key, oname = make_org()
    resp = make_user("respondent", key, name="Liste Respondentin " + tag)
    coord = make_user("coordinator", name="Liste Koordinator " + tag)
    r = users(admin_session(), q=tag)
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/json; charset=utf-8"
    j = r.json
    assert set(j) == {"items", "next_cursor"} and j["next_cursor"] is None, j
    by_id = {u["id"]: u for u in j["items"]}
    assert set(by_id) == {resp["id"], coord["id"]}, j
    for u in j["items"]:
        assert set(u) == ITEM_KEYS, u
        assert ISO_RE.match(u["created_at"]), u
    assert by_id[resp["id"]]["organisation"] == {"id": oid, "name": oname}
    assert by_id[resp["id"]]["email"] == resp["email"]
    assert by_id[resp["id"]]["role"] == "respondent"
    assert by_id[resp["id"]]["name"] == "Liste Respondentin " + tag
    assert by_id[coord["id"]]["organisation"] is None
    # Never a password hash, not even a piece of one.
    assert b"argon2" not in r.body and b"password" not in r.body, r.body


def test_list_filters_by_role_organisation_and_text():
    tag = uniq()
    oid, key, _ = make_org()
    oid2, key2, _ = make_org()
    a = make_user("respondent", key, name="Filter Anna " + tag)
    b = make_user("respondent", key2, name="Filter Bert " + tag)
    c = make_user("researcher", name="Filter Carla " + tag)
    s = admin_session()

    def ids(**params):
        return {u["id"] for u in list_all(s, **params)}

    assert ids(q=tag) == {a["id"], b["id"], c["id"]}
    assert ids(q=tag, role="respondent") == {a["id"], b["id"]}
    assert ids(q=tag, role="researcher") == {c["id"]}
    assert ids(q=tag, role="admin") == set()
    assert ids(organisation_id=oid) == {a["id"]}
    assert ids(organisation_id=oid2, role="respondent") == {b["id"]}
    assert ids(organisation_id=oid2, role="coordinator") == set()
    # q: part of the name, case-insensitive, or of the e-mail address.
    assert ids(q="fILTER anna " + tag.upper()) == {a["id"]}
    assert ids(q=c["email"].split("@")[0].upper()) == {c["id"]}
    # Wildcards of LIKE are plain characters here.
    assert ids(q="%" + tag) == set()
    assert ids(q="Filter_Anna") == set()
    # Empty values mean no filter.
    assert ids(q=tag, role="", organisation_id="") == {a["id"], b["id"], c["id"]}


def test_list_pages_by_cursor_in_email_order_and_is_stable_under_inserts():
    tag = uniq()
    made = [make_user("researcher", name="Seite %s %d" % (tag, i)) for i in range(7)]
    s = admin_session()
    r = users(s, q=tag, limit=3)
    assert r.status == 200, r
    first = r.json
    assert len(first["items"]) == 3 and isinstance(first["next_cursor"], str), first
    # Two more accounts arrive meanwhile: one sorts before the cursor, one
    # after it (e-mail addresses are "researcher-<hex>@...").
    last_email = first["items"][-1]["email"]
    before = after = None
    new = []
    for _ in range(200):
        u = make_user("researcher", name="Seite %s neu" % tag)
        new.append(u)
        if u["email"].encode() < last_email.encode() and before is None:
            before = u
        elif u["email"].encode() > last_email.encode() and after is None:
            after = u
        if before and after:
            break
    assert before and after
    rest = []
    cursor = first["next_cursor"]
    while cursor:
        r = users(s, q=tag, limit=3, cursor=cursor)
        assert r.status == 200, r
        assert len(r.json["items"]) <= 3
        rest += r.json["items"]
        cursor = r.json["next_cursor"]
    got = first["items"] + rest
    ids = [u["id"] for u in got]
    assert len(ids) == len(set(ids)), "a row twice"
    assert before["id"] not in ids, "a row before the cursor appeared later"
    assert after["id"] in ids
    assert {m["id"] for m in made} <= set(ids)
    emails = [u["email"].encode() for u in got]
    assert emails == sorted(emails), emails
    # A page that holds exactly every row ends with null, as does the
    # default page of 50.
    total = len(made) + len(new)
    r = users(s, q=tag, limit=total)
    assert r.json["next_cursor"] is None and len(r.json["items"]) == total, r
    if total < 50:
        r = users(s, q=tag)
        assert r.json["next_cursor"] is None and len(r.json["items"]) == total, r
    r = users(s, q=tag, limit=total - 1)
    assert isinstance(r.json["next_cursor"], str) and len(r.json["items"]) == total - 1, r


def test_list_bad_parameters_are_400_with_the_parameter_named():
    s = admin_session()
    cases = [
        ({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"), ({"limit": "abc"}, "limit"),
        ({"limit": "-1"}, "limit"), ({"limit": "1.5"}, "limit"), ({"limit": ""}, "limit"),
        ({"cursor": "nonsense!"}, "cursor"), ({"cursor": "QUJD"}, "cursor"),
        ({"cursor": "MDphQGIuZGU"}, "cursor"),  # "0:a@b.de": id 0
        ({"role": "king"}, "role"), ({"role": "Admin"}, "role"),
        ({"organisation_id": "abc"}, "organisation_id"), ({"organisation_id": "0"}, "organisation_id"),
        ({"organisation_id": "-3"}, "organisation_id"),
        ({"q": "x" * 600}, "q"),
    ]
    for params, path in cases:
        e = expect_error(users(s, **params), 400, "bad_request")
        assert [d["path"] for d in e["details"]] == [path], (params, e)
    # Undecodable text is a bad parameter too, and every problem is listed.
    e = expect_error(s.bearer("GET", "/api/v1/users?q=%FF&role=x&limit=0"), 400, "bad_request")
    assert sorted(d["path"] for d in e["details"]) == ["limit", "q", "role"], e


def test_only_admins_list_or_change_accounts():
    oid, key, _ = make_org()
    target = make_user("researcher")
    callers = {
        "respondent": Session(make_user("respondent", key)),
        "coordinator": Session(make_user("coordinator")),
        "researcher": Session(make_user("researcher")),
    }
    for role, s in callers.items():
        for via in ("bearer", "cookie"):
            send = s.bearer if via == "bearer" else s.cookie
            expect_error(send("GET", "/api/v1/users"), 403, "forbidden")
            expect_error(send("PATCH", "/api/v1/users/%d" % target["id"], body={"role": "admin"}),
                         403, "forbidden")
            expect_error(send("PATCH", "/api/v1/users/%d" % s.user["id"], body={"role": "admin"}),
                         403, "forbidden")
    expect_error(request("GET", "/api/v1/users"), 401, "unauthenticated")
    expect_error(request("PATCH", "/api/v1/users/%d" % target["id"], body={"role": "admin"}),
                 401, "unauthenticated")
    assert account_row(target["id"])[0] == "researcher"
    for s in callers.values():
        assert account_row(s.user["id"])[0] == s.user["role"]
    # Methods outside the table.
    r = admin_session().bearer("DELETE", "/api/v1/users/%d" % target["id"])
    expect_error(r, 405, "method_not_allowed")
    assert r.header("Allow") == "PATCH", r.headers
    r = admin_session().bearer("POST", "/api/v1/users", body={})
    expect_error(r, 405, "method_not_allowed")
    assert r.header("Allow") == "GET", r.headers


# ---------------------------------------------------------------- change

def test_role_change_ends_the_sessions_at_once_and_is_audited():
    s = admin_session()
    u = make_user("coordinator", name="Wechsel " + uniq())
    t1, t2 = Session(u), Session(u)
    assert sessions_of(u["id"]) >= 2
    before = audit_max()
    r = patch(s, u["id"], {"role": "researcher"})
    assert r.status == 200, r
    assert r.json == {"id": u["id"], "email": u["email"], "name": u["name"], "role": "researcher",
                      "organisation": None, "created_at": r.json["created_at"]}, r.json
    assert ISO_RE.match(r.json["created_at"])
    for t in (t1, t2):
        expect_error(t.bearer("GET", "/api/v1/me"), 401, "unauthenticated")
    assert sessions_of(u["id"]) == 0
    # The admin's own session goes on.
    assert s.bearer("GET", "/api/v1/me").status == 200
    assert account_row(u["id"])[0] == "researcher"
    # Signing in again gives the new role.
    clear_login_failures()
    assert Session(u).user["role"] == "researcher"
    rows = audit_since(before, u["id"])
    assert rows == [("role_changed", str(s.user["id"]), "",
                     {"user": u["id"], "old_role": "coordinator", "new_role": "researcher",
                      "old_organisation": None, "new_organisation": None})], rows
    # No personal data in the entry.
    text = json.dumps(rows)
    assert u["email"] not in text and u["name"] not in text


def test_cookie_changes_need_the_csrf_header():
    s = admin_session()
    u = make_user("researcher")
    expect_error(s.cookie("PATCH", "/api/v1/users/%d" % u["id"], body={"role": "coordinator"},
                          csrf=False), 403, "csrf_failed")
    assert account_row(u["id"])[0] == "researcher"
    r = s.cookie("PATCH", "/api/v1/users/%d" % u["id"], body={"role": "coordinator"})
    assert r.status == 200 and r.json["role"] == "coordinator", r


def test_a_new_name_keeps_the_sessions_and_audits_without_the_name():
    s = admin_session()
    u = make_user("researcher", name="Alter Name")
    t = Session(u)
    before = audit_max()
    new = "Neuer Name %s ÄÖÜ" % uniq()
    r = patch(s, u["id"], {"name": new})
    assert r.status == 200 and r.json["name"] == new and r.json["role"] == "researcher", r
    assert t.bearer("GET", "/api/v1/me").json["name"] == new
    rows = audit_since(before, u["id"])
    assert rows == [("user_renamed", str(s.user["id"]), "", {"user": u["id"]})], rows
    # The same name again, the same role, or nothing at all: no change,
    # no audit entry, sessions untouched.
    for body in ({"name": new}, {"role": "researcher"}, {}, {"role": "researcher", "name": new}):
        before = audit_max()
        r = patch(s, u["id"], body)
        assert r.status == 200 and r.json["name"] == new and r.json["role"] == "researcher", (body, r)
        assert audit_since(before, u["id"]) == [], body
        assert t.bearer("GET", "/api/v1/me").status == 200, body


def test_respondents_need_an_organisation_and_others_have_none():
    s = admin_session()
    oid, key, oname = make_org()
    oid2, key2, oname2 = make_org(member=False)
    staff = make_user("coordinator")
    # Becoming a respondent needs an organisation.
    e = expect_error(patch(s, staff["id"], {"role": "respondent"}), 422, "invalid")
    assert [d["path"] for d in e["details"]] == ["/organisation_id"], e
    e = expect_error(patch(s, staff["id"], {"role": "respondent", "organisation_id": None}), 422, "invalid")
    assert [d["path"] for d in e["details"]] == ["/organisation_id"], e
    # Staff belong to none.
    e = expect_error(patch(s, staff["id"], {"organisation_id": oid}), 422, "invalid")
    assert [d["path"] for d in e["details"]] == ["/organisation_id"], e
    e = expect_error(patch(s, staff["id"], {"role": "admin", "organisation_id": oid}), 422, "invalid")
    assert [d["path"] for d in e["details"]] == ["/organisation_id"], e
    # An organisation that does not exist.
    e = expect_error(patch(s, staff["id"], {"role": "respondent", "organisation_id": 999999999999}),
                     422, "invalid")
    assert [d["path"] for d in e["details"]] == ["/organisation_id"], e
    assert account_row(staff["id"]) == ["coordinator", "", staff["name"]]
    # A staff account becomes a respondent of an organisation (admins may
    # pick any, member or not).
    t = Session(staff)
    before = audit_max()
    r = patch(s, staff["id"], {"role": "respondent", "organisation_id": oid2})
    assert r.status == 200, r
    assert r.json["role"] == "respondent" and r.json["organisation"] == {"id": oid2, "name": oname2}
    expect_error(t.bearer("GET", "/api/v1/me"), 401, "unauthenticated")
    assert audit_since(before, staff["id"]) == [
        ("role_changed", str(s.user["id"]), str(oid2),
         {"user": staff["id"], "old_role": "coordinator", "new_role": "respondent",
          "old_organisation": None, "new_organisation": oid2})]
    # A respondent stays one: it cannot lose its organisation.
    e = expect_error(patch(s, staff["id"], {"organisation_id": None}), 422, "invalid")
    assert [d["path"] for d in e["details"]] == ["/organisation_id"], e
    # Moving a respondent to another organisation ends its sessions too.
    t = Session(staff)
    before = audit_max()
    r = patch(s, staff["id"], {"organisation_id": oid})
    assert r.status == 200 and r.json["organisation"] == {"id": oid, "name": oname}, r
    expect_error(t.bearer("GET", "/api/v1/me"), 401, "unauthenticated")
    assert audit_since(before, staff["id"]) == [
        ("role_changed", str(s.user["id"]), str(oid),
         {"user": staff["id"], "old_role": "respondent", "new_role": "respondent",
          "old_organisation": oid2, "new_organisation": oid})]
    # Leaving the respondents: the organisation must go, said explicitly.
    e = expect_error(patch(s, staff["id"], {"role": "researcher"}), 422, "invalid")
    assert [d["path"] for d in e["details"]] == ["/organisation_id"], e
    before = audit_max()
    r = patch(s, staff["id"], {"role": "researcher", "organisation_id": None})
    assert r.status == 200 and r.json["role"] == "researcher" and r.json["organisation"] is None, r
    assert account_row(staff["id"])[:2] == ["researcher", ""]
    # The entry names the organisation it left.
    assert audit_since(before, staff["id"])[0][2] == str(oid)


def test_body_problems_are_422_with_every_path():
    s = admin_session()
    u = make_user("researcher")
    cases = [
        ([], [""]), ([{"role": "admin"}], [""]),
        ({"email": "x@example.org"}, ["/email"]),
        ({"password_hash": "x"}, ["/password_hash"]),
        ({"role": "king"}, ["/role"]), ({"role": 3}, ["/role"]), ({"role": None}, ["/role"]),
        ({"role": ""}, ["/role"]), ({"role": "Admin"}, ["/role"]),
        ({"name": ""}, ["/name"]), ({"name": None}, ["/name"]), ({"name": 5}, ["/name"]),
        ({"name": "x" * 201}, ["/name"]),
        ({"organisation_id": "1"}, ["/organisation_id"]), ({"organisation_id": 0}, ["/organisation_id"]),
        ({"organisation_id": -1}, ["/organisation_id"]), ({"organisation_id": 1.5}, ["/organisation_id"]),
        ({"organisation_id": True}, ["/organisation_id"]),
        ({"role": "king", "name": "", "organisation_id": "x", "z": 1}, ["/z"]),
        ({"role": "king", "name": "", "organisation_id": "x"},
         ["/name", "/organisation_id", "/role"]),
    ]
    before = audit_max()
    for body, paths in cases:
        r = send(s, "PATCH", "/api/v1/users/%d" % u["id"],
                 raw=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        e = expect_error(r, 422, "invalid")
        assert sorted(d["path"] for d in e["details"]) == paths, (body, e)
    # A name of 200 characters of several bytes each is fine.
    r = patch(s, u["id"], {"name": "ä" * 200})
    assert r.status == 200 and r.json["name"] == "ä" * 200, r
    # Framing: no body, not JSON, another media type.
    expect_error(s.bearer("PATCH", "/api/v1/users/%d" % u["id"]), 422, "invalid")
    expect_error(send(s, "PATCH", "/api/v1/users/%d" % u["id"], raw=b"{",
                      headers={"Content-Type": "application/json"}), 400, "malformed_json")
    expect_error(send(s, "PATCH", "/api/v1/users/%d" % u["id"], raw=b"role=admin",
                      headers={"Content-Type": "application/x-www-form-urlencoded"}),
                 415, "unsupported_media_type")
    assert account_row(u["id"])[0] == "researcher"
    assert [a for a in audit_since(before, u["id"]) if a[0] == "role_changed"] == []


def test_unknown_account_is_404():
    s = admin_session()
    expect_error(patch(s, 999999999999, {"role": "researcher"}), 404, "not_found")
    expect_error(patch(s, 999999999999, {}), 404, "not_found")
    for p in ("/api/v1/users/0", "/api/v1/users/abc", "/api/v1/users/-1", "/api/v1/users/1/x"):
        expect_error(s.bearer("PATCH", p, body={"role": "researcher"}), 404, "not_found")


def test_the_last_admin_cannot_be_demoted():
    clear_login_failures()
    me = make_user("admin")
    s = Session(me)
    with OnlyAdmins(me["id"]):
        before = audit_max()
        for body in ({"role": "coordinator"}, {"role": "researcher", "name": "Letzte"},
                     {"role": "respondent", "organisation_id": make_org()[0]}):
            expect_error(patch(s, me["id"], body), 409, "conflict")
        assert account_row(me["id"])[0] == "admin"
        assert audit_since(before, me["id"]) == []
        assert s.bearer("GET", "/api/v1/me").status == 200, "its session goes on"
        # Keeping the role is fine, and so is a new name.
        r = patch(s, me["id"], {"role": "admin", "name": "Letzte Administratorin"})
        assert r.status == 200 and r.json["role"] == "admin", r
        # With a second admin, one of them may go.
        other = make_user("admin")
        r = patch(s, other["id"], {"role": "coordinator"})
        assert r.status == 200, r
        expect_error(patch(s, me["id"], {"role": "coordinator"}), 409, "conflict")
        r = patch(s, other["id"], {"role": "admin"})
        assert r.status == 200, r
        # An admin may step down itself when another remains: its own
        # session ends, and the answer tells the browser to forget it.
        r = patch(s, me["id"], {"role": "researcher"})
        assert r.status == 200 and r.json["role"] == "researcher", r
        cookies = [c for c in r.headers_all("Set-Cookie") if c.startswith("rg_session=")]
        assert cookies and cookies[0].startswith("rg_session=;"), r.headers
        expect_error(s.bearer("GET", "/api/v1/me"), 401, "unauthenticated")
        psql("UPDATE app_user SET role = 'researcher' WHERE id = :'p1'", other["id"])
    assert account_row(me["id"])[0] == "researcher"


def test_two_admins_demoting_each_other_at_once_leave_one():
    clear_login_failures()
    a, b = make_user("admin"), make_user("admin")
    sa, sb = Session(a), Session(b)
    with OnlyAdmins(a["id"], b["id"]):
        for _ in range(3):
            results = {}
            go = threading.Barrier(2)

            def demote(name, s, uid):
                go.wait()
                results[name] = patch(s, uid, {"role": "coordinator"})

            threads = [threading.Thread(target=demote, args=("a", sa, b["id"])),
                       threading.Thread(target=demote, args=("b", sb, a["id"]))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            statuses = sorted(r.status for r in results.values())
            # One wins; the other finds itself the last admin (409) or, if
            # it came later, its session ended (401).
            assert statuses in ([200, 401], [200, 409]), results
            admins = psql("SELECT count(*) FROM app_user WHERE role = 'admin' AND id IN (:'p1', :'p2')",
                          a["id"], b["id"])
            assert admins == [["1"]], (admins, results)
            # Both admins again, with fresh sessions, for the next round.
            psql("UPDATE app_user SET role = 'admin' WHERE id IN (:'p1', :'p2')", a["id"], b["id"])
            clear_login_failures()
            sa, sb = Session(a), Session(b)
        psql("UPDATE app_user SET role = 'coordinator' WHERE id IN (:'p1', :'p2')", a["id"], b["id"])


def test_the_changed_account_appears_changed_in_the_list():
    s = admin_session()
    tag = uniq()
    u = make_user("researcher", name="Liste nach Wechsel " + tag)
    assert patch(s, u["id"], {"role": "coordinator"}).status == 200
    got = list_all(s, q=tag)
    assert [(x["id"], x["role"]) for x in got] == [(u["id"], "coordinator")], got
    assert list_all(s, q=tag, role="researcher") == []
