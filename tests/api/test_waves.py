"""Survey waves (issue #4): creating (coordinators and admins), the state
planned/open/closed that follows from the dates, changing the closing date
and opening or closing by hand, the list for every signed-in role, writes
to a wave that is not open (409 wave_closed), and `reifegrad-admin wave
add`."""
import datetime

from lib import admin, expect_error, psql, request
from survey_helpers import (DEFAULT_SLUG, Survival, count_rows, coordinator, expect_invalid, iso,
                            load_default, make_wave, municipality, response_row,
                            small_definition, staff, store_definition, uniq)

ISO_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


def wave_body(qid, opens=-1, closes=30, title=None):
    return {"questionnaire_id": qid, "title": title or "Welle " + uniq(),
            "opens_at": iso(opens), "closes_at": iso(closes)}


def wave_row(wid):
    rows = psql("SELECT questionnaire_id, title, rg_iso(opens_at), rg_iso(closes_at),"
                " rg_wave_state(w) FROM wave w WHERE id = :'p1'", wid)
    return rows[0] if rows else None


def parse(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def forget_wave(wid):
    """Removes a wave that only tested a limit (as the owner): the
    browser tests that run later share this database, and one word of 200
    characters in a wave list is not what they are about."""
    psql("DELETE FROM wave WHERE id = :'p1'", wid)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


# ------------------------------------------------------------ creating

def test_coordinator_creates_a_wave():
    qid = load_default()
    body = wave_body(qid)
    r = coordinator().post("/api/v1/waves", body)
    assert r.status == 201, r
    j = r.json
    assert j == {"id": j["id"], "questionnaire_id": qid, "title": body["title"],
                 "opens_at": body["opens_at"], "closes_at": body["closes_at"],
                 "state": "open"}, j
    assert wave_row(j["id"]) == [str(qid), body["title"], body["opens_at"], body["closes_at"],
                                 "open"]


def test_admin_creates_a_wave_and_times_are_normalised_to_utc():
    qid = load_default()
    body = {"questionnaire_id": qid, "title": "Welle mit Zeitzone " + uniq(),
            "opens_at": "2031-03-01T10:30:00+02:00", "closes_at": "2031-06-30"}
    r = staff("admin").post("/api/v1/waves", body)
    assert r.status == 201, r
    assert r.json["opens_at"] == "2031-03-01T08:30:00Z", r.json
    assert r.json["closes_at"].startswith("2031-06-"), r.json
    assert r.json["state"] == "planned"
    r = coordinator().post("/api/v1/waves", dict(body, opens_at="2031-03-01 10:30:00Z"))
    assert r.status == 201 and r.json["opens_at"] == "2031-03-01T10:30:00Z", r


def test_state_follows_from_the_dates():
    qid = load_default()
    for state, (o, c) in (("planned", (5, 10)), ("open", (-5, 10)), ("closed", (-10, -5))):
        r = coordinator().post("/api/v1/waves", wave_body(qid, o, c))
        assert r.status == 201 and r.json["state"] == state, (state, r)
        assert wave_row(r.json["id"])[4] == state
    # Exactly at the closing time the wave is closed; a second before, open.
    r = coordinator().post("/api/v1/waves", wave_body(qid, -1, 0, None))
    assert r.json["state"] == "closed", r
    r = coordinator().post("/api/v1/waves", wave_body(qid, -1, 1 / 86400 * 30))
    assert r.json["state"] == "open", r


def test_only_staff_create_waves():
    qid = load_default()
    _, _, (resp,) = municipality()
    before = count_rows("wave")
    for s in (resp, staff("researcher")):
        expect_error(s.post("/api/v1/waves", wave_body(qid)), 403, "forbidden")
    expect_error(request("POST", "/api/v1/waves", body=wave_body(qid)), 401, "unauthenticated")
    assert count_rows("wave") == before


def test_closing_before_opening_is_422():
    qid = load_default()
    before = count_rows("wave")
    for o, c in ((10, 5), (3, 3)):
        r = coordinator().post("/api/v1/waves", wave_body(qid, o, c))
        e = expect_invalid(r, ["/closes_at"])
        assert e["details"][0]["problem"] == "must be after opens_at", e
    assert count_rows("wave") == before


def test_unknown_questionnaire_is_422():
    before = count_rows("wave")
    r = coordinator().post("/api/v1/waves", wave_body(9007199254740991))
    e = expect_invalid(r, ["/questionnaire_id"])
    assert e["details"][0]["problem"] == "no such questionnaire"
    for bad in (0, -1, "1", 1.5, None, True):
        expect_invalid(coordinator().post("/api/v1/waves", wave_body(bad)), ["/questionnaire_id"])
    assert count_rows("wave") == before


def test_wave_body_problems_each_named():
    qid = load_default()
    before = count_rows("wave")
    c = coordinator()
    expect_invalid(c.post("/api/v1/waves", {}), ["/questionnaire_id", "/title", "/opens_at",
                                                 "/closes_at"])
    expect_invalid(c.post("/api/v1/waves", dict(wave_body(qid), title="")), ["/title"])
    expect_invalid(c.post("/api/v1/waves", dict(wave_body(qid), title="x" * 201)), ["/title"])
    expect_invalid(c.post("/api/v1/waves", dict(wave_body(qid), title=5)), ["/title"])
    expect_invalid(c.post("/api/v1/waves", dict(wave_body(qid), state="open")), ["/state"])
    expect_invalid(c.post("/api/v1/waves", dict(wave_body(qid), opens_at="yesterday")),
                   ["/opens_at"])
    expect_invalid(c.post("/api/v1/waves", dict(wave_body(qid), opens_at=20240101)),
                   ["/opens_at"])
    expect_invalid(c.post("/api/v1/waves", dict(wave_body(qid), opens_at="x", closes_at="y")),
                   ["/opens_at", "/closes_at"])
    expect_invalid(c.post("/api/v1/waves", []), [""])
    assert count_rows("wave") == before
    # 200 characters are fine, counted as characters, not bytes.
    r = c.post("/api/v1/waves", dict(wave_body(qid), title="Ä" * 200))
    assert r.status == 201 and r.json["title"] == "Ä" * 200, r
    forget_wave(r.json["id"])


def test_impossible_dates_are_blamed_on_the_right_field():
    qid = load_default()
    before = count_rows("wave")
    c = coordinator()
    for bad in ("2031-02-30T00:00:00Z", "2031-13-01T00:00:00Z", "2031-01-01T25:00:00Z",
                "2031-01-01T10:61:00Z", "2031-00-10", "2030-02-29", "2031-01-01T10:00:00+99:00",
                "2100-02-29", "0000-01-01", "2031-1-1", "2031-01-01T10:00+01:",
                "2031-01-01T10:00:00.Z", "2031-01-01T10:00:60Z", "2031-01-01T24:00:00Z",
                "2031-01-01T10:00ZZ", "2031-01-01T", "2031-01-01T10", "2031-01-01+01:00",
                "2031-01-01T10:00:00+01:00:00", "2031-01-01T10:00:00 +01:00"):
        r = c.post("/api/v1/waves", dict(wave_body(qid), closes_at=bad))
        expect_invalid(r, ["/closes_at"])
        r = c.post("/api/v1/waves", dict(wave_body(qid), opens_at=bad))
        expect_invalid(r, ["/opens_at"])
    assert count_rows("wave") == before
    for opens, closes, want in (("2032-02-29T23:59:59Z", "2032-03-01T00:00:00.5Z",
                                 ("2032-02-29T23:59:59Z", "2032-03-01T00:00:00Z")),
                                ("2000-02-29T10:00+0130", "2031-01-01 10:00:00.123456-05:00",
                                 ("2000-02-29T08:30:00Z", "2031-01-01T15:00:00Z")),
                                ("2031-06-30T23:00:00-01", "2031-07-01T12:00:00-14:00",
                                 ("2031-07-01T00:00:00Z", "2031-07-02T02:00:00Z"))):
        r = c.post("/api/v1/waves", dict(wave_body(qid), opens_at=opens, closes_at=closes))
        assert r.status == 201, r
        assert (r.json["opens_at"], r.json["closes_at"]) == want, r.json


# ------------------------------------------------------------ listing

def test_every_role_lists_waves():
    qid = load_default()
    wid = make_wave(qid, "planned")
    _, _, (resp,) = municipality()
    for s in (resp, coordinator(), staff("researcher"), staff("admin")):
        r = s.get("/api/v1/waves")
        assert r.status == 200, r
        j = r.json
        assert set(j) == {"items", "next_cursor"}, j
        mine = [w for w in j["items"] if w["id"] == wid]
        assert len(mine) == 1, mine
        w = mine[0]
        assert set(w) == {"id", "questionnaire_id", "title", "opens_at", "closes_at", "state"}
        assert w["questionnaire_id"] == qid and w["state"] == "planned", w
        for w in j["items"]:
            assert w["state"] in ("planned", "open", "closed"), w
    expect_error(request("GET", "/api/v1/waves"), 401, "unauthenticated")


# ------------------------------------------------------------ changing

def test_patch_closing_date():
    wid = make_wave(None, "open")
    new = iso(60)
    r = coordinator().patch("/api/v1/waves/%d" % wid, {"closes_at": new})
    assert r.status == 200, r
    assert r.json["closes_at"] == new and r.json["state"] == "open", r.json
    assert wave_row(wid)[3] == new
    # A closing date in the past closes it.
    past = wave_row(wid)[2]
    r = staff("admin").patch("/api/v1/waves/%d" % wid, {"closes_at": iso(-0.5)})
    assert r.status == 200 and r.json["state"] == "closed", r
    assert wave_row(wid)[4] == "closed" and wave_row(wid)[2] == past
    # And one in the future opens it again.
    r = coordinator().patch("/api/v1/waves/%d" % wid, {"closes_at": new})
    assert r.status == 200 and r.json["state"] == "open" and r.json["closes_at"] == new, r


def test_patch_state_closed_and_open_again():
    wid = make_wave(None, "open")
    r = coordinator().patch("/api/v1/waves/%d" % wid, {"state": "closed"})
    assert r.status == 200 and r.json["state"] == "closed", r
    assert parse(r.json["closes_at"]) <= now()
    # Opening a closed wave needs a closing date in the future.
    before = wave_row(wid)
    r = coordinator().patch("/api/v1/waves/%d" % wid, {"state": "open"})
    expect_invalid(r, ["/state"])
    assert wave_row(wid) == before
    r = coordinator().patch("/api/v1/waves/%d" % wid, {"state": "open", "closes_at": iso(7)})
    assert r.status == 200 and r.json["state"] == "open", r
    assert wave_row(wid)[4] == "open"
    # Closing with a later closing date closes now all the same.
    r = coordinator().patch("/api/v1/waves/%d" % wid, {"state": "closed", "closes_at": iso(9)})
    assert r.status == 200 and r.json["state"] == "closed", r


def test_patch_state_open_of_a_planned_wave_opens_it_now():
    wid = make_wave(None, "planned")
    r = coordinator().patch("/api/v1/waves/%d" % wid, {"state": "open"})
    assert r.status == 200 and r.json["state"] == "open", r
    assert parse(r.json["opens_at"]) <= now()


def test_patch_state_closed_of_a_planned_wave_is_422_on_state():
    wid = make_wave(None, "planned")
    before = wave_row(wid)
    r = coordinator().patch("/api/v1/waves/%d" % wid, {"state": "closed"})
    expect_invalid(r, ["/state"])
    assert wave_row(wid) == before


def test_patch_problems():
    wid = make_wave(None, "open")
    before = wave_row(wid)
    c = coordinator()
    path = "/api/v1/waves/%d" % wid
    expect_invalid(c.patch(path, {"state": "planned"}), ["/state"])
    expect_invalid(c.patch(path, {"state": 1}), ["/state"])
    expect_invalid(c.patch(path, {"closes_at": "bald"}), ["/closes_at"])
    expect_invalid(c.patch(path, {"closes_at": "2031-04-31T00:00:00Z"}), ["/closes_at"])
    expect_invalid(c.patch(path, {"closes_at": iso(-3)}), ["/closes_at"])   # before opens_at
    expect_invalid(c.patch(path, {"opens_at": iso(-3)}), ["/opens_at"])
    expect_invalid(c.patch(path, {"title": "neu"}), ["/title"])
    expect_invalid(c.patch(path, []), [""])
    expect_invalid(c.patch(path), [""])
    assert wave_row(wid) == before
    expect_error(c.patch("/api/v1/waves/9007199254740991", {"closes_at": iso(3)}), 404,
                 "not_found")
    # An empty change changes nothing.
    r = c.patch(path, {})
    assert r.status == 200 and r.json["closes_at"] == before[3], r
    assert wave_row(wid) == before


def test_only_staff_change_waves():
    wid = make_wave(None, "open")
    before = wave_row(wid)
    _, _, (resp,) = municipality()
    for s in (resp, staff("researcher")):
        expect_error(s.patch("/api/v1/waves/%d" % wid, {"state": "closed"}), 403, "forbidden")
    expect_error(request("PATCH", "/api/v1/waves/%d" % wid, body={"state": "closed"}), 401,
                 "unauthenticated")
    assert wave_row(wid) == before


def test_wave_routes_take_no_other_methods():
    wid = make_wave(None, "open")
    c = coordinator()
    r = c.req("DELETE", "/api/v1/waves/%d" % wid)
    expect_error(r, 405, "method_not_allowed")
    assert r.header("Allow") == "PATCH", r.headers
    r = c.req("PUT", "/api/v1/waves")
    expect_error(r, 405, "method_not_allowed")
    assert r.header("Allow") == "GET, POST", r.headers


# ------------------------------------------------------------ not open

def test_writes_to_a_wave_that_is_not_open_are_409_wave_closed():
    qid = load_default()
    oid, _, (resp,) = municipality()
    for state in ("planned", "closed"):
        wid = make_wave(qid, state)
        path = "/api/v1/waves/%d/response" % wid
        r = resp.put(path, {"revision": 0, "answers": {"D1.1": {"level": 2}}})
        e = expect_error(r, 409, "wave_closed")
        assert e["revision"] == 0, e
        e = expect_error(resp.post(path + "/submit", {"revision": 0}), 409, "wave_closed")
        assert e["revision"] == 0, e
        assert response_row(wid, oid) is None
        # Reading is fine: an empty draft.
        r = resp.get(path)
        assert r.status == 200 and r.json["revision"] == 0 and r.json["answers"] == {}, r


def test_closing_a_wave_stops_saving_a_draft_and_reopening_allows_it():
    wid = make_wave(None, "open")
    oid, _, (resp,) = municipality()
    path = "/api/v1/waves/%d/response" % wid
    r = resp.put(path, {"revision": 0, "answers": {"D1.1": {"level": 2}}})
    assert r.status == 200 and r.json["revision"] == 1, r
    assert coordinator().patch("/api/v1/waves/%d" % wid, {"state": "closed"}).status == 200
    e = expect_error(resp.put(path, {"revision": 1, "answers": {"D1.1": {"level": 3}}}),
                     409, "wave_closed")
    assert e["revision"] == 1
    e = expect_error(resp.post(path + "/submit", {"revision": 1}), 409, "wave_closed")
    assert e["revision"] == 1
    row = response_row(wid, oid)
    assert row["revision"] == 1 and row["answers"] == {"D1.1": {"level": 2}}, row
    assert resp.get(path).json["answers"] == {"D1.1": {"level": 2}}
    r = coordinator().patch("/api/v1/waves/%d" % wid, {"state": "open", "closes_at": iso(5)})
    assert r.status == 200, r
    r = resp.put(path, {"revision": 1, "answers": {"D1.1": {"level": 3}}})
    assert r.status == 200 and r.json["revision"] == 2, r


def test_a_small_questionnaire_gets_waves_too():
    qid = store_definition(small_definition())
    wid = make_wave(qid, "open")
    _, _, (resp,) = municipality()
    r = resp.get("/api/v1/waves/%d/response" % wid)
    assert r.status == 200 and r.json["progress"] == {"answered": 0, "total": 11}, r


# ------------------------------------------------------------ command line

def test_cli_wave_add():
    qid = load_default()
    title = "CLI-Welle " + uniq()
    r = admin("wave", "add", "--questionnaire", DEFAULT_SLUG, "--title", title,
              "--opens", iso(-1), "--closes", iso(3))
    wid = int(r.stdout.strip())
    assert wave_row(wid)[:2] == [str(qid), title] and wave_row(wid)[4] == "open"
    r = admin("wave", "add", "--questionnaire", DEFAULT_SLUG + "@1", "--title", title,
              "--opens", iso(2), "--closes", iso(3))
    assert wave_row(int(r.stdout.strip()))[4] == "planned"


def test_cli_wave_add_failures():
    before = count_rows("wave")
    for q in ("no-such-questionnaire-" + uniq(), DEFAULT_SLUG + "@99", DEFAULT_SLUG + "@x"):
        r = admin("wave", "add", "--questionnaire", q, "--title", "x",
                  "--opens", iso(-1), "--closes", iso(3), check=False)
        assert r.returncode == 1, r
        assert r.stdout == "" and r.stderr.strip(), r
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = admin("wave", "add", "--questionnaire", "no-such-" + uniq(), "--title", "x",
              "--opens", iso(-1), "--closes", iso(3), check=False)
    assert "no questionnaire" in r.stderr, r.stderr
    r = admin("wave", "add", "--questionnaire", DEFAULT_SLUG, "--title", "x",
              "--opens", iso(3), "--closes", iso(-1), check=False)
    assert r.returncode == 1, r
    r = admin("wave", "add", "--questionnaire", DEFAULT_SLUG, "--title", "x",
              "--opens", "gestern", "--closes", iso(3), check=False)
    assert r.returncode == 1, r
    r = admin("wave", "add", "--questionnaire", DEFAULT_SLUG, "--title", "x", check=False)
    assert r.returncode == 2, r
    assert count_rows("wave") == before


def test_wave_requests_keep_the_workers_alive():
    alive = Survival()
    qid = load_default()
    c = coordinator()
    for body in ({"questionnaire_id": qid, "title": "\u202e" * 50, "opens_at": iso(-1),
                  "closes_at": iso(1)},
                 {"questionnaire_id": 2 ** 63 - 1, "title": "x", "opens_at": iso(-1),
                  "closes_at": iso(1)},
                 {"questionnaire_id": -2 ** 63, "title": "x", "opens_at": iso(-1),
                  "closes_at": iso(1)},
                 {"questionnaire_id": qid, "title": "x", "opens_at": "9" * 40,
                  "closes_at": "0" * 41},
                 {"questionnaire_id": qid, "title": "x", "opens_at": "2031-01-01T00:00:00+",
                  "closes_at": "2031-01-01 :::: ...."}):
        r = c.post("/api/v1/waves", body)
        assert r.status in (201, 422), r
        if r.status == 201:
            forget_wave(r.json["id"])
    alive.check()
