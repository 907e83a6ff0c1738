"""Paging of GET /api/v1/questionnaires and GET /api/v1/waves: limit
(default 50, at most 500, 400 for anything else) and a keyset cursor
(questionnaires by slug in byte order and version, waves newest opening
first and then the higher id), stable while rows are added.

The database is shared with the other files, so every check looks at the
rows this file made within the whole list, never at the list's length;
and every test removes the waves and questionnaires it made (as the
superuser), so that the lists other files read page by page look as they
did before."""
import base64
import functools
import urllib.parse

from lib import expect_error, psql, request
from survey_helpers import load_default, make_org, make_user, Session, small_definition, staff, uniq

_s = {}
# Ids of the waves and questionnaires the running test made.
_made = {"wave": [], "questionnaire": []}


def cleans_up(test):
    """Removes what the test made once it is over, passed or not."""
    @functools.wraps(test)
    def run():
        try:
            test()
        finally:
            waves = ",".join(str(i) for i in _made["wave"])
            qs = ",".join(str(i) for i in _made["questionnaire"])
            _made["wave"], _made["questionnaire"] = [], []
            psql("""DELETE FROM wave WHERE id = ANY (string_to_array(:'p1', ',')::bigint[]);
                    DELETE FROM export_layout
                    WHERE questionnaire_id = ANY (string_to_array(:'p2', ',')::bigint[]);
                    DELETE FROM questionnaire WHERE id = ANY (string_to_array(:'p2', ',')::bigint[])""",
                 waves, qs)
    return run


def admin_s():
    if "admin" not in _s:
        _s["admin"] = staff("admin")
    return _s["admin"]


def coord_s():
    if "coord" not in _s:
        _s["coord"] = staff("coordinator")
    return _s["coord"]


def page(session, what, **params):
    return session.get("/api/v1/%s?%s" % (what, urllib.parse.urlencode(params)))


def walk(session, what, limit, on_page=None):
    """Every item of a list, a page of limit at a time (on_page(n, items)
    is called after page n); asserts the shape of every page."""
    out, cursor, n = [], None, 0
    while True:
        params = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        r = page(session, what, **params)
        assert r.status == 200, r
        j = r.json
        assert set(j) == {"items", "next_cursor"}, j
        assert len(j["items"]) <= limit, (limit, len(j["items"]))
        out += j["items"]
        n += 1
        if on_page:
            on_page(n, j["items"])
        cursor = j["next_cursor"]
        if cursor is None:
            return out
        assert isinstance(cursor, str) and cursor, j
        assert len(j["items"]) == limit, "a page before the last one is full"
        assert n < 10000, "no end"


def cursor_of(text):
    """A cursor as the server makes them, of text (str) or raw bytes."""
    raw = text if isinstance(text, bytes) else text.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def add_wave(opens, closes, title=None, s=None, qid=None):
    r = (s or coord_s()).post("/api/v1/waves", {
        "questionnaire_id": qid or load_default(), "title": title or "Seitenwelle " + uniq(),
        "opens_at": opens, "closes_at": closes})
    assert r.status == 201, r
    _made["wave"].append(r.json["id"])
    return r.json


def add_questionnaire(slug, version):
    r = admin_s().post("/api/v1/questionnaires", small_definition(slug=slug, version=version))
    assert r.status == 201, r
    _made["questionnaire"].append(r.json["id"])
    return r.json["id"]


# ------------------------------------------------------------ waves

@cleans_up
def test_waves_are_paged_newest_first_with_ties_broken_by_id():
    qid = load_default()
    year = 7000 + int(uniq()[:6], 16) % 1000
    # Three waves open at the very same microsecond, two a microsecond
    # apart, one a year earlier.
    same = "%d-03-04T05:06:07.123456Z" % year
    ids_same = [add_wave(same, "%d-01-01T00:00:00Z" % (year + 2), qid=qid)["id"] for _ in range(3)]
    later = add_wave("%d-03-04T05:06:07.123457Z" % year, "%d-01-01T00:00:00Z" % (year + 2), qid=qid)["id"]
    earlier = add_wave("%d-03-04T05:06:07.123455Z" % year, "%d-01-01T00:00:00Z" % (year + 2), qid=qid)["id"]
    year_before = add_wave("%d-03-04T05:06:07Z" % (year - 1), "%d-01-01T00:00:00Z" % (year + 2), qid=qid)["id"]
    mine = [later] + sorted(ids_same, reverse=True) + [earlier, year_before]
    s = make_resp()
    for limit in (2, 3, 500):
        got = walk(s, "waves", limit)
        ids = [w["id"] for w in got]
        assert len(ids) == len(set(ids)), ("a wave twice", limit)
        assert [i for i in ids if i in mine] == mine, (limit, [i for i in ids if i in mine])
        # Newest first in the whole list (second precision shown).
        shown = [w["opens_at"] for w in got]
        assert shown == sorted(shown, reverse=True), limit
        w = next(x for x in got if x["id"] == later)
        assert set(w) == {"id", "questionnaire_id", "title", "opens_at", "closes_at", "state"}, w
        assert w["state"] == "planned" and w["questionnaire_id"] == qid, w


def make_resp():
    """A respondent: every signed-in role lists the waves."""
    oid, key, _ = make_org()
    return Session(make_user("respondent", key))


@cleans_up
def test_wave_pages_stay_stable_while_waves_are_added():
    year = 8000 + int(uniq()[:6], 16) % 900
    qid = load_default()
    mine = [add_wave("%d-06-%02dT12:00:00Z" % (year, d), "%d-01-01T00:00:00Z" % (year + 3), qid=qid)["id"]
            for d in range(1, 8)]
    mine.reverse()  # newest first
    s = coord_s()
    # Walk until the first of them is behind the cursor, then add one wave
    # before the cursor (newer than all) and one after it (older than all
    # of them but newer than the rest of the list, which is older).
    added = {}

    def on_page(n, items):
        if "before" not in added and any(w["id"] == mine[2] for w in items):
            added["before"] = add_wave("%d-01-01T00:00:00Z" % (year + 1), "%d-01-01T00:00:00Z" % (year + 3),
                                       qid=qid)["id"]
            added["after"] = add_wave("%d-05-01T00:00:00Z" % year, "%d-01-01T00:00:00Z" % (year + 3),
                                      qid=qid)["id"]

    got = walk(s, "waves", 3, on_page)
    ids = [w["id"] for w in got]
    assert len(ids) == len(set(ids)), "a wave twice"
    assert [i for i in ids if i in mine] == mine
    assert added["before"] not in ids, "a wave before the cursor turned up later"
    assert added["after"] in ids
    assert ids.index(added["after"]) > ids.index(mine[-1])


@cleans_up
def test_wave_cursor_of_a_wave_before_1970():
    qid = load_default()
    old = add_wave("1901-02-03T04:05:06.5Z", "1901-03-01T00:00:00Z", qid=qid)["id"]
    older = add_wave("1900-06-01T00:00:00Z", "1900-07-01T00:00:00Z", qid=qid)["id"]
    s = coord_s()
    every = walk(s, "waves", 500)
    ids = [w["id"] for w in every]
    pos = ids.index(old)
    assert ids.index(older) > pos
    if pos + 1 > 500:
        return
    r = page(s, "waves", limit=pos + 1)
    assert r.json["items"][-1]["id"] == old, r
    r2 = page(s, "waves", limit=500, cursor=r.json["next_cursor"])
    assert r2.status == 200 and [w["id"] for w in r2.json["items"]] == ids[pos + 1:pos + 501], r2


@cleans_up
def test_waves_default_limit_is_50_and_at_most_500():
    qid = load_default()
    year = 6000 + int(uniq()[:6], 16) % 900
    for d in range(51):
        add_wave("%d-01-01T00:00:%02dZ" % (year, d), "%d-01-01T00:00:00Z" % (year + 1), qid=qid)
    s = coord_s()
    r = s.get("/api/v1/waves")
    assert r.status == 200 and len(r.json["items"]) == 50, r
    assert isinstance(r.json["next_cursor"], str)
    r = page(s, "waves", limit=500)
    assert r.status == 200 and 51 <= len(r.json["items"]) <= 500, r
    r = page(s, "waves", limit=1)
    assert len(r.json["items"]) == 1 and r.json["next_cursor"], r


def test_bad_limits_and_cursors_are_400():
    s = coord_s()
    for what in ("waves", "questionnaires"):
        for limit in ("0", "501", "-1", "abc", "1e2", "", " 5", "99999999999999999999"):
            e = expect_error(page(s, what, limit=limit), 400, "bad_request")
            assert [d["path"] for d in e["details"]] == ["limit"], (what, limit, e)
        for cursor in ("!!!", "QUJD", cursor_of("0:x"), cursor_of("-1:5"), cursor_of("x:5"),
                       cursor_of("5"), cursor_of(b"5:\xff"), cursor_of(b"5:a\x00b"), "A" * 3000):
            e = expect_error(page(s, what, cursor=cursor), 400, "bad_request")
            assert [d["path"] for d in e["details"]] == ["cursor"], (what, cursor, e)
        e = expect_error(s.get("/api/v1/%s?limit=0&cursor=%%FF" % what), 400, "bad_request")
        assert sorted(d["path"] for d in e["details"]) == ["cursor", "limit"], e
    # A wave cursor's key is a number of microseconds; a questionnaire
    # cursor's number a version.
    for cursor in (cursor_of("5:abc"), cursor_of("5:"), cursor_of("5:1.5"),
                   cursor_of("5:99999999999999999999")):
        expect_error(page(s, "waves", cursor=cursor), 400, "bad_request")
    expect_error(page(s, "questionnaires", cursor=cursor_of("4294967296:abc")), 400, "bad_request")
    # Parameters are the handler's business: without a session it is 401.
    expect_error(request("GET", "/api/v1/waves?limit=0"), 401, "unauthenticated")
    expect_error(request("GET", "/api/v1/questionnaires?limit=0"), 401, "unauthenticated")


# ------------------------------------------------------------ questionnaires

@cleans_up
def test_questionnaires_are_paged_by_slug_and_version():
    base = "00" + uniq()
    made = []
    for slug, version in ((base + "-b", 1), (base + "-a", 2), (base + "-a", 1),
                          (base + "-a", 10), (base + "-a-x", 1)):
        made.append((slug, version, add_questionnaire(slug, version)))
    # Byte order: "-a" < "-a-x" < "-b"; versions numerically.
    want = [(base + "-a", 1), (base + "-a", 2), (base + "-a", 10), (base + "-a-x", 1), (base + "-b", 1)]
    s = make_resp()
    for limit in (1, 2, 4, 500):
        got = walk(s, "questionnaires", limit)
        keys = [(q["slug"], q["version"]) for q in got]
        assert len(keys) == len(set(keys)), ("twice", limit)
        assert [k for k in keys if k[0].startswith(base)] == want, limit
        assert [(k[0].encode(), k[1]) for k in keys] == sorted((k[0].encode(), k[1]) for k in keys), limit
        q = next(x for x in got if x["slug"] == base + "-b")
        assert set(q) == {"id", "slug", "version", "title"} and q["title"]["de"], q


@cleans_up
def test_questionnaire_pages_stay_stable_while_questionnaires_are_added():
    base = "01" + uniq()
    for suffix in ("c", "d", "e", "f"):
        add_questionnaire(base + "-" + suffix, 1)
    added = {}

    def on_page(n, items):
        if "before" not in added and any(q["slug"] == base + "-d" for q in items):
            add_questionnaire(base + "-a", 1)
            add_questionnaire(base + "-z", 1)
            added["before"] = True

    got = walk(make_resp(), "questionnaires", 2, on_page)
    slugs = [q["slug"] for q in got if q["slug"].startswith(base)]
    assert slugs == [base + "-" + x for x in "cdefz"], slugs
    assert len(got) == len({q["id"] for q in got})


@cleans_up
def test_questionnaires_default_limit_is_50():
    s = make_resp()
    r = s.get("/api/v1/questionnaires")
    assert r.status == 200, r
    total = len(walk(s, "questionnaires", 500))
    if total <= 50:
        for i in range(51 - total):
            add_questionnaire("02" + uniq(), 1)
    r = s.get("/api/v1/questionnaires")
    assert len(r.json["items"]) == 50 and isinstance(r.json["next_cursor"], str), r
