"""bench_helpers.py: what the benchmark tests share (test_benchmark,
test_overview, test_demo): fixtures of municipalities in peer groups of
their own, waves, complete answers and submissions, and an independent
implementation of API.md's benchmark "Definitions" (percentile_cont with
linear interpolation, the mean, the window and the hypothetical-set
percent_rank, rounding half away from zero), plus the same figures asked
of PostgreSQL itself.

Every fixture lives in a wave of its own and in a Land of its own
("Teststaat-<uuid>"): the files share one database with the other suites
(and with the demo network) and must not assume empty tables."""
import json
import math
import uuid

from lib import admin, psql, snapshots_settled
from survey_helpers import (Session, coordinator, default_definition, expected_scores, iso,
                            items_of, load_default, make_user, uniq)

DEFN = default_definition()
ITEMS = items_of(DEFN)
DIMS = [d["id"] for d in DEFN["dimensions"]]
COLUMNS = ["overall"] + DIMS
K = 5
PEERS = ("size_class", "urbanisation", "kind", "network", "state")


def unique_state():
    return "Teststaat-" + uuid.uuid4().hex


def size_class(population):
    """Destatis Gemeindegrößenklasse, as API.md and the register use it."""
    for cls, bound in enumerate((2000, 5000, 10000, 20000, 50000, 100000, 500000), start=1):
        if population < bound:
            return cls
    return 8


class Org:
    """A member municipality made with the admin tool, with one
    respondent (signed in lazily)."""

    def __init__(self, state, population=12000, kind="gemeinde", urbanisation=2,
                 member=True, consent=False, respondent=True, name=None):
        self.key = "98" + str(uuid.uuid4().int)[:10]
        self.name = name or "Vergleichsgemeinde " + uniq()
        self.state = state
        self.population = population
        self.kind = kind
        self.urbanisation = urbanisation
        args = ["org", "add", "--key", self.key, "--name", self.name, "--kind", kind,
                "--state", state, "--population", str(population),
                "--urbanisation", str(urbanisation)]
        if member:
            args.append("--member")
        if consent:
            args.append("--consent-named")
        self.id = int(admin(*args).stdout.strip())
        self.user = make_user("respondent", self.key) if respondent else None
        self._session = None
        self.scores = {}   # wave id -> the stored scores
        self.api_scores = {}  # wave id -> the scores submit answered
        self.answers = {}  # wave id -> the answers

    @property
    def session(self):
        if self._session is None:
            self._session = Session(self.user)
        return self._session

    def group_value(self, by):
        return {"size_class": str(size_class(self.population)),
                "urbanisation": str(self.urbanisation), "kind": self.kind,
                "network": "", "state": self.state}[by]

    def put(self, wid, answers):
        r = self.session.get("/api/v1/waves/%d/response" % wid)
        assert r.status == 200, r
        r = self.session.put("/api/v1/waves/%d/response" % wid,
                             {"revision": r.json["revision"], "answers": answers})
        assert r.status == 200, r
        self.answers[wid] = answers
        return r.json["revision"]

    def submit(self, wid, answers):
        """Saves every answer and submits; returns the scores, after
        checking them against API.md's definitions."""
        rev = self.put(wid, answers)
        r = self.session.post("/api/v1/waves/%d/response/submit" % wid, {"revision": rev})
        assert r.status == 200, r
        # The peer groups count a submission a moment later
        # (cgi/snapshotter.c): what follows looks at the snapshots.
        snapshots_settled()
        sc = r.json["scores"]
        want = expected_scores(DEFN, answers)
        # The stored scores at full precision (what the snapshots use;
        # answers show them with fewer digits).
        stored = json.loads(psql("SELECT scores::text FROM response WHERE wave_id = :'p1'"
                                 " AND organisation_id = :'p2'", wid, self.id)[0][0])
        for col in COLUMNS:
            for g in (score_of(sc, col), score_of(stored, col)):
                w = score_of(want, col)
                assert (g is None) == (w is None) and (w is None or abs(g - w) < 1e-6), (col, sc, want)
        assert sc["stage"] == stored["stage"] == want["stage"], (sc, stored, want)
        self.api_scores[wid] = sc
        self.scores[wid] = stored
        return stored

    def benchmark(self, wid, peers=None):
        path = "/api/v1/waves/%d/benchmark" % wid
        if peers is not None:
            path += "?peers=" + peers
        return self.session.get(path)


def score_of(scores, col):
    return scores["overall"] if col == "overall" else scores["dimensions"].get(col)


def answers_for(levels, targets=None, na_dims=()):
    """Complete answers: levels is one level for every item, a list of one
    level per dimension, or a dict item -> level; every item of the
    dimensions in na_dims is n/a (that dimension's score is then null)."""
    out = {}
    for di, d in enumerate(DEFN["dimensions"]):
        for ii, it in enumerate(d["items"]):
            if d["id"] in na_dims:
                out[it["id"]] = {"na": True}
                continue
            if isinstance(levels, int):
                lv = levels
            elif isinstance(levels, dict):
                lv = levels[it["id"]]
            else:
                lv = levels[di]
            a = {"level": lv}
            if targets is not None:
                a["target"] = targets if isinstance(targets, int) else targets[di]
            out[it["id"]] = a
    return out


def random_answers(rng, na_dims=(), with_targets=True):
    """Complete answers with levels around a municipality's own maturity."""
    base = rng.uniform(0.3, 3.7)
    out = {}
    for d in DEFN["dimensions"]:
        shift = rng.uniform(-0.8, 0.8)
        for it in d["items"]:
            if d["id"] in na_dims:
                out[it["id"]] = {"na": True}
                continue
            lv = max(0, min(4, int(round(base + shift + rng.gauss(0, 0.8)))))
            a = {"level": lv}
            if with_targets and rng.random() < 0.7:
                a["target"] = min(4, lv + rng.randint(0, 2))
            out[it["id"]] = a
    return out


def make_wave(title=None, opens_days=-1, closes_days=30, coord=None):
    """An open wave of the default questionnaire of its own."""
    qid = load_default()
    s = coord or coordinator()
    r = s.post("/api/v1/waves", {"questionnaire_id": qid, "title": title or "Vergleich " + uniq(),
                                 "opens_at": iso(opens_days), "closes_at": iso(closes_days)})
    assert r.status == 201, r
    return r.json["id"]


def close_wave(wid, coord=None):
    r = (coord or coordinator()).patch("/api/v1/waves/%d" % wid, {"state": "closed"})
    assert r.status == 200 and r.json["state"] == "closed", r


def reopen(wid, org, coord=None):
    r = (coord or coordinator()).post("/api/v1/waves/%d/responses/%d/reopen" % (wid, org.id), {})
    assert r.status == 200, r
    return r


# ------------------------------------------------ API.md's definitions

def round_half_away(x):
    """round() as C's lround: halves away from zero (Python rounds them
    to even)."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def percentile_cont(values, p):
    """PostgreSQL's percentile_cont: linear interpolation between the
    sorted values at floor and ceil of p * (n - 1)."""
    v = sorted(values)
    row = p * (len(v) - 1)
    lo, hi = math.floor(row), math.ceil(row)
    return v[lo] + (row - lo) * (v[hi] - v[lo])


def mean(values):
    return math.fsum(values) / len(values)


def percent_rank_window(values, x):
    """percent_rank() OVER (ORDER BY v) of x, one of the values."""
    n = len(values)
    return 0.0 if n <= 1 else sum(1 for v in values if v < x) / (n - 1)


def percent_rank_hypothetical(values, x):
    """percent_rank(x) WITHIN GROUP (ORDER BY v): the rank x would have
    among the values, less one, divided by their number (PostgreSQL's
    hypothetical_percent_rank_final)."""
    return 0.0 if not values else sum(1 for v in values if v < x) / len(values)


def expected_column(values, own, own_in_snapshot):
    """The stats object of one column as API.md defines it, values being
    the snapshot's scores of the column (None removed by the caller)."""
    if len(values) < K:
        return {"suppressed": True, "reason": "fewer_than_k", "k": K}
    out = {"n": len(values), "p25": percentile_cont(values, 0.25),
           "median": percentile_cont(values, 0.5), "p75": percentile_cont(values, 0.75),
           "mean": mean(values)}
    if own is None:
        out["percentile_rank"] = None
    elif own_in_snapshot:
        out["percentile_rank"] = round_half_away(100 * percent_rank_window(values, own))
    else:
        out["percentile_rank"] = round_half_away(100 * percent_rank_hypothetical(values, own))
    return out


def expected_stats(snapshot_scores, own_scores, own_in_snapshot):
    """{"overall": ..., "dimensions": {...}} for a member whose scores are
    own_scores against a snapshot of the submitted scores listed."""
    def col(c):
        vals = [score_of(s, c) for s in snapshot_scores if score_of(s, c) is not None]
        return expected_column(vals, score_of(own_scores, c), own_in_snapshot)
    return {"overall": col("overall"), "dimensions": {d: col(d) for d in DIMS}}


def assert_stats_equal(got, want, where=""):
    """Compares a stats object of the API with expected_stats (1e-6)."""
    for c in COLUMNS:
        g = got["overall"] if c == "overall" else got["dimensions"][c]
        w = want["overall"] if c == "overall" else want["dimensions"][c]
        if "suppressed" in w:
            assert g == w, (where, c, g, w)
            continue
        assert set(g) == {"n", "p25", "median", "p75", "mean", "percentile_rank"}, (where, c, g)
        assert g["n"] == w["n"], (where, c, g, w)
        assert g["percentile_rank"] == w["percentile_rank"], (where, c, g, w)
        for f in ("p25", "median", "p75", "mean"):
            assert isinstance(g[f], (int, float)) and abs(g[f] - w[f]) <= 1e-6, (where, c, f, g, w)
    assert set(got["dimensions"]) == set(DIMS), (where, got)


def pg_figures(values, own=None):
    """The same figures asked of PostgreSQL: p25, median, p75, mean, and
    the window percent_rank of own (when it is among the values) or the
    hypothetical one (when it is not)."""
    arr = "ARRAY[%s]::float8[]" % ",".join(repr(float(v)) for v in values)
    row = psql("SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY x),"
               " percentile_cont(0.5) WITHIN GROUP (ORDER BY x),"
               " percentile_cont(0.75) WITHIN GROUP (ORDER BY x), avg(x)"
               " FROM unnest(%s) x" % arr)[0]
    out = {"p25": float(row[0]), "median": float(row[1]), "p75": float(row[2]),
           "mean": float(row[3])}
    if own is not None:
        own_s = repr(float(own))
        if any(float(v) == float(own) for v in values):
            r = psql("SELECT percent_rank() OVER (ORDER BY x), x FROM unnest(%s) x" % arr)
            ranks = [float(a) for a, x in r if float(x) == float(own)]
            out["window"] = ranks[0]
        r = psql("SELECT percent_rank(%s::float8) WITHIN GROUP (ORDER BY x) FROM unnest(%s) x"
                 % (own_s, arr))
        out["hypothetical"] = float(r[0][0])
    return out


# ------------------------------------------------ looking behind the API

def snapshot_row(wid, by, value):
    """The stored snapshot of a group, or None."""
    rows = psql("SELECT n, stats::text, scores::text, final FROM peer_snapshot"
                " WHERE wave_id = :'p1' AND peer_by = :'p2' AND peer_value = :'p3'",
                wid, by, value)
    if not rows:
        return None
    n, st, sc, final = rows[0]
    return {"n": int(n), "stats": json.loads(st), "scores": json.loads(sc), "final": final == "t"}


def rank_row(wid, org):
    rows = psql("SELECT s.ranks::text FROM snapshot_rank s JOIN response r ON r.id = s.response_id"
                " WHERE r.wave_id = :'p1' AND r.organisation_id = :'p2'", wid, org.id)
    return json.loads(rows[0][0]) if rows else None


def keys_anywhere(x):
    """Every object key in a JSON document."""
    if isinstance(x, dict):
        out = set(x)
        for v in x.values():
            out |= keys_anywhere(v)
        return out
    if isinstance(x, list):
        out = set()
        for v in x:
            out |= keys_anywhere(v)
        return out
    return set()
