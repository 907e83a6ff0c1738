"""The workers' answer cache (cgi/anscache.c, 011_answer_cache.sql): a
benchmark answer is given again from a worker's cache only while nothing it
was made from has changed.

Each test first has every worker keep the answer (many requests; the
metrics show that they came from the cache, and they are all the same),
then changes one thing the answer depends on, through the API or straight
in the database, and then every answer, whichever worker gives it, shows
the change at once."""
import json
import random
import re

from bench_helpers import Org, make_wave, random_answers, reopen, unique_state
from lib import expect_error, psql, request
from survey_helpers import coordinator

# Several times the workers of the test stack, so that each one answers.
REPEAT = 24


def cache_counts():
    r = request("GET", "/api/v1/metrics")
    assert r.status == 200, r
    text = r.body.decode()
    return {m.group(1): int(m.group(2)) for m in re.finditer(
        r'^reifegrad_answer_cache_total\{result="(\w+)"\} (\d+)$', text, re.M)}


def warm_by(get):
    """Every worker keeps the answer get() asks for; returns it, after
    checking that most came from a cache and all are the same."""
    before = cache_counts()
    bodies = set()
    for _ in range(REPEAT):
        r = get()
        assert r.status == 200, r
        bodies.add(r.body)
    after = cache_counts()
    assert len(bodies) == 1, "answers differ between workers"
    # At most one answer per worker is made afresh.
    assert after["hit"] - before["hit"] >= REPEAT // 2, (before, after)
    return json.loads(bodies.pop())


def warm(org, wid, peers="state"):
    """warm_by() for org's benchmark."""
    return warm_by(lambda: org.benchmark(wid, peers))


def every(org, wid, peers="state"):
    return [org.benchmark(wid, peers) for _ in range(REPEAT)]


_groups = []


def group(size=6, submitted=6, seed=71):
    """A Land of its own in a new wave: size municipalities, the first
    submitted of them submitted."""
    state = unique_state()
    wid = make_wave()
    rng = random.Random(seed + len(_groups))
    orgs = [Org(state, population=3000 + 701 * i) for i in range(size)]
    for o in orgs[:submitted]:
        o.submit(wid, random_answers(rng))
    _groups.append(wid)
    return wid, rng, orgs


def test_cached_answer_is_the_fresh_answer():
    wid, _, orgs = group()
    cached = warm(orgs[0], wid)
    before = cache_counts()
    # A change that alters nothing of the answer still counts a version
    # up: the next answers are made afresh, and equal the cached one.
    psql("UPDATE organisation SET name = name WHERE id = :'p1'", orgs[0].id)
    fresh = [r.json for r in every(orgs[0], wid)]
    after = cache_counts()
    assert after["miss"] > before["miss"]
    assert all(f == cached for f in fresh)


def test_each_organisation_gets_its_own_answer():
    wid, _, orgs = group()
    a, b = warm(orgs[0], wid), warm(orgs[1], wid)
    assert a["organisation"]["id"] == orgs[0].id
    assert b["organisation"]["id"] == orgs[1].id
    assert a["scores"] != b["scores"]
    # And per query: peers=network is another answer.
    n = warm(orgs[0], wid, "network")
    assert n["peers"]["by"] == "network" and a["peers"]["by"] == "state"


def test_sign_out_ends_a_cached_session_on_every_worker():
    wid, _, orgs = group()
    warm(orgs[0], wid)
    r = orgs[0].session.post("/api/v1/logout")
    assert r.status == 204, r
    for r in every(orgs[0], wid):
        expect_error(r, 401, "unauthenticated")


def test_session_ended_in_the_database():
    wid, _, orgs = group()
    for o, sql in ((orgs[0], "last_seen_at = now() - interval '1 day'"),
                   (orgs[1], "expires_at = now() - interval '1 second'")):
        warm(o, wid)
        psql("UPDATE session SET " + sql + " WHERE user_id = :'p1'", o.session.user["id"])
        for r in every(o, wid):
            expect_error(r, 401, "unauthenticated")


def test_an_account_that_changes_role_is_refused_at_once():
    wid, _, orgs = group()
    warm(orgs[0], wid)
    psql("UPDATE app_user SET role = 'researcher', organisation_id = NULL"
         " WHERE id = :'p1'", orgs[0].session.user["id"])
    for r in every(orgs[0], wid):
        expect_error(r, 403, "forbidden")


def test_reopen_and_submit_again_show_at_once():
    wid, rng, orgs = group()
    first = warm(orgs[0], wid)
    reopen(wid, orgs[0], coordinator())
    for r in every(orgs[0], wid):
        expect_error(r, 409, "conflict")
    stored = orgs[0].submit(wid, random_answers(rng))
    rs = every(orgs[0], wid)
    assert len({r.body for r in rs}) == 1
    got = rs[0].json["scores"]
    assert got != first["scores"]
    assert abs(got["overall"] - stored["overall"]) < 1e-6, (got, stored)


def test_an_organisation_renamed_or_regrouped_shows_at_once():
    wid, _, orgs = group()
    warm(orgs[0], wid)
    psql("UPDATE organisation SET name = 'Umbenannt-' || id WHERE id = :'p1'", orgs[0].id)
    names = {r.json["organisation"]["name"] for r in every(orgs[0], wid)}
    assert names == {"Umbenannt-%d" % orgs[0].id}, names
    # A new Land: its own state group is empty, so the state figures go.
    warm(orgs[1], wid)
    psql("UPDATE organisation SET state = :'p2' WHERE id = :'p1'", orgs[1].id, unique_state())
    for r in every(orgs[1], wid):
        assert r.status == 200, r
        assert r.json["stats"]["overall"].get("suppressed") is True, r


def test_a_new_k_shows_at_once():
    """Settings count every wave's version up."""
    wid, _, orgs = group(size=6, submitted=6)
    assert warm(orgs[0], wid)["stats"]["overall"]["n"] == 5
    try:
        psql("INSERT INTO setting (key, value) VALUES ('k_anonymity', '7')"
             " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")
        for r in every(orgs[0], wid):
            s = r.json["stats"]["overall"]
            assert s.get("suppressed") is True and s["k"] == 7, s
    finally:
        psql("DELETE FROM setting WHERE key = 'k_anonymity'")
    assert all(r.json["stats"]["overall"]["n"] == 5 for r in every(orgs[0], wid))


def test_a_renewed_snapshot_shows_at_once():
    wid, rng, orgs = group(size=10, submitted=5)
    assert warm(orgs[0], wid)["stats"]["overall"]["n"] == 5
    # k = 5 more submissions renew the state group's snapshot.
    for o in orgs[5:]:
        o.submit(wid, random_answers(rng))
    assert {r.json["stats"]["overall"]["n"] for r in every(orgs[0], wid)} == {10}


def test_a_closed_wave_shows_final_figures_at_once():
    wid, _, orgs = group()
    assert warm(orgs[0], wid)["stats"]["final"] is False
    r = coordinator().patch("/api/v1/waves/%d" % wid, {"state": "closed"})
    assert r.status == 200, r
    for r in every(orgs[0], wid):
        assert r.status == 200 and r.json["stats"]["final"] is True, r


def test_a_wave_that_reaches_its_end_is_not_served_from_the_cache():
    """A wave closes by its date alone, without any write: an answer is
    kept only until shortly before the wave's end."""
    wid, _, orgs = group()
    psql("UPDATE wave SET closes_at = now() + interval '1 second' WHERE id = :'p1'", wid)
    before = cache_counts()
    rs = every(orgs[0], wid)
    after = cache_counts()
    assert all(r.status == 200 for r in rs)
    assert after["hit"] == before["hit"], (before, after)


# ------------------------------------------------------------ response GET

RESPONSE = "/api/v1/waves/%d/response"


def warm_response(org, wid):
    """warm_by() for GET /waves/{wave}/response."""
    return warm_by(lambda: org.session.get(RESPONSE % wid))


def test_a_colleagues_autosave_shows_at_once():
    from survey_helpers import Session, make_user
    wid, rng, orgs = group(size=1, submitted=0)
    o = orgs[0]
    o.put(wid, {"D1.1": {"level": 1}})
    first = warm_response(o, wid)
    colleague = Session(make_user("respondent", o.key))
    r = colleague.put(RESPONSE % wid, {"revision": first["revision"],
                                       "answers": {"D1.2": {"level": 3, "comment": "neu"}}})
    assert r.status == 200, r
    for r in [o.session.get(RESPONSE % wid) for _ in range(REPEAT)]:
        assert r.status == 200, r
        assert r.json["revision"] == first["revision"] + 1, r
        assert r.json["answers"]["D1.2"] == {"level": 3, "comment": "neu"}, r
        assert r.json["updated_by"] == colleague.user["name"], r


def test_a_submission_and_its_reopening_show_at_once():
    wid, rng, orgs = group(size=1, submitted=0)
    o = orgs[0]
    o.put(wid, random_answers(rng))
    assert warm_response(o, wid)["state"] == "draft"
    r = o.session.post(RESPONSE % wid + "/submit", {"revision": o.session.get(RESPONSE % wid).json["revision"]})
    assert r.status == 200, r
    for r in [o.session.get(RESPONSE % wid) for _ in range(REPEAT)]:
        assert r.json["state"] == "submitted" and "scores" in r.json, r
    warm_response(o, wid)
    reopen(wid, o, coordinator())
    for r in [o.session.get(RESPONSE % wid) for _ in range(REPEAT)]:
        assert r.json["state"] == "draft" and "scores" not in r.json, r


def test_another_organisations_response_is_never_given():
    wid, rng, orgs = group(size=2, submitted=0)
    orgs[0].put(wid, {"D1.1": {"level": 4}})
    orgs[1].put(wid, {"D1.1": {"level": 0}})
    a, b = warm_response(orgs[0], wid), warm_response(orgs[1], wid)
    assert a["answers"]["D1.1"]["level"] == 4 and b["answers"]["D1.1"]["level"] == 0
