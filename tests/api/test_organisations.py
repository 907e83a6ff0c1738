"""Organisations (issue #3): the list with its search, filters and cursor
pagination, one organisation (404 for whoever may not see it), creation by
an admin, and `reifegrad-admin org add`."""
import base64
import json
import urllib.parse
import uuid

from lib import admin, expect_error, psql, request
from test_accounts import Session, make_org, make_user, uniq

LIST_KEYS = {"id", "key", "name", "kind", "state", "population", "size_class",
             "urbanisation", "member", "consent_named"}
FULL_KEYS = LIST_KEYS | {"country", "area_km2"}

_sessions = {}


def staff(role="coordinator"):
    """One signed-in coordinator (or admin) for the whole file."""
    if role not in _sessions:
        _sessions[role] = Session(make_user(role))
    return _sessions[role]


def add_orgs(names, state="Testland", population=1234, member=False, kind="gemeinde"):
    """Inserts organisations directly (as the superuser); returns
    {name: id} (names must differ) or, with equal names, the ids in key
    order."""
    base = "99" + str(uuid.uuid4().int)[:6]
    rows = psql("""INSERT INTO organisation (key, name, kind, state, population, member)
                   SELECT :'p2' || lpad(n::text, 4, '0'), v, :'p3', :'p4',
                          nullif(:'p5', '')::integer, :'p6'::boolean
                   FROM json_array_elements_text(:'p1'::json) WITH ORDINALITY AS t(v, n)
                   RETURNING key, id, name""",
                json.dumps(names), base, kind, state,
                "" if population is None else str(population), "true" if member else "false")
    rows.sort()
    if len(set(names)) == len(names):
        return {name: int(i) for _, i, name in rows}
    return [int(i) for _, i, _ in rows]


def listing(session, **params):
    return session.bearer("GET", "/api/v1/organisations?" + urllib.parse.urlencode(params))


def list_all(session, **params):
    """Follows next_cursor to the end; returns every item."""
    items, cursor = [], None
    for _ in range(1000):
        p = dict(params)
        if cursor:
            p["cursor"] = cursor
        r = listing(session, **p)
        assert r.status == 200, r
        items += r.json["items"]
        cursor = r.json["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("no end of the list")


def c_order(item):
    # The list's order: name in byte order (COLLATE "C"), then id.
    return (item["name"].encode(), item["id"])


# ---------------------------------------------------------------- list

def test_list_items_default_limit_and_pages():
    u = uniq()
    names = ["Liste %s %02d" % (u, i) for i in range(55)]
    ids = add_orgs(names, population=1500, member=True)
    s = staff()
    r = listing(s, q="Liste " + u)
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/json; charset=utf-8"
    j = r.json
    assert set(j) == {"items", "next_cursor"}, j
    assert len(j["items"]) == 50
    assert isinstance(j["next_cursor"], str) and j["next_cursor"]
    first = j["items"][0]
    assert set(first) == LIST_KEYS, first
    assert first == {"id": ids[names[0]], "key": first["key"], "name": names[0], "kind": "gemeinde",
                     "state": "Testland", "population": 1500, "size_class": 1, "urbanisation": None,
                     "member": True, "consent_named": False}, first
    assert [i["name"] for i in j["items"]] == names[:50]
    r2 = listing(s, q="Liste " + u, cursor=j["next_cursor"])
    assert r2.status == 200, r2
    assert [i["name"] for i in r2.json["items"]] == names[50:]
    assert r2.json["next_cursor"] is None


def test_list_is_in_name_then_id_order():
    s = staff("admin")
    items = listing(s, limit=500).json["items"]
    assert items == sorted(items, key=c_order)
    assert len(items) == min(500, int(psql("SELECT count(*) FROM organisation")[0][0]))


def test_list_limit_bounds():
    s = staff()
    add_orgs(["Grenze %s %d" % (uniq(), i) for i in range(3)])
    r = listing(s, limit=1)
    assert r.status == 200 and len(r.json["items"]) == 1 and r.json["next_cursor"], r
    r = listing(s, limit=500)
    assert r.status == 200, r
    for bad in ("501", "0", "-1", "abc", "1.5", "", "99999999999999999999", " 5"):
        e = expect_error(listing(s, limit=bad), 400, "bad_request")
        assert [d["path"] for d in e["details"]] == ["limit"], (bad, e)


def test_list_needs_coordinator_or_admin():
    oid, key, _ = make_org()
    expect_error(request("GET", "/api/v1/organisations"), 401, "unauthenticated")
    for sess in (Session(make_user("respondent", key)), Session(make_user("researcher"))):
        expect_error(sess.bearer("GET", "/api/v1/organisations"), 403, "forbidden")
        expect_error(sess.bearer("GET", "/api/v1/organisations?q=x"), 403, "forbidden")
    for role in ("coordinator", "admin"):
        assert listing(staff(role), q="x").status == 200


def test_search_is_case_insensitive_and_utf8_aware():
    s = staff()
    u = uniq()
    mine = make_org(name="Köln, Stadt", kind="kreisfreie_stadt")[0]
    ids = add_orgs(["Übersee %s" % u, "übersee-Nord %s" % u, "Ueberseer %s" % u, "ÄÖÜ-Straße %s" % u])
    for q in ("köln", "KÖLN", "Köln", "ÖLN, ST", "kÖlN, sTaDt"):
        items = list_all(s, q=q, limit=500)
        assert mine in [i["id"] for i in items], q
        for i in items:
            assert q.lower() in i["name"].lower(), (q, i["name"])
    for q, want in (("übersee %s" % u, ["Übersee %s" % u]),
                    ("ÜBERSEE", None),
                    ("äöü-strasse %s" % u, []),
                    ("äöü-straße %s" % u, ["ÄÖÜ-Straße %s" % u])):
        items = list_all(s, q=q, limit=500)
        names = [i["name"] for i in items]
        if want is None:
            assert "Übersee %s" % u in names and "übersee-Nord %s" % u in names, names
            assert "Ueberseer %s" % u not in names
        else:
            assert names == want, (q, names)
    assert ids


def test_search_treats_like_wildcards_literally():
    s = staff()
    u = uniq()
    add_orgs(["Meta %s a_b" % u, "Meta %s axb" % u, "Meta %s 100%%" % u, "Meta %s 1000" % u,
              "Meta %s a!b" % u, "Meta %s a\\b" % u, "Meta %s aab" % u])
    for q, want in (("%s a_b" % u, ["Meta %s a_b" % u]),
                    ("%s 100%%" % u, ["Meta %s 100%%" % u]),
                    ("%s a!b" % u, ["Meta %s a!b" % u]),
                    ("%s a\\b" % u, ["Meta %s a\\b" % u]),
                    ("%s 1%%" % u, []),
                    ("%s a%%b" % u, []),
                    ("%s a!_b" % u, []),
                    (u, None)):
        names = [i["name"] for i in list_all(s, q=q)]
        if want is None:
            assert len(names) == 7, names
        else:
            assert names == want, (q, names)


def test_filters_state_size_class_member():
    s = staff()
    u = uniq()
    fl, al = "Filterland-" + u, "Anderland-" + u
    a = add_orgs(["F %s A" % u], state=fl, population=1500, member=True)
    b = add_orgs(["F %s B" % u], state=fl, population=25000, member=False)
    c = add_orgs(["F %s C" % u], state=al, population=25000, member=True)
    d = add_orgs(["F %s D" % u], state=fl, population=None, member=True)
    byname = {}
    for m in (a, b, c, d):
        byname.update(m)

    def names(**p):
        return [i["name"][-1] for i in list_all(s, q="F " + u, **p)]
    assert names() == ["A", "B", "C", "D"]
    assert names(state=fl) == ["A", "B", "D"]
    assert names(state=al) == ["C"]
    assert names(state=fl.lower()) == []
    assert names(size_class=5) == ["B", "C"]
    assert names(size_class=1) == ["A"]
    assert names(member="true") == ["A", "C", "D"]
    assert names(member="false") == ["B"]
    assert names(state=fl, member="true") == ["A", "D"]
    assert names(state=fl, size_class=5, member="true") == []
    # Without q the filters work on the whole table.
    assert [i["name"] for i in list_all(s, state=al)] == ["F %s C" % u]
    item = list_all(s, state=al)[0]
    assert item["size_class"] == 5 and item["population"] == 25000 and item["member"] is True
    item = [i for i in list_all(s, state=fl) if i["name"].endswith("D")][0]
    assert item["population"] is None and item["size_class"] is None
    for p, path in (({"size_class": "0"}, "size_class"), ({"size_class": "9"}, "size_class"),
                    ({"size_class": "x"}, "size_class"), ({"size_class": ""}, "size_class"),
                    ({"member": "yes"}, "member"), ({"member": "1"}, "member"),
                    ({"member": ""}, "member")):
        e = expect_error(listing(s, **p), 400, "bad_request")
        assert [d["path"] for d in e["details"]] == [path], (p, e)
    # Invalid UTF-8 in a parameter.
    for p in ("q=%FF", "state=%C3", "q=a%00b"):
        expect_error(s.bearer("GET", "/api/v1/organisations?" + p), 400, "bad_request")
    assert byname


def test_cursor_pages_stay_stable_under_inserts_and_deletes():
    s = staff()
    u = uniq()
    names = ["Seite %s %02d" % (u, i) for i in range(1, 11)]
    ids = add_orgs(names)
    q = "Seite " + u
    r = listing(s, q=q, limit=4)
    assert [i["name"] for i in r.json["items"]] == names[0:4], r
    cursor = r.json["next_cursor"]
    # Meanwhile: one row that sorts before the cursor, one after it, and
    # the cursor's own row goes away.
    new = add_orgs(["Seite %s 00" % u, "Seite %s 05a" % u])
    psql("DELETE FROM organisation WHERE id = :'p1'", ids[names[3]])
    r = listing(s, q=q, limit=4, cursor=cursor)
    assert r.status == 200, r
    assert [i["name"] for i in r.json["items"]] == [names[4], "Seite %s 05a" % u, names[5], names[6]]
    r = listing(s, q=q, limit=4, cursor=r.json["next_cursor"])
    assert [i["name"] for i in r.json["items"]] == names[7:10]
    assert r.json["next_cursor"] is None
    # An exact multiple of the page size ends with next_cursor null too.
    r = listing(s, q=q, limit=11)
    assert len(r.json["items"]) == 11 and r.json["next_cursor"] is None
    assert new


def test_cursor_with_equal_names_uses_the_id():
    s = staff()
    name = "Gleich " + uniq()
    ids = add_orgs([name] * 5)
    seen, cursor, pages = [], None, 0
    while True:
        p = {"q": name, "limit": 2}
        if cursor:
            p["cursor"] = cursor
        r = listing(s, **p)
        assert r.status == 200, r
        seen += [i["id"] for i in r.json["items"]]
        pages += 1
        cursor = r.json["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids) and pages == 3, (seen, ids)


def test_cursor_survives_long_non_ascii_names():
    # A name may have 200 characters of up to 4 bytes each; the cursor
    # carries it.
    s = staff()
    u = uniq()
    for ch in ("Ä", "𝔄"):
        prefix = "Lang %s %s " % (u, ch)
        names = [prefix + ch * (200 - len(prefix) - 1) + str(i) for i in range(3)]
        add_orgs(names)
        got = [i["name"] for i in list_all(s, q=prefix, limit=1)]
        assert got == names, (ch, len(got))


def test_bad_cursor_is_400():
    s = staff()

    def b64(x):
        return base64.urlsafe_b64encode(x).decode().rstrip("=")
    for c in ("abc", "!!!", b64(b"x:y"), b64(b"12"), b64(b"0:a"), b64(b"-5:a"),
              b64(b"12:\xff\xfe"), "A" * 600, b64(b"1:" + b"a" * 1000)):
        e = expect_error(listing(s, cursor=c), 400, "bad_request")
        assert [d["path"] for d in e["details"]] == ["cursor"], (c, e)


def test_long_query_is_400():
    s = staff()
    expect_error(listing(s, q="x" * 2000), 400, "bad_request")


# ---------------------------------------------------------------- one

def test_get_one_by_role():
    oid, key, name = make_org(name="Eine %s" % uniq(), population=25000)
    other, okey, _ = make_org()
    want = None
    for role in ("coordinator", "admin"):
        r = staff(role).bearer("GET", "/api/v1/organisations/%d" % oid)
        assert r.status == 200, r
        assert set(r.json) == FULL_KEYS, r.json
        assert r.json == {"id": oid, "key": key, "name": name, "kind": "gemeinde", "state": "Testland",
                          "population": 25000, "size_class": 5, "urbanisation": None, "member": True,
                          "consent_named": False, "country": "DE", "area_km2": None}, r.json
        want = r.json
    own = Session(make_user("respondent", key))
    r = own.bearer("GET", "/api/v1/organisations/%d" % oid)
    assert r.status == 200 and r.json == want, r
    # Anyone else learns nothing: the same 404 as for an id that does not
    # exist.
    missing = request("GET", "/api/v1/organisations/999999999999",
                      headers={"Authorization": "Bearer " + own.token})
    e = expect_error(missing, 404, "not_found")
    for sess in (Session(make_user("respondent", okey)), Session(make_user("researcher"))):
        r = sess.bearer("GET", "/api/v1/organisations/%d" % oid)
        assert expect_error(r, 404, "not_found") == e
        assert r.body == missing.body
    expect_error(request("GET", "/api/v1/organisations/%d" % oid), 401, "unauthenticated")
    for path in ("0", "abc", "-1", "99999999999999999999", "%d/x" % oid, "1.0"):
        expect_error(staff().bearer("GET", "/api/v1/organisations/" + path), 404, "not_found")


# ---------------------------------------------------------------- create

def new_key():
    return "99" + str(uuid.uuid4().int)[:10]


def test_admin_creates_an_organisation():
    a = staff("admin")
    key = new_key()
    body = {"key": key, "name": "Neustadt %s" % uniq(), "kind": "stadt", "state": "Bayern",
            "population": 52000, "urbanisation": 2, "member": True, "consent_named": True,
            "area_km2": 12.345}
    r = a.bearer("POST", "/api/v1/organisations", body=body)
    assert r.status == 201, r
    j = r.json
    assert set(j) == FULL_KEYS, j
    assert isinstance(j["id"], int)
    assert j == dict(body, id=j["id"], size_class=6, country="DE", area_km2=12.35), j
    assert a.bearer("GET", "/api/v1/organisations/%d" % j["id"]).json == j
    assert [i["id"] for i in list_all(a, q=body["name"])] == [j["id"]]
    # The least there is: key, name, kind.
    r = a.bearer("POST", "/api/v1/organisations", body={"key": new_key(), "name": "Klein", "kind": "gemeinde"})
    assert r.status == 201, r
    assert r.json["state"] == "" and r.json["population"] is None and r.json["member"] is False
    # Another country's key.
    r = a.bearer("POST", "/api/v1/organisations",
                 body={"key": "AT-%s" % str(uuid.uuid4().int)[:8], "name": "Wien-Test", "kind": "stadt",
                       "country": "AT"})
    assert r.status == 201 and r.json["country"] == "AT", r


def test_create_takes_the_country_from_a_foreign_key():
    a = staff("admin")
    key = "AT-%s" % str(uuid.uuid4().int)[:8]
    r = a.bearer("POST", "/api/v1/organisations", body={"key": key, "name": "Graz-Test", "kind": "stadt"})
    assert r.status == 201, r
    assert r.json["country"] == "AT", r.json
    e = expect_error(a.bearer("POST", "/api/v1/organisations",
                              body={"key": "AT-%s" % str(uuid.uuid4().int)[:8], "name": "Linz-Test",
                                    "kind": "stadt", "country": "BE"}), 422, "invalid")
    assert [d["path"] for d in e["details"]] == ["/country"], e


def test_create_duplicate_key_is_409():
    a = staff("admin")
    key = new_key()
    assert a.bearer("POST", "/api/v1/organisations", body={"key": key, "name": "Erst", "kind": "gemeinde"}).status == 201
    r = a.bearer("POST", "/api/v1/organisations", body={"key": key, "name": "Zweit", "kind": "stadt"})
    expect_error(r, 409, "conflict")
    assert psql("SELECT name FROM organisation WHERE key = :'p1'", key) == [["Erst"]]


def test_create_validation():
    a = staff("admin")
    ok = {"key": None, "name": "Prüfstadt", "kind": "gemeinde"}
    cases = [
        ({"key": "1"}, ["/key"]),
        ({"key": "1234567890123"}, ["/key"]),
        ({"key": "ABC"}, ["/key"]),
        ({"key": "de-123"}, ["/key"]),
        ({"key": "DE-"}, ["/key"]),
        ({"key": "12 34"}, ["/key"]),
        ({"key": 12345}, ["/key"]),
        ({"kind": "dorf"}, ["/kind"]),
        ({"kind": "Gemeinde"}, ["/kind"]),
        ({"name": ""}, ["/name"]),
        ({"name": "x" * 201}, ["/name"]),
        ({"population": -1}, ["/population"]),
        ({"population": "5"}, ["/population"]),
        ({"population": 1.5}, ["/population"]),
        ({"urbanisation": 4}, ["/urbanisation"]),
        ({"urbanisation": 0}, ["/urbanisation"]),
        ({"member": "ja"}, ["/member"]),
        ({"consent_named": 1}, ["/consent_named"]),
        ({"country": "de"}, ["/country"]),
        ({"country": "DEU"}, ["/country"]),
        ({"area_km2": "12"}, ["/area_km2"]),
        ({"area_km2": -1}, ["/area_km2"]),
        ({"state": "x" * 65}, ["/state"]),
        ({"id": 5}, ["/id"]),
        ({"size_class": 3}, ["/size_class"]),
    ]
    for change, paths in cases:
        body = dict(ok, key=new_key())
        body.update(change)
        e = expect_error(a.bearer("POST", "/api/v1/organisations", body=body), 422, "invalid")
        assert sorted(d["path"] for d in e["details"]) == paths, (change, e)
        if isinstance(body["key"], str):
            assert psql("SELECT count(*) FROM organisation WHERE key = :'p1'", body["key"]) == [["0"]]
    for missing in ("key", "name", "kind"):
        body = dict(ok, key=new_key())
        del body[missing]
        e = expect_error(a.bearer("POST", "/api/v1/organisations", body=body), 422, "invalid")
        assert [d["path"] for d in e["details"]] == ["/" + missing], e


def test_only_admin_creates():
    oid, key, _ = make_org()
    for sess in (staff("coordinator"), Session(make_user("respondent", key)), Session(make_user("researcher"))):
        k = new_key()
        expect_error(sess.bearer("POST", "/api/v1/organisations", body={"key": k, "name": "Nein", "kind": "gemeinde"}),
                     403, "forbidden")
        assert psql("SELECT count(*) FROM organisation WHERE key = :'p1'", k) == [["0"]]
    expect_error(request("POST", "/api/v1/organisations", body={"key": new_key(), "name": "Nein", "kind": "gemeinde"}),
                 401, "unauthenticated")


# ---------------------------------------------------------------- admin tool

def test_admin_org_add_adds_and_updates_by_key():
    key = new_key()
    r = admin("org", "add", "--key", key, "--name", "Werkzeugdorf", "--kind", "gemeinde",
              "--state", "Hessen", "--population", "4999", "--urbanisation", "3")
    oid = int(r.stdout.strip())
    row = psql("SELECT name, kind, state, country, population, size_class, urbanisation, member, consent_named"
               " FROM organisation WHERE id = :'p1'", oid)
    assert row == [["Werkzeugdorf", "gemeinde", "Hessen", "DE", "4999", "2", "3", "f", "f"]], row
    r = admin("org", "add", "--key", key, "--name", "Werkzeugstadt", "--kind", "stadt",
              "--state", "Hessen", "--population", "5000", "--member")
    assert int(r.stdout.strip()) == oid
    row = psql("SELECT name, kind, population, size_class, urbanisation, member FROM organisation WHERE id = :'p1'", oid)
    assert row == [["Werkzeugstadt", "stadt", "5000", "3", "3", "t"]], row
    assert psql("SELECT count(*) FROM organisation WHERE key = :'p1'", key) == [["1"]]


def test_admin_org_add_errors():
    base = ["org", "add", "--name", "X", "--kind", "gemeinde", "--state", "Y", "--population", "1"]
    for extra in (["--key", "1"], ["--key", "abc"]):
        r = admin(*(base + extra), check=False)
        assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r
    k = new_key()
    for args in (["--kind", "dorf"], ["--population", "-5"], ["--population", "x"], ["--urbanisation", "4"],
                 ["--name", ""]):
        a = ["org", "add", "--key", k, "--name", "X", "--kind", "gemeinde", "--state", "Y", "--population", "1"]
        if args[0] in a:
            a[a.index(args[0]) + 1] = args[1]
        else:
            a += args
        r = admin(*a, check=False)
        assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, (args, r)
    assert psql("SELECT count(*) FROM organisation WHERE key = :'p1'", k) == [["0"]]
    r = admin("org", "add", "--key", k, "--name", "X", check=False)
    assert r.returncode == 2, r
    r = admin("org", check=False)
    assert r.returncode == 2, r


def test_admin_org_add_takes_the_country_from_the_key():
    key = "AT-%s" % str(uuid.uuid4().int)[:8]
    r = admin("org", "add", "--key", key, "--name", "Salzburg-Test", "--kind", "stadt",
              "--state", "AT323", "--population", "150000")
    assert psql("SELECT country FROM organisation WHERE id = :'p1'", r.stdout.strip()) == [["AT"]]
    r = admin("org", "add", "--key", key, "--name", "Salzburg-Test", "--kind", "stadt",
              "--state", "AT323", "--population", "150000", "--country", "AT")
    assert r.returncode == 0
    for k, c in ((key, "DE"), (new_key(), "AT")):
        r = admin("org", "add", "--key", k, "--name", "X", "--kind", "stadt", "--state", "Y",
                  "--population", "1", "--country", c, check=False)
        assert r.returncode == 1 and "--country" in r.stderr, r
    assert psql("SELECT country FROM organisation WHERE key = :'p1'", key) == [["AT"]]


def test_admin_org_add_counts_name_characters_not_bytes():
    key = new_key()
    name = "Ä" * 200
    r = admin("org", "add", "--key", key, "--name", name, "--kind", "gemeinde", "--state", "Y",
              "--population", "1", check=False)
    assert r.returncode == 0, r
    assert psql("SELECT name FROM organisation WHERE key = :'p1'", key) == [[name]]
    r = admin("org", "add", "--key", key, "--name", name + "Ä", "--kind", "gemeinde", "--state", "Y",
              "--population", "1", check=False)
    assert r.returncode == 1 and "--name" in r.stderr, r


def test_search_follows_renames_and_erasures():
    """The search finds names through organisation_name (012_org_search.sql),
    which follows every insert, rename and deletion of an organisation."""
    s = staff()
    u = uniq()
    ids = add_orgs(["Alt-Suchdorf " + u, "Bleibedorf " + u])
    old = ids["Alt-Suchdorf " + u]
    assert [i["id"] for i in list_all(s, q="Suchdorf " + u)] == [old]
    psql("UPDATE organisation SET name = :'p2' WHERE id = :'p1'", old, "Neu-Findestadt " + u)
    assert list_all(s, q="Suchdorf " + u) == []
    assert [i["name"] for i in list_all(s, q="findestadt " + u)] == ["Neu-Findestadt " + u]
    # Other columns changing leave the name where it was.
    psql("UPDATE organisation SET population = 99 WHERE id = :'p1'", old)
    assert [i["population"] for i in list_all(s, q="Findestadt " + u)] == [99]
    psql("DELETE FROM organisation WHERE id = :'p1'", old)
    assert list_all(s, q="Findestadt " + u) == []
    assert psql("SELECT count(*) FROM organisation_name WHERE id = :'p1'", old) == [["0"]]
    assert [i["id"] for i in list_all(s, q=u)] == [ids["Bleibedorf " + u]]
