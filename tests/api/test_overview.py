"""The coordinators' overview of a wave (issue #5): GET
/waves/{wave}/overview and overview.csv. Participation counts equal a
recount from the database; the distribution is the histogram and the
quartiles of the network snapshot, recomputed here; a member's scores
appear only with its consent to named sharing; the CSV is RFC 4180.

The fixture has a wave and a Land of its own; the counts over all members
(other files' and the demo's too) are checked against a recount made
right after the answer."""
import csv
import io
import json

from bench_helpers import (DIMS, K, Org, answers_for, mean, percentile_cont, random_answers,
                           score_of, size_class, snapshot_row, unique_state, make_wave)
from lib import expect_error, psql, request
from survey_helpers import coordinator, staff, uniq

import random

STATUSES = ("not_invited", "invited", "draft", "submitted")

_fix = {}


def fixture():
    """One new Land: a member nobody was invited for, one with an account,
    one with an open invitation only, one draft, five submitted (0, 50
    and 100 exactly, two at random; D8 n/a for one: four D8 values), the
    first and third of them consenting to named sharing, and a
    non-member."""
    if _fix:
        return _fix
    state = unique_state()
    wid = make_wave()
    rng = random.Random(99)
    o_not = Org(state, population=900, respondent=False)
    o_inv = Org(state, population=3500)
    o_pend = Org(state, population=3600, respondent=False)
    o_draft = Org(state, population=25000, consent=True)
    subs = [Org(state, population=p, consent=c,
                name=('Gemeinde "Am See", Nord %s' % uniq()) if i == 0 else None)
            for i, (p, c) in enumerate([(12000, True), (1500, False), (60000, True),
                                        (12000, False), (7000, False)])]
    o_non = Org(state, population=5000, member=False)
    r = coordinator().post("/api/v1/invitations", {"email": "ov-%s@example.org" % uniq(),
                                                   "role": "respondent",
                                                   "organisation_id": o_pend.id})
    assert r.status == 201, r
    o_draft.put(wid, answers_for(3))
    answers = [answers_for(2), answers_for(4), answers_for(0),
               random_answers(rng), random_answers(rng, na_dims=("D8",))]
    for o, a in zip(subs, answers):
        o.submit(wid, a)
    _fix.update(state=state, wid=wid, not_invited=o_not, invited=o_inv, pending=o_pend,
                draft=o_draft, subs=subs, non=o_non)
    return _fix


def overview(wid, who=None):
    r = (who or coordinator()).get("/api/v1/waves/%d/overview" % wid)
    assert r.status == 200, r
    return r.json


def recount(wid):
    """Every member's status in the wave, from the tables themselves."""
    rows = psql("""
        SELECT o.id, o.state, coalesce(o.size_class::text, 'unknown'),
               coalesce(r.state, CASE
                   WHEN (SELECT count(*) FROM app_user u WHERE u.organisation_id = o.id) > 0
                     OR (SELECT count(*) FROM invitation i WHERE i.organisation_id = o.id
                         AND i.accepted_at IS NULL AND i.expires_at > now()) > 0
                   THEN 'invited' ELSE 'not_invited' END)
        FROM organisation o LEFT JOIN response r ON r.organisation_id = o.id AND r.wave_id = :'p1'
        WHERE o.member""", wid)

    def blank():
        return {"members": 0, "not_invited": 0, "invited": 0, "draft": 0, "submitted": 0}

    overall, by_state, by_size, status = blank(), {}, {}, {}
    for oid, st, sc, s in rows:
        status[int(oid)] = s
        for c in (overall, by_state.setdefault(st, blank()), by_size.setdefault(sc, blank())):
            c["members"] += 1
            c[s] += 1
    return overall, by_state, by_size, status


def strip(counter):
    return {k: counter[k] for k in ("members",) + STATUSES}


def test_participation_equals_a_recount():
    f = fixture()
    j = overview(f["wid"])
    overall, by_state, by_size, _ = recount(f["wid"])
    p = j["participation"]
    assert strip(p["overall"]) == overall, (p["overall"], overall)
    assert {k: strip(v) for k, v in p["by_state"].items()} == by_state
    assert {k: strip(v) for k, v in p["by_size_class"].items()} == by_size
    # Our Land, by hand: nine members (not the non-member).
    assert strip(p["by_state"][f["state"]]) == {"members": 9, "not_invited": 1, "invited": 2,
                                               "draft": 1, "submitted": 5}, p["by_state"][f["state"]]
    for c in [p["overall"]] + list(p["by_state"].values()) + list(p["by_size_class"].values()):
        assert c["members"] == sum(c[s] for s in STATUSES), c


def test_members_and_their_status():
    f = fixture()
    j = overview(f["wid"])
    _, _, _, status = recount(f["wid"])
    got = {m["id"]: m for m in j["members"]}
    assert set(got) == set(status), "the members listed are the member organisations"
    assert all(got[i]["status"] == s for i, s in status.items())
    assert f["non"].id not in got
    want = {f["not_invited"].id: "not_invited", f["invited"].id: "invited",
            f["pending"].id: "invited", f["draft"].id: "draft"}
    want.update({o.id: "submitted" for o in f["subs"]})
    for oid, st in want.items():
        assert got[oid]["status"] == st, (oid, got[oid], st)
        assert got[oid]["state"] == f["state"]
    o = f["subs"][2]
    assert got[o.id]["size_class"] == size_class(o.population) and got[o.id]["name"] == o.name
    assert got[f["draft"].id]["answered"] == 45 and got[f["invited"].id]["answered"] == 0
    names = [m["name"].encode() for m in j["members"]]
    assert names == sorted(names), "ordered by name"


def test_scores_only_with_consent():
    f = fixture()
    wid = f["wid"]
    got = {m["id"]: m for m in overview(wid)["members"]}
    for o in f["subs"]:
        m = got[o.id]
        assert m["consent_named"] is (o.id in (f["subs"][0].id, f["subs"][2].id)), m
        if m["consent_named"]:
            assert m["scores"]["overall"] == o.api_scores[wid]["overall"], (m, o.api_scores[wid])
            assert m["scores"]["dimensions"] == o.api_scores[wid]["dimensions"], m
        else:
            assert m["scores"] is None, m
    # A consenting draft shows no scores either.
    assert got[f["draft"].id]["consent_named"] is True
    assert got[f["draft"].id]["scores"] is None
    # Nobody without consent has a score anywhere in the answer.
    for m in got.values():
        assert m["scores"] is None or m["consent_named"], m


def histogram(values):
    h = [0] * 10
    for x in values:
        h[min(int(x // 10), 9)] += 1
    return h


def test_distribution_is_the_network_snapshot():
    f = fixture()
    wid = f["wid"]
    j = overview(wid)
    scores = [o.scores[wid] for o in f["subs"]]
    assert j["k"] == K
    snap = snapshot_row(wid, "network", "")
    assert j["snapshot"]["n"] == snap["n"] == 5 and j["snapshot"]["final"] is False, j["snapshot"]
    assert set(j["distribution"]) == {"overall"} | set(DIMS), j["distribution"].keys()
    for col in ["overall"] + DIMS:
        vals = [score_of(s, col) for s in scores if score_of(s, col) is not None]
        d = j["distribution"][col]
        if len(vals) < K:
            assert d == {"suppressed": True, "reason": "fewer_than_k", "k": K}, (col, d)
            continue
        assert d["n"] == len(vals), (col, d)
        assert d["histogram"] == histogram(vals), (col, d["histogram"], vals)
        assert sum(d["histogram"]) == len(vals)
        for k, p in (("p25", 0.25), ("median", 0.5), ("p75", 0.75)):
            assert abs(d[k] - percentile_cont(vals, p)) <= 1e-6, (col, k, d)
        assert abs(d["mean"] - mean(vals)) <= 1e-6, (col, d)
        assert "min" not in d and "max" not in d, d
    # 0, 50 and 100 exactly: first bin, sixth bin, last bin.
    h = j["distribution"]["overall"]["histogram"]
    assert h[0] >= 1 and h[5] >= 1 and h[9] >= 1, h
    assert j["distribution"]["D8"]["suppressed"] is True


def test_distribution_suppressed_without_a_snapshot():
    state = unique_state()
    wid = make_wave()
    orgs = [Org(state) for _ in range(K - 1)]
    for o in orgs:
        o.submit(wid, answers_for(2))
    j = overview(wid)
    assert j["snapshot"]["n"] is None, j["snapshot"]
    assert set(j["distribution"]) == {"overall"} | set(DIMS), j["distribution"]
    for col, d in j["distribution"].items():
        assert d == {"suppressed": True, "reason": "fewer_than_k", "k": K}, (col, d)
    # Nothing of the four submitted is shown beyond counts.
    assert all(not m["scores"] for m in j["members"] if m["id"] in {o.id for o in orgs})


def test_overview_csv():
    f = fixture()
    wid = f["wid"]
    r = coordinator().get("/api/v1/waves/%d/overview.csv" % wid)
    assert r.status == 200, r
    assert r.header("Content-Type") == "text/csv; charset=utf-8", r.headers
    assert "attachment" in (r.header("Content-Disposition") or "")
    text = r.body.decode("utf-8")
    # RFC 4180: CRLF after every record, the last one too.
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), repr(text[:200])
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    header = rows[0]
    assert header == ["id", "name", "state", "size_class", "size_class_label", "status",
                      "answered", "consent_named", "overall", "stage"], header
    body = [dict(zip(header, row)) for row in rows[1:]]
    assert all(len(row) == len(header) for row in rows), "every row has every field"
    j = overview(wid)
    assert [int(b["id"]) for b in body] == [m["id"] for m in j["members"]], "one row per member"
    by_id = {int(b["id"]): b for b in body}
    for m in j["members"]:
        b = by_id[m["id"]]
        assert b["status"] == m["status"] and b["name"] == m["name"], (b, m)
        assert b["consent_named"] == ("true" if m["consent_named"] else "false")
        if m["scores"] is None:
            assert b["overall"] == "" and b["stage"] == "", b
        else:
            assert b["overall"] == "%.1f" % m["scores"]["overall"], (b, m)
            assert b["stage"] == m["scores"]["stage"], (b, m)
    # The name with a comma and quotes came back whole (quoted in the file).
    o = f["subs"][0]
    assert by_id[o.id]["name"] == o.name and '"' in o.name and "," in o.name
    assert '"' + o.name.replace('"', '""') + '"' in text
    assert by_id[o.id]["overall"] == "50.0" and by_id[o.id]["stage"] == "fortgeschritten"
    for o in f["subs"][1::2]:
        assert by_id[o.id]["status"] == "submitted" and by_id[o.id]["overall"] == "", by_id[o.id]
    assert by_id[f["subs"][1].id]["size_class_label"], "a label for the size class"


def test_overview_roles_and_unknown_wave():
    f = fixture()
    wid = f["wid"]
    for path in ("/api/v1/waves/%d/overview", "/api/v1/waves/%d/overview.csv"):
        assert staff("admin").get(path % wid).status == 200
        expect_error(staff("researcher").get(path % wid), 403, "forbidden")
        expect_error(f["subs"][0].session.get(path % wid), 403, "forbidden")
        expect_error(request("GET", path % wid), 401, "unauthenticated")
        expect_error(coordinator().get(path % 9007199254740991), 404, "not_found")
