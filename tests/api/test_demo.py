"""`reifegrad-admin demo` (issue #5): deterministic for a seed (a re-run
replaces the demo waves with the very same rows), 30 to 70 % of the
members taking part per wave, scores that grow with the size of a
municipality and over the waves, snapshots computed (final for past
waves).

The demo marks many organisations as members and submits many responses;
it runs in this file of its own, and the other files use waves and Länder
of their own. Kept small (300 municipalities)."""
import re
import statistics

from lib import admin, psql
from survey_helpers import load_default

N = 300
WAVES = 2


def run_demo(seed, n=N, waves=WAVES):
    load_default()
    r = admin("demo", "--municipalities", str(n), "--waves", str(waves), "--seed", str(seed))
    m = re.match(r"^demo: (\d+) municipalities, (\d+) waves, (\d+) submitted and (\d+) draft "
                 r"responses in [0-9.]+ s\n$", r.stdout)
    assert m, r.stdout
    assert int(m.group(1)) == n and int(m.group(2)) == waves, r.stdout
    return int(m.group(3)), int(m.group(4))


def demo_rows():
    """(organisation key, wave title, state, overall) of every response in
    a demo wave."""
    rows = psql("SELECT o.key, w.title, r.state, coalesce(r.overall::text, '')"
                " FROM response r JOIN wave w ON w.id = r.wave_id"
                " JOIN organisation o ON o.id = r.organisation_id"
                " WHERE w.title LIKE 'Demo-Welle %'")
    return {tuple(r) for r in rows}


_runs = {}


def seed5():
    if not _runs:
        counts = run_demo(5)
        first = demo_rows()
        counts2 = run_demo(5)
        _runs.update(first=first, second=demo_rows(), counts=counts, counts2=counts2)
    return _runs


def test_same_seed_same_network():
    r = seed5()
    assert r["first"], "the demo made responses"
    assert r["counts"] == r["counts2"], (r["counts"], r["counts2"])
    assert r["first"] == r["second"], (len(r["first"] ^ r["second"]), sorted(r["first"] ^ r["second"])[:6])
    sub, drafts = r["counts"]
    assert sum(1 for x in r["second"] if x[2] == "submitted") == sub
    assert sum(1 for x in r["second"] if x[2] == "draft") == drafts
    # A re-run replaced the waves: just two demo waves, no duplicates.
    titles = psql("SELECT title FROM wave WHERE title LIKE 'Demo-Welle %' ORDER BY opens_at")
    assert [t[0] for t in titles] == ["Demo-Welle 2025", "Demo-Welle 2026"], titles


def test_participation_between_30_and_70_percent():
    seed5()
    rows = psql("SELECT w.title, count(*) FILTER (WHERE r.state = 'submitted'), count(r.id)"
                " FROM wave w LEFT JOIN response r ON r.wave_id = w.id"
                " WHERE w.title LIKE 'Demo-Welle %' GROUP BY w.title ORDER BY w.title")
    assert len(rows) == WAVES, rows
    for title, sub, started in rows:
        assert 0.3 <= int(sub) / N <= 0.7, (title, sub)
        assert 0.3 <= int(started) / N <= 0.7, (title, started)
    # Every response belongs to a member, at most one per wave.
    orgs = psql("SELECT count(DISTINCT r.organisation_id), bool_and(o.member)"
                " FROM response r JOIN wave w ON w.id = r.wave_id"
                " JOIN organisation o ON o.id = r.organisation_id"
                " WHERE w.title LIKE 'Demo-Welle %'")
    assert int(orgs[0][0]) <= N and orgs[0][1] == "t", orgs


def overall_by(where):
    rows = psql("SELECT r.overall FROM response r JOIN wave w ON w.id = r.wave_id"
                " JOIN organisation o ON o.id = r.organisation_id"
                " WHERE w.title LIKE 'Demo-Welle %' AND r.state = 'submitted'"
                " AND r.overall IS NOT NULL AND " + where)
    return [float(x[0]) for x in rows]


def test_scores_grow_with_size():
    seed5()
    small = overall_by("o.size_class = 1")
    large = overall_by("o.size_class >= 5")
    assert len(small) >= 5 and len(large) >= 5, (len(small), len(large))
    assert statistics.mean(large) > statistics.mean(small), (statistics.mean(large), statistics.mean(small))
    print("# demo: mean overall of size class 1 %.1f (n=%d), of 5 and more %.1f (n=%d)"
          % (statistics.mean(small), len(small), statistics.mean(large), len(large)))


def test_scores_improve_across_waves():
    seed5()
    first = overall_by("w.title = 'Demo-Welle 2025'")
    last = overall_by("w.title = 'Demo-Welle 2026'")
    assert first and last
    assert statistics.mean(last) > statistics.mean(first), (statistics.mean(last), statistics.mean(first))
    # Within the scale, and each score as API.md defines it (dimension
    # scores averaged; all weights of the default questionnaire are 1).
    rows = psql("SELECT r.scores::text FROM response r JOIN wave w ON w.id = r.wave_id"
                " WHERE w.title LIKE 'Demo-Welle %' AND r.state = 'submitted' LIMIT 50")
    import json
    for (sc,) in rows:
        sc = json.loads(sc)
        dims = [v for v in sc["dimensions"].values() if v is not None]
        assert all(0 <= v <= 100 for v in dims), sc
        assert abs(sc["overall"] - sum(dims) / len(dims)) < 1e-9, sc


def test_snapshots_are_computed():
    seed5()
    rows = psql("SELECT w.title, bool_and(s.final), count(*), max(s.n) FILTER (WHERE s.peer_by = 'network')"
                " FROM peer_snapshot s JOIN wave w ON w.id = s.wave_id"
                " WHERE w.title LIKE 'Demo-Welle %' GROUP BY w.title ORDER BY w.title")
    assert [r[0] for r in rows] == ["Demo-Welle 2025", "Demo-Welle 2026"], rows
    assert rows[0][1] == "t" and rows[1][1] == "f", rows  # the past wave is final
    sub = psql("SELECT w.title, count(*) FROM response r JOIN wave w ON w.id = r.wave_id"
               " WHERE w.title LIKE 'Demo-Welle %' AND r.state = 'submitted'"
               " GROUP BY w.title ORDER BY w.title")
    assert [int(r[3]) for r in rows] == [int(s[1]) for s in sub], (rows, sub)
    ranks = psql("SELECT count(*) FROM snapshot_rank s JOIN response r ON r.id = s.response_id"
                 " JOIN wave w ON w.id = r.wave_id WHERE w.title LIKE 'Demo-Welle %'")
    assert int(ranks[0][0]) == sum(int(s[1]) for s in sub), ranks


def test_other_seed_other_network():
    seed5()
    run_demo(6)
    other = demo_rows()
    assert other != _runs["second"]
    # Back to seed 5: the same rows as before.
    run_demo(5)
    assert demo_rows() == _runs["second"]


def test_demo_usage_errors():
    for args in (["--municipalities", "0"], ["--waves", "11"], ["--seed", "-1"], ["--nope"]):
        r = admin("demo", *args, check=False)
        assert r.returncode == 2, (args, r)


def test_demo_from_a_register_is_deterministic():
    """With a register of at least N German municipalities the demo takes
    its members from there (the branch `make run` takes after an import).
    A small register of 350 is imported here; the same seed must give the
    very same rows, municipality by municipality, although the first run
    moved the rows it marked as members. Runs last: it replaces the demo
    waves the tests above looked at."""
    import os
    import random as _random
    import shutil
    import tempfile
    from survey_helpers import uniq
    rng = _random.Random(350)
    tmp = tempfile.mkdtemp(prefix="rg-demo-register-")
    u = uniq()
    keys = []
    try:
        p = os.path.join(tmp, "register.csv")
        with open(p, "w", encoding="utf-8", newline="") as f:
            f.write("key,name,kind,state,population,urbanisation\n")
            for i in range(350):
                key = "97%06d%04d" % (int(u[:6], 16) % 1000000, i)
                keys.append(key)
                pop = int(10 ** rng.uniform(2.5, 5.8))
                f.write("%s,Registergemeinde %s %d,%s,Teststaat-Demo-%s,%d,%d\n"
                        % (key, u, i, "stadt" if pop >= 10000 else "gemeinde", u, pop,
                           1 if pop >= 50000 else 2 if pop >= 5000 else 3))
        admin("org", "import", p)
    finally:
        shutil.rmtree(tmp)
    run_demo(11)
    first = demo_rows()
    run_demo(11)
    second = demo_rows()
    assert first == second, (len(first ^ second), sorted(first ^ second)[:6])
    # Taken from the register: no synthetic DE-DEMO municipality.
    demo_keys = {k for k, *_ in second}
    assert not any(k.startswith("DE-DEMO") for k in demo_keys), sorted(demo_keys)[:5]
    members = psql("SELECT count(*) FROM organisation WHERE member AND key = ANY(:'p1'::text[])",
                   "{" + ",".join(keys) + "}")
    assert int(members[0][0]) > 0, "some of the register became members"
