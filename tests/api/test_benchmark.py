"""Benchmarks (issue #5): GET /waves/{wave}/benchmark as API.md says, every
figure recomputed here (and by PostgreSQL) from the submitted scores;
suppression below k; peers=auto; snapshots that move only after k
changes or when the wave closes (final); the hypothetical rank of a
latecomer; a reopened response leaving the ranks; the trend of an
organisation; `reifegrad-admin snapshot`.

Every fixture has a wave and a Land of its own, so the groups hold only
what the test made."""
import json
import os
import random
import re
import signal
import time

from bench_helpers import (COLUMNS, DEFN, DIMS, K, Org, answers_for, assert_stats_equal,
                           close_wave, expected_stats, keys_anywhere, make_wave,
                           percent_rank_hypothetical, percent_rank_window, pg_figures,
                           random_answers, rank_row, reopen, score_of, snapshot_row,
                           unique_state)
from lib import (admin, expect_error, fcgi_master_pid, psql, snapshots_settled, snapshotter_pid,
                 wait_for)
from survey_helpers import STAGES, Session, coordinator, make_user, staff, uniq

BENCH = "/api/v1/waves/%d/benchmark"
# Several of the snapshotter's passes (cgi/snapshotter.h: 200 ms apart).
SNAPSHOTTER_WAIT = 0.8


def stage_of(score):
    for bound, name in STAGES:
        if score < bound:
            return name
    return "vorreiter"


def stats_text(r):
    assert r.status == 200, r
    return json.dumps(r.json["stats"], sort_keys=True)


# ------------------------------------------------------------ the fixture
#
# Seven municipalities of one new Land answer at random (two of them
# identically, for ties); five submit, which makes the first snapshot;
# the sixth and seventh submit after it.

_fix = {}


def fixture():
    if _fix:
        return _fix
    rng = random.Random(5005)
    state = unique_state()
    wid = make_wave()
    pops = [800, 3000, 12000, 12000, 45000, 150000, 7000]
    orgs = [Org(state, population=p, urbanisation=1 + i % 3,
                kind="stadt" if p >= 10000 else "gemeinde") for i, p in enumerate(pops)]
    answers = [random_answers(rng) for _ in orgs]
    answers[3] = json.loads(json.dumps(answers[1]))   # a tie
    answers[4] = random_answers(rng, na_dims=("D8",))  # D8 null for one
    for o, a in zip(orgs[:5], answers[:5]):
        o.submit(wid, a)
    snap_after_5 = snapshot_row(wid, "state", state)
    views_after_5 = [stats_text(o.benchmark(wid, "state")) for o in orgs[:5]]
    for o, a in zip(orgs[5:], answers[5:]):
        o.submit(wid, a)
    _fix.update(state=state, wid=wid, orgs=orgs, snap5=snap_after_5, views5=views_after_5)
    return _fix


def test_benchmark_answer_has_the_shape_of_api_md():
    f = fixture()
    o = f["orgs"][0]
    r = o.benchmark(f["wid"], "state")
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/json; charset=utf-8", r.headers
    j = r.json
    assert j["wave"] == f["wid"], j
    assert j["organisation"] == {"id": o.id, "name": o.name}, j["organisation"]
    assert j["scores"] == o.api_scores[f["wid"]], (j["scores"], o.api_scores[f["wid"]])
    assert j["scores"]["stage"] == stage_of(j["scores"]["overall"]), j["scores"]
    assert j["peers"]["by"] == "state" and j["peers"]["label"] == f["state"], j["peers"]
    assert j["peers"]["n"] == 5, j["peers"]
    assert set(j["stats"]) >= {"overall", "dimensions", "as_of", "final"}, j["stats"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", j["stats"]["as_of"]), j["stats"]
    assert j["stats"]["final"] is False, j["stats"]
    # Never a minimum or a maximum, anywhere, for any peer group.
    for peers in ("auto", "size_class", "kind", "state", "urbanisation", "network"):
        for m in f["orgs"]:
            a = m.benchmark(f["wid"], peers)
            assert a.status == 200, a
            bad = keys_anywhere(a.json) & {"min", "max", "minimum", "maximum"}
            assert not bad, (peers, bad, a.json)


def test_statistics_equal_an_independent_recomputation():
    """p25, median, p75, mean and the window percentile rank of each of
    the five members of the snapshot, as API.md defines them."""
    f = fixture()
    wid = f["wid"]
    members = f["orgs"][:5]
    snap_scores = [o.scores[wid] for o in members]
    for o in members:
        r = o.benchmark(wid, "state")
        assert r.status == 200, r
        want = expected_stats(snap_scores, o.scores[wid], True)
        assert_stats_equal(r.json["stats"], want, o.name)
    # The tie: the same answers, the same rank.
    a = members[1].benchmark(wid, "state").json["stats"]["overall"]
    b = members[3].benchmark(wid, "state").json["stats"]["overall"]
    assert a["percentile_rank"] == b["percentile_rank"], (a, b)
    # D8 is null for one of the five: only four values, suppressed.
    d8 = members[0].benchmark(wid, "state").json["stats"]["dimensions"]["D8"]
    assert d8 == {"suppressed": True, "reason": "fewer_than_k", "k": K}, d8


def test_statistics_equal_what_postgresql_computes():
    f = fixture()
    wid = f["wid"]
    members = f["orgs"][:5]
    for o in members:
        st = o.benchmark(wid, "state").json["stats"]
        for col in COLUMNS:
            vals = [score_of(m.scores[wid], col) for m in members
                    if score_of(m.scores[wid], col) is not None]
            got = st["overall"] if col == "overall" else st["dimensions"][col]
            if len(vals) < K:
                assert got.get("suppressed") is True, got
                continue
            own = score_of(o.scores[wid], col)
            pg = pg_figures(vals, own)
            for k in ("p25", "median", "p75", "mean"):
                assert abs(got[k] - pg[k]) <= 1e-6, (col, k, got, pg)
            # round(100 x) half away from zero, as PostgreSQL's round().
            want = int(psql("SELECT round(100 * %r::float8::numeric)" % pg["window"])[0][0])
            assert got["percentile_rank"] == want, (col, got, pg)
            assert abs(pg["window"] - percent_rank_window(vals, own)) < 1e-12, (pg, vals, own)


def test_latecomer_gets_the_hypothetical_rank():
    """The sixth and seventh submitted after the snapshot of five: their
    ranks are the hypothetical-set percent_rank within it."""
    f = fixture()
    wid = f["wid"]
    snap_scores = [o.scores[wid] for o in f["orgs"][:5]]
    for o in f["orgs"][5:]:
        r = o.benchmark(wid, "state")
        assert r.status == 200, r
        assert r.json["peers"]["n"] == 5, r.json["peers"]
        want = expected_stats(snap_scores, o.scores[wid], False)
        assert_stats_equal(r.json["stats"], want, o.name)
        vals = [s["overall"] for s in snap_scores]
        pg = pg_figures(vals, o.scores[wid]["overall"])
        assert abs(pg["hypothetical"] - percent_rank_hypothetical(vals, o.scores[wid]["overall"])) < 1e-12
        # No stored rank for the latecomer in the state group.
        ranks = rank_row(wid, o) or {}
        assert "state" not in ranks, ranks


def test_others_see_nothing_of_the_latecomers():
    f = fixture()
    for o, before in zip(f["orgs"][:5], f["views5"]):
        assert stats_text(o.benchmark(f["wid"], "state")) == before, o.name
    snap = snapshot_row(f["wid"], "state", f["state"])
    assert snap == f["snap5"], (snap, f["snap5"])
    assert snap["n"] == 5 and snap["final"] is False, snap


def test_recommendations_targets_and_gap():
    f = fixture()
    wid = f["wid"]
    by_id = {d["id"]: d for d in DEFN["dimensions"]}
    for o in f["orgs"]:
        j = o.benchmark(wid, "state").json
        sc = o.scores[wid]
        recs = j["recommendations"]
        for d in DIMS:
            s = sc["dimensions"][d]
            if s is None:
                assert d not in recs or recs[d] is None, (d, recs)
                continue
            st = stage_of(s)
            assert recs[d]["stage"] == st, (d, s, recs[d])
            assert recs[d]["text"] == by_id[d]["recommendations"][st], (d, recs[d])
            tg = [o.answers[wid][it["id"]]["target"] for it in by_id[d]["items"]
                  if "target" in o.answers[wid][it["id"]]]
            if not tg:
                assert j["targets"][d] is None and j["gap"][d] is None, (d, j["targets"], j["gap"])
                continue
            want = 100.0 * (sum(tg) / len(tg)) / 4.0
            assert abs(j["targets"][d] - want) < 1e-6, (d, j["targets"][d], want)
            assert abs(j["gap"][d] - (want - s)) < 1e-6, (d, j["gap"][d], want - s)
        assert set(j["targets"]) == set(DIMS) and set(j["gap"]) == set(DIMS), j


def test_targets_when_every_item_has_one():
    """A fixed case by hand: every level 1, every target 3: targets 75,
    scores 25, gap 50 in every dimension; stage aufbauend everywhere."""
    state = unique_state()
    wid = make_wave()
    orgs = [Org(state) for _ in range(K)]
    for o in orgs:
        o.submit(wid, answers_for(1, targets=3))
    j = orgs[0].benchmark(wid, "state").json
    for d in DIMS:
        assert j["scores"]["dimensions"][d] == 25.0
        assert j["targets"][d] == 75.0 and j["gap"][d] == 50.0, (j["targets"], j["gap"])
        assert j["recommendations"][d]["stage"] == "aufbauend", j["recommendations"][d]
    # Everyone equal: all quartiles 25, every rank 0.
    ov = j["stats"]["overall"]
    assert ov == {"n": 5, "p25": 25.0, "median": 25.0, "p75": 25.0, "mean": 25.0,
                  "percentile_rank": 0}, ov


def test_rank_rounds_half_away_from_zero():
    """Nine members with distinct scores: the window ranks are k/8, so
    the one with one below has 12.5 -> 13 (Python's round() says 12),
    and three below: 37.5 -> 38."""
    state = unique_state()
    wid = make_wave()
    orgs = [Org(state) for _ in range(9)]
    # Distinct overall scores: i items at level 4 more than the last.
    for i, o in enumerate(orgs):
        lv = {it: 0 for it in [x for d in DEFN["dimensions"] for x in [y["id"] for y in d["items"]]]}
        for it in list(lv)[:i * 3]:
            lv[it] = 4
        o.submit(wid, answers_for(lv))
    # Nine changes in the state group: one snapshot at the fifth; the
    # admin tool makes one of all nine.
    admin("snapshot", str(wid))
    got = [o.benchmark(wid, "state").json["stats"]["overall"]["percentile_rank"] for o in orgs]
    assert got == [0, 13, 25, 38, 50, 63, 75, 88, 100], got
    assert round(12.5) == 12  # the trap this test is about


# ------------------------------------------------------------ groups

def test_peers_auto_takes_the_first_group_with_k_members():
    """T (12,000 inhabitants: size class 4; urbanisation 1; a stadt) and
    pools that share exactly one attribute with it. Four waves, each
    with just enough of one pool for the next kind of group."""
    state = unique_state()
    T = Org(state, population=12000, urbanisation=1, kind="stadt")
    S = [Org(state, population=15000, urbanisation=3, kind="gemeinde") for _ in range(4)]
    U = [Org(state, population=3000, urbanisation=1, kind="gemeinde") for _ in range(4)]
    Kd = [Org(state, population=3000, urbanisation=3, kind="stadt") for _ in range(4)]
    rng = random.Random(77)
    cases = [("size_class", S[:4] + []), ("urbanisation", S[:3] + U[:4]),
             ("kind", S[:3] + U[:3] + Kd[:4]), ("network", S[:3] + U[:3] + Kd[:3])]
    for want_by, others in cases:
        wid = make_wave()
        for o in [T] + others:
            o.submit(wid, random_answers(rng))
        # Close: every group gets its (final) snapshot, also the small.
        close_wave(wid)
        r = T.benchmark(wid)
        assert r.status == 200, r
        j = r.json
        assert j["peers"]["by"] == want_by, (want_by, j["peers"])
        labels = {"size_class": "10.000 bis unter 20.000 Einwohner",
                  "urbanisation": "dicht besiedelt", "kind": "Städte",
                  "network": "das ganze Netzwerk"}
        assert j["peers"]["label"] == labels[want_by], j["peers"]
        members = [T] + [o for o in others if o.group_value(want_by) == T.group_value(want_by)]
        assert len(members) >= K, (want_by, len(members))
        assert j["peers"]["n"] == len(members), (want_by, j["peers"], len(members))
        assert j["stats"]["final"] is True, j["stats"]
        assert_stats_equal(j["stats"], expected_stats([m.scores[wid] for m in members],
                                                      T.scores[wid], True), want_by)
        assert j == T.benchmark(wid, want_by).json, want_by
        # Every narrower group had four: suppressed, though its final
        # snapshot exists.
        order = ["size_class", "urbanisation", "kind", "network"]
        for narrower in order[:order.index(want_by)]:
            snap = snapshot_row(wid, narrower, T.group_value(narrower))
            assert snap is not None and snap["n"] == K - 1 and snap["final"], (narrower, snap)
            s = T.benchmark(wid, narrower).json
            sup = {"suppressed": True, "reason": "fewer_than_k", "k": K}
            assert s["peers"]["by"] == narrower, s["peers"]
            assert s["stats"]["overall"] == sup, (narrower, s["stats"])
            assert all(v == sup for v in s["stats"]["dimensions"].values()), s["stats"]
            assert not keys_anywhere(s["stats"]) & {"n", "p25", "median", "p75", "mean",
                                                    "percentile_rank"}, s["stats"]


def test_group_of_four_is_suppressed_and_of_five_shown():
    state = unique_state()
    rng = random.Random(45)
    wid4, wid5 = make_wave(), make_wave()
    orgs = [Org(state) for _ in range(5)]
    for o in orgs[:4]:
        o.submit(wid4, random_answers(rng))
    for o in orgs:
        o.submit(wid5, random_answers(rng))
    sup = {"suppressed": True, "reason": "fewer_than_k", "k": K}
    j4 = orgs[0].benchmark(wid4, "state").json
    assert j4["stats"]["overall"] == sup and set(j4["stats"]["dimensions"]) == set(DIMS), j4
    assert all(v == sup for v in j4["stats"]["dimensions"].values()), j4
    j5 = orgs[0].benchmark(wid5, "state").json
    assert j5["stats"]["overall"]["n"] == 5, j5
    assert j5["peers"]["n"] == 5, j5
    # The group of four stays suppressed when its final snapshot exists.
    close_wave(wid4)
    j4 = orgs[0].benchmark(wid4, "state").json
    assert snapshot_row(wid4, "state", state)["n"] == 4
    assert j4["stats"]["overall"] == sup, j4


def test_bad_peers_is_400():
    f = fixture()
    o = f["orgs"][0]
    for bad in ("", "city", "State", "size_class,kind", "auto%00", "x" * 100):
        r = o.session.get(BENCH % f["wid"] + "?peers=" + bad)
        expect_error(r, 400, "bad_request")


def test_not_submitted_is_409():
    state = unique_state()
    wid = make_wave()
    o = Org(state)
    expect_error(o.benchmark(wid), 409, "conflict")      # never touched
    o.put(wid, answers_for(2))
    expect_error(o.benchmark(wid), 409, "conflict")      # a draft


def test_other_roles_are_403_and_unknown_wave_404():
    f = fixture()
    for role in ("coordinator", "researcher", "admin"):
        expect_error(staff(role).get(BENCH % f["wid"]), 403, "forbidden")
    expect_error(f["orgs"][0].session.get(BENCH % 9007199254740991), 404, "not_found")
    from lib import request
    expect_error(request("GET", BENCH % f["wid"]), 401, "unauthenticated")


# ------------------------------------------------------------ snapshots

def test_snapshots_move_only_after_k_changes_then_final():
    state = unique_state()
    wid = make_wave()
    rng = random.Random(13)
    orgs = [Org(state, population=1000 + 997 * i) for i in range(14)]
    sub = []

    def views():
        return [stats_text(o.benchmark(wid, "state")) for o in sub]

    for o in orgs[:4]:
        o.submit(wid, random_answers(rng))
        sub.append(o)
        assert snapshot_row(wid, "state", state) is None
        assert o.benchmark(wid, "state").json["stats"]["overall"]["suppressed"] is True
    orgs[4].submit(wid, random_answers(rng))
    sub.append(orgs[4])
    snap = snapshot_row(wid, "state", state)
    assert snap is not None and snap["n"] == 5, snap
    for o in orgs[5:7]:
        o.submit(wid, random_answers(rng))
        sub.append(o)
    before = views()
    assert all(json.loads(v)["overall"]["n"] == 5 for v in before), before
    # The eighth and ninth: nothing moves for anyone.
    for o in orgs[7:9]:
        o.submit(wid, random_answers(rng))
        assert views()[:len(before)] == before, o.name
        sub.append(o)
        assert snapshot_row(wid, "state", state)["n"] == 5
    # The tenth is the fifth change since the snapshot: it moves.
    orgs[9].submit(wid, random_answers(rng))
    sub.append(orgs[9])
    assert snapshot_row(wid, "state", state)["n"] == 10
    now = views()
    want = [expected_stats([x.scores[wid] for x in sub], o.scores[wid], True) for o in sub]
    for o, v, w in zip(sub, now, want):
        assert_stats_equal(json.loads(v), w, o.name)
    assert rank_row(wid, orgs[9])["state"]["overall"] == json.loads(now[9])["overall"]["percentile_rank"]

    # A reopening is a change, and the reopened response's ranks go.
    gone = orgs[2]
    assert rank_row(wid, gone) is not None
    reopen(wid, gone)
    assert rank_row(wid, gone) is None
    expect_error(gone.benchmark(wid, "state"), 409, "conflict")
    sub.remove(gone)
    before = views()
    for o in orgs[10:13]:  # three more: four changes since the snapshot
        o.submit(wid, random_answers(rng))
        assert views()[:len(before)] == before, o.name
        sub.append(o)
    assert snapshot_row(wid, "state", state)["n"] == 10
    # The fifth change: gone submits again (different answers).
    gone.submit(wid, random_answers(rng))
    sub.append(gone)
    snap = snapshot_row(wid, "state", state)
    assert snap["n"] == 13, snap
    for o in sub:
        assert_stats_equal(o.benchmark(wid, "state").json["stats"],
                           expected_stats([x.scores[wid] for x in sub], o.scores[wid], True), o.name)

    # One more submits, then the wave closes: the next benchmark is
    # final and holds everyone.
    orgs[13].submit(wid, random_answers(rng))
    sub.append(orgs[13])
    assert orgs[13].benchmark(wid, "state").json["stats"]["overall"]["n"] == 13
    close_wave(wid)
    for o in sub:
        j = o.benchmark(wid, "state").json
        assert j["stats"]["final"] is True, j["stats"]
        assert j["peers"]["n"] == 14, j["peers"]
        assert_stats_equal(j["stats"], expected_stats([x.scores[wid] for x in sub],
                                                      o.scores[wid], True), o.name)
    snap = snapshot_row(wid, "state", state)
    assert snap["final"] and snap["n"] == 14, snap
    net = snapshot_row(wid, "network", "")
    assert net["final"] and net["n"] == 14, net


def state_group(size, submitted, seed):
    """A Land of its own with size municipalities in a new wave, the first
    submitted of them submitted; returns (state, wave, rng, orgs)."""
    state = unique_state()
    wid = make_wave()
    rng = random.Random(seed)
    orgs = [Org(state, population=3000 + 501 * i) for i in range(size)]
    for o in orgs[:submitted]:
        o.submit(wid, random_answers(rng))
    return state, wid, rng, orgs


def test_submit_never_waits_for_the_snapshots():
    """A submission is stored and answered while the snapshotter is
    stopped; it is queued, and counted (the group's snapshot appears) as
    soon as the snapshotter runs again."""
    state, wid, rng, orgs = state_group(5, 4, 29)
    snap = snapshotter_pid(fcgi_master_pid())
    assert snap is not None
    last = orgs[4]
    os.kill(snap, signal.SIGSTOP)
    try:
        rev = last.put(wid, random_answers(rng))
        r = last.session.post("/api/v1/waves/%d/response/submit" % wid, {"revision": rev})
        assert r.status == 200, r
        assert psql("SELECT state FROM response WHERE wave_id = :'p1' AND organisation_id = :'p2'",
                    wid, last.id) == [["submitted"]]
        time.sleep(SNAPSHOTTER_WAIT)
        assert psql("SELECT count(*) FROM peer_pending WHERE wave_id = :'p1'", wid) == [["1"]]
        assert snapshot_row(wid, "state", state) is None
    finally:
        os.kill(snap, signal.SIGCONT)
    snapshots_settled()
    snap_row = snapshot_row(wid, "state", state)
    assert snap_row is not None and snap_row["n"] == 5, snap_row
    assert last.benchmark(wid, "state").json["stats"]["overall"]["n"] == 5


def test_a_pass_renewing_many_groups_gives_what_a_whole_renewal_gives():
    """Six municipalities of a new Land submit while the snapshotter is
    stopped: its next pass finds several groups due at once (the network,
    the Land, and their kinds and classes), reads the wave's responses
    once for all of them, and must store for each the figures and ranks
    that renewing the whole wave (reifegrad-admin snapshot) stores."""
    state = unique_state()
    wid = make_wave()
    rng = random.Random(41)
    orgs = [Org(state, population=3000 + 701 * i) for i in range(6)]
    snap = snapshotter_pid(fcgi_master_pid())
    assert snap is not None
    os.kill(snap, signal.SIGSTOP)
    try:
        for o in orgs:
            rev = o.put(wid, random_answers(rng))
            r = o.session.post("/api/v1/waves/%d/response/submit" % wid, {"revision": rev})
            assert r.status == 200, r
    finally:
        os.kill(snap, signal.SIGCONT)
    snapshots_settled()

    def stored():
        snaps = {(b, v): (n, st, sc) for b, v, n, st, sc in psql(
            "SELECT peer_by, peer_value, n, stats::text, scores::text FROM peer_snapshot"
            " WHERE wave_id = :'p1'", wid)}
        ranks = {o.id: rank_row(wid, o) for o in orgs}
        return snaps, ranks

    snaps, ranks = stored()
    assert ("network", "") in snaps and ("state", state) in snaps, sorted(snaps)
    assert len(snaps) >= 3, sorted(snaps)
    admin("snapshot", str(wid))
    whole, whole_ranks = stored()
    for g, v in snaps.items():
        assert whole[g] == v, (g, v, whole[g])
    for o in orgs:
        for by, rank in ranks[o.id].items():
            assert whole_ranks[o.id][by] == rank, (o.id, by, rank, whole_ranks[o.id])


def test_queued_rows_of_a_wave_or_municipality_gone_count_nowhere():
    """The queue of submissions to count (peer_pending) has no references
    (migration 019): a row whose wave or organisation no longer exists is
    taken and counted into no group, and the snapshotter goes on counting
    the rows beside it."""
    state, wid, rng, orgs = state_group(5, 4, 37)
    snap = snapshotter_pid(fcgi_master_pid())
    assert snap is not None
    gone_org = int(psql("SELECT max(id) + 1000 FROM organisation")[0][0])
    gone_wave = int(psql("SELECT max(id) + 1000 FROM wave")[0][0])
    os.kill(snap, signal.SIGSTOP)
    try:
        psql("INSERT INTO peer_pending (wave_id, organisation_id) VALUES"
             " (:'p1', :'p2'), (:'p3', :'p4')", wid, gone_org, gone_wave, orgs[0].id)
        rev = orgs[4].put(wid, random_answers(rng))
        r = orgs[4].session.post("/api/v1/waves/%d/response/submit" % wid, {"revision": rev})
        assert r.status == 200, r
        assert psql("SELECT count(*) FROM peer_pending WHERE organisation_id = :'p1'"
                    " OR wave_id = :'p2'", gone_org, gone_wave) == [["2"]]
    finally:
        os.kill(snap, signal.SIGCONT)
    snapshots_settled()
    assert psql("SELECT count(*) FROM peer_pending WHERE organisation_id = :'p1'"
                " OR wave_id = :'p2'", gone_org, gone_wave) == [["0"]]
    assert psql("SELECT count(*) FROM peer_change WHERE wave_id = :'p1'", gone_wave) == [["0"]]
    snap_row = snapshot_row(wid, "state", state)
    assert snap_row is not None and snap_row["n"] == 5, snap_row


def test_a_dead_snapshotter_is_replaced():
    master = fcgi_master_pid()
    old = snapshotter_pid(master)
    assert old is not None
    os.kill(old, signal.SIGKILL)
    wait_for(lambda: snapshotter_pid(master) not in (None, old), timeout=3)
    # And it counts again.
    state, wid, _, _ = state_group(5, 5, 31)
    assert snapshot_row(wid, "state", state)["n"] == 5


def test_group_left_empty_keeps_no_snapshot():
    """Five of one Land submit (a snapshot of their Land), are all
    reopened, and the wave closes: the final renewal must not keep the
    Land's snapshot of responses that left, nor leave anything not final
    (which would renew the whole wave at every benchmark)."""
    s1, s2 = unique_state(), unique_state()
    wid = make_wave()
    rng = random.Random(21)
    A = [Org(s1) for _ in range(K)]
    B = [Org(s2) for _ in range(K)]
    for o in A + B:
        o.submit(wid, random_answers(rng))
    assert snapshot_row(wid, "state", s1)["n"] == K
    for o in A:
        reopen(wid, o)
    close_wave(wid)
    j = B[0].benchmark(wid, "state").json
    assert j["stats"]["final"] is True and j["peers"]["n"] == K, j
    assert snapshot_row(wid, "state", s1) is None, snapshot_row(wid, "state", s1)
    assert snapshot_row(wid, "network", "")["n"] == K
    left = psql("SELECT count(*) FROM peer_snapshot WHERE wave_id = :'p1' AND NOT final", wid)
    assert left == [["0"]], left
    assert_stats_equal(j["stats"], expected_stats([o.scores[wid] for o in B], B[0].scores[wid], True))


def test_snapshot_scores_are_sorted_and_hold_no_identity():
    f = fixture()
    snap = snapshot_row(f["wid"], "state", f["state"])
    for col, vals in snap["scores"].items():
        assert vals == sorted(vals), (col, vals)
        assert all(isinstance(v, (int, float)) for v in vals), (col, vals)
    assert set(snap["scores"]["overall"]) <= {f["orgs"][i].scores[f["wid"]]["overall"] for i in range(5)}


# ------------------------------------------------------------ trend

def test_trend_of_an_organisation():
    state = unique_state()
    o = Org(state)
    other = Org(state)
    # The later-made wave opens earlier: the order is by opens_at.
    w_late = make_wave(opens_days=-2)
    w_early = make_wave(opens_days=-20)
    w_draft = make_wave(opens_days=-5)
    a1, a2 = answers_for(1), answers_for(3)
    o.submit(w_late, a2)
    o.submit(w_early, a1)
    o.put(w_draft, answers_for(2))
    r = o.session.get("/api/v1/organisations/%d/trend" % o.id)
    assert r.status == 200, r
    j = r.json
    assert j["organisation"] == {"id": o.id, "name": o.name}, j
    assert [w["wave"] for w in j["waves"]] == [w_early, w_late], j["waves"]
    for w, wid in zip(j["waves"], (w_early, w_late)):
        sc = o.api_scores[wid]
        assert w["overall"] == sc["overall"] and w["dimensions"] == sc["dimensions"], (w, sc)
        assert w["stage"] == sc["stage"], w
    r2 = o.session.get("/api/v1/organisations/%d/trend?questionnaire=smart-city-reifegrad" % o.id)
    assert r2.json == j
    r3 = o.session.get("/api/v1/organisations/%d/trend?questionnaire=no-such-%s" % (o.id, uniq()))
    assert r3.status == 200 and r3.json["waves"] == [], r3


def test_trend_access():
    state = unique_state()
    o = Org(state)
    other = Org(state)
    wid = make_wave()
    o.submit(wid, answers_for(2))
    path = "/api/v1/organisations/%d/trend" % o.id
    expect_error(other.session.get(path), 404, "not_found")
    expect_error(o.session.get("/api/v1/organisations/9007199254740991/trend"), 404, "not_found")
    coord = staff("coordinator")
    expect_error(coord.get(path), 403, "forbidden")
    expect_error(staff("researcher").get(path), 403, "forbidden")
    # With consent to named sharing (the same key again, updated).
    admin("org", "add", "--key", o.key, "--name", o.name, "--kind", o.kind, "--state", state,
          "--population", str(o.population), "--member", "--consent-named")
    r = coord.get(path)
    assert r.status == 200, r
    assert [w["wave"] for w in r.json["waves"]] == [wid], r.json
    assert r.json["waves"][0]["overall"] == 50.0, r.json


# ------------------------------------------------------------ admin tool

def test_admin_snapshot_prints_and_repeats():
    f = fixture()
    wid = f["wid"]
    for _ in range(2):
        r = admin("snapshot", str(wid))
        m = re.match(r"^snapshot: wave (\d+): (\d+) peer groups in ([0-9.]+) s\n$", r.stdout)
        assert m, r.stdout
        assert int(m.group(1)) == wid
        # Groups of seven submitted: the Land, the network, and their
        # size classes, urbanisations and kinds.
        groups = sum(len({o.group_value(by) for o in f["orgs"]})
                     for by in ("size_class", "urbanisation", "kind", "network", "state"))
        assert int(m.group(2)) == groups, (r.stdout, groups)
        print("# " + r.stdout.strip())
    # Now the state group holds all seven, the latecomers with window
    # ranks; nothing is final while the wave is open.
    snap = snapshot_row(wid, "state", f["state"])
    assert snap["n"] == 7 and not snap["final"], snap
    allsc = [o.scores[wid] for o in f["orgs"]]
    for o in f["orgs"]:
        assert_stats_equal(o.benchmark(wid, "state").json["stats"],
                           expected_stats(allsc, o.scores[wid], True), o.name)
    assert admin("snapshot", "9007199254740991", check=False).returncode == 1
    assert admin("snapshot", check=False).returncode == 2
    assert admin("snapshot", "x", check=False).returncode == 2


def test_every_worker_sees_a_renewed_snapshot_at_once():
    """Workers keep the snapshots they served (cgi/snapcache.c); a renewal
    counts up the wave's generation, and the very next benchmark on any
    worker shows the new figures."""
    state, wid, rng, orgs = state_group(6, 5, 37)
    # Many requests, so that every worker holds the wave's snapshots.
    seen = {orgs[0].benchmark(wid, "state").json["stats"]["overall"]["n"] for _ in range(24)}
    assert seen == {5}, seen
    gen = int(psql("SELECT snapshot_generation FROM wave WHERE id = :'p1'", wid)[0][0])
    # The sixth is one change: no renewal by itself, so a forced one.
    orgs[5].submit(wid, random_answers(rng))
    assert snapshot_row(wid, "state", state)["n"] == 5
    admin("snapshot", str(wid))
    assert int(psql("SELECT snapshot_generation FROM wave WHERE id = :'p1'", wid)[0][0]) > gen
    seen = [o.benchmark(wid, "state").json["stats"]["overall"]["n"]
            for _ in range(4) for o in orgs]
    assert set(seen) == {6}, seen
