"""A municipality's response (issue #4): GET, PUT and submit exactly as
API.md says, the coordinators' reopen. Partial merges (null removes an
answer), optimistic revisions between colleagues, who and when, progress,
comments, na and target; submit with its required items and scores that
this file recomputes from the answers; bad input answered precisely and
with nothing written; roles."""
import datetime
import json
import random
import threading

from lib import expect_error, psql, request, wait_for
from survey_helpers import (ROW_FOR_UPDATE, HeldRow, Survival, assert_scores_close,
                            behind_held_row, coordinator, default_definition, expect_invalid,
                            expected_scores, items_of, lock_waiters, make_wave, municipality,
                            required_of, response_row, small_definition, staff,
                            store_definition)

DEFN = default_definition()
ITEMS = items_of(DEFN)


def path_of(wid):
    return "/api/v1/waves/%d/response" % wid


def setup(n=1, qid=None):
    """An open wave and a municipality with n respondents."""
    wid = make_wave(qid, "open")
    oid, key, sessions = municipality(n)
    return wid, oid, key, sessions


def put(s, wid, rev, answers):
    return s.put(path_of(wid), {"revision": rev, "answers": answers})


def put_ok(s, wid, rev, answers):
    r = put(s, wid, rev, answers)
    assert r.status == 200, r
    assert r.json["revision"] == rev + 1, r
    return r.json


def full_answers(defn, rng, na_share=0.0):
    out = {}
    for it in items_of(defn):
        if rng.random() < na_share:
            out[it] = {"na": True}
        else:
            out[it] = {"level": rng.randint(0, 4)}
    return out


def unchanged(wid, oid, before):
    """Asserts that the stored response is what it was."""
    assert response_row(wid, oid) == before, (response_row(wid, oid), before)


# ------------------------------------------------------------ GET

def test_never_touched_response_is_an_empty_draft():
    wid, oid, _, (s,) = setup()
    r = s.get(path_of(wid))
    assert r.status == 200, r
    assert r.json == {"wave": wid, "state": "draft", "revision": 0, "answers": {},
                      "progress": {"answered": 0, "total": len(ITEMS)},
                      "updated_at": None, "updated_by": None}, r.json
    assert response_row(wid, oid) is None


def test_unknown_wave_is_404():
    _, _, (s,) = municipality()
    for m, suffix, body in (("GET", "", None), ("PUT", "", {"revision": 0, "answers": {}}),
                            ("POST", "/submit", {"revision": 0})):
        r = s.req(m, "/api/v1/waves/9007199254740991/response" + suffix, body)
        expect_error(r, 404, "not_found")


# ------------------------------------------------------------ PUT

def test_put_merges_and_null_removes():
    wid, oid, _, (s, colleague) = setup(2)
    t0 = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    j = put_ok(s, wid, 0, {"D1.1": {"level": 3, "target": 4, "comment": "Beschluss 2023"}})
    assert j == {"revision": 1, "progress": {"answered": 1, "total": len(ITEMS)}}, j
    # Acknowledged means committed: the owner sees it at once.
    row = response_row(wid, oid)
    assert row["revision"] == 1 and row["state"] == "draft", row
    assert row["answers"] == {"D1.1": {"level": 3, "target": 4, "comment": "Beschluss 2023"}}
    assert row["updated_by"] == s.account["name"]

    j = put_ok(colleague, wid, 1, {"D1.2": {"na": True}, "D2.1": {"level": 0, "target": 0}})
    assert j["progress"] == {"answered": 3, "total": len(ITEMS)}, j
    j = put_ok(s, wid, 2, {"D1.1": None, "D2.2": {"target": 2}})
    assert j["progress"] == {"answered": 2, "total": len(ITEMS)}, j

    r = s.get(path_of(wid))
    g = r.json
    assert g["revision"] == 3 and g["state"] == "draft", g
    assert g["answers"] == {"D1.2": {"na": True}, "D2.1": {"level": 0, "target": 0},
                            "D2.2": {"target": 2}}, g
    assert g["progress"] == {"answered": 2, "total": len(ITEMS)}
    assert g["updated_by"] == s.account["name"], g
    at = datetime.datetime.strptime(g["updated_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    assert t0 <= at <= datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)
    assert "scores" not in g
    # The colleague sees the same, and who changed it last.
    assert colleague.get(path_of(wid)).json == g
    assert response_row(wid, oid)["answers"] == g["answers"]


def test_an_item_is_replaced_as_a_whole_and_empty_answers_vanish():
    wid, oid, _, (s,) = setup()
    put_ok(s, wid, 0, {"D1.1": {"level": 2, "comment": "alt"}, "D1.2": {"level": 1},
                       "D1.3": {"level": 4}})
    # The item sent replaces the stored one; items not sent stay.
    put_ok(s, wid, 1, {"D1.1": {"target": 3}, "D1.2": {"level": None, "na": False,
                                                       "comment": ""},
                       "D1.3": {}})
    assert response_row(wid, oid)["answers"] == {"D1.1": {"target": 3}}
    # na=false and null members are not stored; a null comment neither.
    put_ok(s, wid, 2, {"D1.4": {"level": 1, "na": False, "target": None, "comment": None}})
    assert response_row(wid, oid)["answers"]["D1.4"] == {"level": 1}
    # na together with a level keeps both; the item counts once.
    j = put_ok(s, wid, 3, {"D1.5": {"level": 4, "na": True}})
    assert j["progress"]["answered"] == 2, j
    # Removing what is not there is fine and still a new revision.
    j = put_ok(s, wid, 4, {"D8.5": None})
    assert j["progress"]["answered"] == 2
    j = put_ok(s, wid, 5, {})
    assert response_row(wid, oid)["revision"] == 6


def test_every_level_and_target_of_the_scale():
    wid, oid, _, (s,) = setup()
    answers = {ITEMS[i]: {"level": i % 5, "target": (i + 2) % 5} for i in range(len(ITEMS))}
    j = put_ok(s, wid, 0, answers)
    assert j["progress"] == {"answered": len(ITEMS), "total": len(ITEMS)}
    assert response_row(wid, oid)["answers"] == answers


def test_comments_up_to_4000_characters():
    wid, oid, _, (s,) = setup()
    long_ok = "ß" * 3999 + "😀"     # 4,000 characters, 8,002 bytes
    put_ok(s, wid, 0, {"D1.1": {"comment": long_ok}, "D1.2": {"comment": "<script>alert(1)</script>"},
                       "D1.3": {"comment": "'; DROP TABLE response; --"}})
    row = response_row(wid, oid)
    assert row["answers"]["D1.1"]["comment"] == long_ok
    assert row["answers"]["D1.2"]["comment"] == "<script>alert(1)</script>"
    assert row["answers"]["D1.3"]["comment"] == "'; DROP TABLE response; --"
    g = s.get(path_of(wid))
    assert g.json["answers"]["D1.1"]["comment"] == long_ok
    assert g.header("Content-Type") == "application/json; charset=utf-8"
    r = put(s, wid, 1, {"D1.4": {"comment": "x" * 4001}, "D1.5": {"comment": "ä" * 4001}})
    e = expect_invalid(r, ["/answers/D1.4/comment", "/answers/D1.5/comment"])
    assert e["details"][0]["problem"] == "longer than 4000 characters", e
    unchanged(wid, oid, row)


def test_stale_revision_carries_the_current_one():
    wid, oid, _, (a, b) = setup(2)
    put_ok(a, wid, 0, {"D1.1": {"level": 1}})
    put_ok(b, wid, 1, {"D1.2": {"level": 2}})
    before = response_row(wid, oid)
    for rev in (0, 1, 3, 99):
        r = put(a, wid, rev, {"D1.1": {"level": 4}})
        e = expect_error(r, 409, "stale_revision")
        assert e["revision"] == 2, e
        unchanged(wid, oid, before)
        e = expect_error(a.post(path_of(wid) + "/submit", {"revision": rev}), 409,
                         "stale_revision")
        assert e["revision"] == 2, e
    # A respondent whose first save races nothing still must start at 0.
    wid2, oid2, _, (c,) = setup()
    e = expect_error(put(c, wid2, 1, {"D1.1": {"level": 1}}), 409, "stale_revision")
    assert e["revision"] == 0
    assert response_row(wid2, oid2) is None


def run_together(*calls):
    """Runs the calls at the same moment in threads; returns their results."""
    barrier = threading.Barrier(len(calls))
    out = [None] * len(calls)

    def go(i, fn):
        barrier.wait()
        out[i] = fn()

    ts = [threading.Thread(target=go, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def test_colleagues_saving_at_once_exactly_one_wins_per_revision():
    wid, oid, _, (a, b) = setup(2)
    rev = 0
    for rnd in range(12):
        ra, rb = run_together(lambda: put(a, wid, rev, {"D1.1": {"level": rnd % 5}}),
                              lambda: put(b, wid, rev, {"D1.2": {"level": rnd % 5}}))
        statuses = sorted([ra.status, rb.status])
        assert statuses == [200, 409], (rnd, ra, rb)
        win, lose = (ra, rb) if ra.status == 200 else (rb, ra)
        assert win.json["revision"] == rev + 1
        e = expect_error(lose, 409, "stale_revision")
        assert e["revision"] == rev + 1, (rnd, e)
        rev += 1
        row = response_row(wid, oid)
        assert row["revision"] == rev, row
        assert row["updated_by"] == (a if win is ra else b).account["name"]
    assert a.get(path_of(wid)).json["revision"] == rev


def test_save_and_submit_at_once_never_lose_a_save():
    defn = DEFN
    rng = random.Random(7)
    for rnd in range(6):
        wid, oid, _, (a, b) = setup(2)
        answers = full_answers(defn, rng)
        put_ok(a, wid, 0, answers)
        rs, rp = run_together(lambda: a.post(path_of(wid) + "/submit", {"revision": 1}),
                              lambda: put(b, wid, 1, {"D1.1": {"level": 0}}))
        row = response_row(wid, oid)
        if rs.status == 200:
            # The submit won: the save must say so, not invent a revision.
            e = expect_error(rp, 409, "already_submitted")
            assert e["revision"] == 1, e
            assert row["state"] == "submitted" and row["revision"] == 1, row
            assert row["answers"] == answers
        else:
            assert rp.status == 200 and rp.json["revision"] == 2, (rs, rp)
            e = expect_error(rs, 409, "stale_revision")
            assert e["revision"] == 2, e
            assert row["state"] == "draft" and row["revision"] == 2, row


def test_colleagues_submitting_the_same_revision_at_once_both_get_the_scores():
    rng = random.Random(13)
    for _ in range(5):
        wid, oid, _, (a, b) = setup(2)
        answers = full_answers(DEFN, rng)
        put_ok(a, wid, 0, answers)
        ra, rb = run_together(lambda: a.post(path_of(wid) + "/submit", {"revision": 1}),
                              lambda: b.post(path_of(wid) + "/submit", {"revision": 1}))
        assert ra.status == 200 and rb.status == 200, (ra, rb)
        assert ra.json == rb.json, (ra, rb)
        assert_scores_close(ra.json["scores"], expected_scores(DEFN, answers))
        assert response_row(wid, oid)["revision"] == 1


def test_first_saves_of_two_colleagues_at_once():
    for _ in range(5):
        wid, oid, _, (a, b) = setup(2)
        ra, rb = run_together(lambda: put(a, wid, 0, {"D1.1": {"level": 1}}),
                              lambda: put(b, wid, 0, {"D1.2": {"level": 2}}))
        assert sorted([ra.status, rb.status]) == [200, 409], (ra, rb)
        lose = ra if ra.status == 409 else rb
        assert expect_error(lose, 409, "stale_revision")["revision"] == 1
        assert response_row(wid, oid)["revision"] == 1


def test_saves_that_both_passed_the_check_one_wins_one_reads_again():
    # Two colleagues save on revision 1 while the row is held: the
    # committer's transaction waits for it (the committer is the one
    # connection that waits; the other save waits for the committer, or
    # shares its batch). Whichever lands first wins; the other is judged
    # again after it and names the winner's revision.
    wid, oid, _, (a, b) = setup(2)
    put_ok(a, wid, 0, {"D1.1": {"level": 1}})
    for rnd in range(3):
        rev = 1 + rnd
        held = HeldRow(ROW_FOR_UPDATE, wid, oid)
        ra, rb = behind_held_row(held, "ROLLBACK",
                                 lambda: put(a, wid, rev, {"D1.2": {"level": 2}}),
                                 lambda: put(b, wid, rev, {"D1.3": {"na": True}}),
                                 waiters=1)
        assert sorted([ra.status, rb.status]) == [200, 409], (rnd, ra, rb)
        win, lose = (ra, rb) if ra.status == 200 else (rb, ra)
        assert win.json["revision"] == rev + 1, win
        e = expect_error(lose, 409, "stale_revision")
        assert e["revision"] == rev + 1, (rnd, e)
        row = response_row(wid, oid)
        assert row["revision"] == rev + 1, row
        assert row["updated_by"] == (a if win is ra else b).account["name"]


def test_a_save_overtaken_by_a_colleague_answers_what_is_there_now():
    wid, oid, _, (s,) = setup()
    put_ok(s, wid, 0, {"D1.1": {"level": 1}})
    where = " WHERE wave_id = :'p1' AND organisation_id = :'p2'"
    # A colleague's save commits while ours waits for the row.
    held = HeldRow("UPDATE response SET revision = revision + 1" + where, wid, oid)
    (r,) = behind_held_row(held, "COMMIT", lambda: put(s, wid, 1, {"D1.2": {"level": 2}}))
    e = expect_error(r, 409, "stale_revision")
    assert e["revision"] == 2, e
    before = response_row(wid, oid)
    assert before["answers"] == {"D1.1": {"level": 1}}, before
    # A colleague's submit.
    held = HeldRow("UPDATE response SET state = 'submitted', submitted_at = now(),"
                   " submitted_revision = revision,"
                   " scores = '{\"overall\": null, \"stage\": null, \"dimensions\": {}}'"
                   + where, wid, oid)
    (r,) = behind_held_row(held, "COMMIT", lambda: put(s, wid, 2, {"D1.2": {"level": 2}}))
    e = expect_error(r, 409, "already_submitted")
    assert e["revision"] == 2, e
    row = response_row(wid, oid)
    assert row["state"] == "submitted" and row["answers"] == before["answers"], row
    # A colleague's save that is rolled back: ours goes through.
    wid2, oid2, _, (t,) = setup()
    put_ok(t, wid2, 0, {"D1.1": {"level": 1}})
    held = HeldRow("UPDATE response SET revision = revision + 1"
                   " WHERE wave_id = :'p1' AND organisation_id = :'p2'", wid2, oid2)
    (r,) = behind_held_row(held, "ROLLBACK", lambda: put(t, wid2, 1, {"D1.2": {"level": 2}}))
    assert r.status == 200 and r.json["revision"] == 2, r


def test_a_save_whose_connection_breaks_is_never_acknowledged():
    # The save waits for the row when its database session is ended: the
    # answer is 503 (whether COMMIT got through is unknown), nothing is
    # stored, and the same worker saves again afterwards.
    wid, oid, _, (s,) = setup()
    put_ok(s, wid, 0, {"D1.1": {"level": 1}})
    before = response_row(wid, oid)
    held = HeldRow(ROW_FOR_UPDATE, wid, oid)
    out = [None]
    t = threading.Thread(target=lambda: out.__setitem__(0, put(s, wid, 1, {"D1.2": {"level": 2}})))
    t.start()
    try:
        wait_for(lambda: lock_waiters() >= 1)
        psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
             " WHERE wait_event_type = 'Lock' AND datname = current_database()")
    finally:
        held.end("ROLLBACK")
        t.join()
    expect_error(out[0], 503, "unavailable")
    assert out[0].header("Retry-After"), out[0]
    unchanged(wid, oid, before)
    wait_for(lambda: put(s, wid, 1, {"D1.2": {"level": 2}}).status == 200)
    assert response_row(wid, oid)["revision"] == 2


def answered_of(answers):
    return sum(1 for a in answers.values() if "level" in a or a.get("na") is True)


def test_progress_counts_answered_items_through_sets_and_removes():
    # What GET and PUT say is answered is what the stored answers hold:
    # a level (0 too) or na = true; a target or a comment alone is not.
    rng = random.Random(23)
    wid, oid, _, (s, colleague) = setup(2)
    kinds = [None, {"level": 0}, {"level": 4, "target": 1}, {"na": True},
             {"na": True, "level": 2}, {"na": False, "comment": "nur Notiz"}, {"target": 3},
             {"comment": "x"}, {"level": None, "target": None, "na": False, "comment": ""}, {}]
    rev, want = 0, {}
    for step in range(30):
        patch = {}
        for it in rng.sample(ITEMS, rng.randint(1, 8)):
            patch[it] = rng.choice(kinds)
        j = put_ok(s if step % 2 else colleague, wid, rev, patch)
        rev += 1
        for it, a in patch.items():
            a = {k: v for k, v in (a or {}).items()
                 if v is not None and v is not False and v != ""}
            if a:
                want[it] = a
            else:
                want.pop(it, None)
        assert j["progress"] == {"answered": answered_of(want), "total": len(ITEMS)}, (step, j)
        g = s.get(path_of(wid)).json
        assert g["answers"] == want, (step, g["answers"], want)
        assert g["progress"] == {"answered": answered_of(want), "total": len(ITEMS)}, (step, g)
    assert 0 < answered_of(want) < len(ITEMS), want


def test_comment_text_survives_put_and_get_byte_exact():
    wid, oid, _, (s,) = setup()
    texts = [
        'quote " double "" and \' single',
        "back\\slash \\\\ two, \\u0041 not an escape, \\\" escaped quote",
        "new\nline\r\ncrlf\ttab \b\f and \x01\x1f controls, \x7f del",
        "Stra\u00dfe \u20ac \u00e4\u00f6\u00fc \U0001F600 e\u0301 \u2028 \u2029 \ufeff",
        "</script><!-- -->&amp; {\"level\": 9} 1.5e3",
        " leading and trailing spaces ",
    ]
    answers = {ITEMS[i]: {"level": i % 5, "comment": t} for i, t in enumerate(texts)}
    put_ok(s, wid, 0, answers)
    g = s.get(path_of(wid))
    assert g.status == 200, g
    # Valid JSON as strict parsers read it: no raw control characters.
    got = json.loads(g.body.decode("utf-8"), strict=True)
    assert got["answers"] == answers, got["answers"]
    for i, t in enumerate(texts):
        assert got["answers"][ITEMS[i]]["comment"].encode("utf-8") == t.encode("utf-8")
    assert got["progress"] == {"answered": len(texts), "total": len(ITEMS)}, got


def test_another_municipality_never_sees_the_answers():
    wid, oid, _, (a,) = setup()
    put_ok(a, wid, 0, {"D1.1": {"level": 4, "comment": "vertraulich"}})
    oid2, _, (other,) = municipality()
    r = other.get(path_of(wid))
    assert r.status == 200, r
    assert r.json["answers"] == {} and r.json["revision"] == 0 and r.json["updated_by"] is None
    # Its own save makes its own response; the first one is untouched.
    put_ok(other, wid, 0, {"D1.1": {"level": 0}})
    assert response_row(wid, oid)["answers"] == {"D1.1": {"level": 4, "comment": "vertraulich"}}
    assert response_row(wid, oid2)["answers"] == {"D1.1": {"level": 0}}
    assert a.get(path_of(wid)).json["answers"]["D1.1"]["level"] == 4
    # Row-level security holds below the API too.
    rows = psql("BEGIN; SET LOCAL ROLE reifegrad_app;"
                " SELECT set_config('rg.role', 'respondent', true),"
                " set_config('rg.org_id', :'p1', true);"
                " SELECT count(*) FROM response WHERE wave_id = :'p2'; COMMIT;",
                oid2, wid)
    assert rows[-1] == ["1"], rows


def test_only_respondents_use_the_response_routes():
    wid, oid, _, (s,) = setup()
    put_ok(s, wid, 0, {"D1.1": {"level": 2}})
    before = response_row(wid, oid)
    for role in ("coordinator", "researcher", "admin"):
        st = staff(role)
        expect_error(st.get(path_of(wid)), 403, "forbidden")
        expect_error(st.put(path_of(wid), {"revision": 1, "answers": {"D1.1": {"level": 4}}}),
                     403, "forbidden")
        expect_error(st.post(path_of(wid) + "/submit", {"revision": 1}), 403, "forbidden")
    expect_error(request("GET", path_of(wid)), 401, "unauthenticated")
    expect_error(request("PUT", path_of(wid), body={"revision": 1, "answers": {}}), 401,
                 "unauthenticated")
    # Cookie writes need the CSRF header.
    r = s.req("PUT", path_of(wid), {"revision": 1, "answers": {"D1.1": {"level": 4}}},
              cookie=True, headers={"X-CSRF-Token": "falsch"})
    expect_error(r, 403, "csrf_failed")
    unchanged(wid, oid, before)
    r = s.req("PUT", path_of(wid), {"revision": 1, "answers": {"D1.1": {"level": 4}}},
              cookie=True)
    assert r.status == 200, r


# ------------------------------------------------------------ bad input

BAD_PUTS = [
    ({"revision": 1, "answers": {"X9.9": {"level": 1}}}, ["/answers/X9.9"]),
    ({"revision": 1, "answers": {"d1.1": {"level": 1}}}, ["/answers/d1.1"]),
    ({"revision": 1, "answers": {"D1": {"level": 1}}}, ["/answers/D1"]),
    ({"revision": 1, "answers": {"D1.1": {"level": 5}}}, ["/answers/D1.1/level"]),
    ({"revision": 1, "answers": {"D1.1": {"level": -1}}}, ["/answers/D1.1/level"]),
    ({"revision": 1, "answers": {"D1.1": {"level": "3"}}}, ["/answers/D1.1/level"]),
    ({"revision": 1, "answers": {"D1.1": {"level": 3.0}}}, ["/answers/D1.1/level"]),
    ({"revision": 1, "answers": {"D1.1": {"level": True}}}, ["/answers/D1.1/level"]),
    ({"revision": 1, "answers": {"D1.1": {"level": [3]}}}, ["/answers/D1.1/level"]),
    ({"revision": 1, "answers": {"D1.1": {"target": 7}}}, ["/answers/D1.1/target"]),
    ({"revision": 1, "answers": {"D1.1": {"target": "4"}}}, ["/answers/D1.1/target"]),
    ({"revision": 1, "answers": {"D1.1": {"na": "yes"}}}, ["/answers/D1.1/na"]),
    ({"revision": 1, "answers": {"D1.1": {"na": 1}}}, ["/answers/D1.1/na"]),
    ({"revision": 1, "answers": {"D1.1": {"comment": 5}}}, ["/answers/D1.1/comment"]),
    ({"revision": 1, "answers": {"D1.1": {"comment": {"de": "x"}}}}, ["/answers/D1.1/comment"]),
    ({"revision": 1, "answers": {"D1.1": {"level": 1, "score": 1}}}, ["/answers/D1.1/score"]),
    ({"revision": 1, "answers": {"D1.1": 3}}, ["/answers/D1.1"]),
    ({"revision": 1, "answers": {"D1.1": [{"level": 3}]}}, ["/answers/D1.1"]),
    ({"revision": 1, "answers": {"D1.1": "3"}}, ["/answers/D1.1"]),
    ({"revision": 1, "answers": []}, ["/answers"]),
    ({"revision": 1, "answers": None}, ["/answers"]),
    ({"revision": 1}, ["/answers"]),
    ({"answers": {}}, ["/revision"]),
    ({"revision": "1", "answers": {}}, ["/revision"]),
    ({"revision": 1.0, "answers": {}}, ["/revision"]),
    ({"revision": 1.5, "answers": {}}, ["/revision"]),
    ({"revision": -1, "answers": {}}, ["/revision"]),
    ({"revision": None, "answers": {}}, ["/revision"]),
    ({"revision": True, "answers": {}}, ["/revision"]),
    ({"revision": 2 ** 31, "answers": {}}, ["/revision"]),
    ({"revision": 1, "answers": {}, "state": "submitted"}, ["/state"]),
    ({"revision": 1, "answers": {}, "scores": {}}, ["/scores"]),
    ([], [""]),
    ({}, ["/revision", "/answers"]),
    # Every problem of one request, each at its path.
    ({"revision": 1, "answers": {"D1.1": {"level": 9, "target": -2, "na": "x", "comment": 1,
                                          "foo": 1},
                                 "Q": None, "D1.2": {"level": 1}}},
     ["/answers/D1.1/level", "/answers/D1.1/target", "/answers/D1.1/na",
      "/answers/D1.1/comment", "/answers/D1.1/foo", "/answers/Q"]),
    ({"revision": 1, "answers": {"a/b": {}, "c~d": {}}}, ["/answers/a~1b", "/answers/c~0d"]),
]


def test_bad_answers_are_422_with_every_path_and_write_nothing():
    alive = Survival()
    wid, oid, _, (s,) = setup()
    put_ok(s, wid, 0, {"D1.1": {"level": 2}})
    before = response_row(wid, oid)
    for body, paths in BAD_PUTS:
        r = s.put(path_of(wid), body)
        expect_invalid(r, paths)
        unchanged(wid, oid, before)
    alive.check()


def test_bad_bodies_are_4xx_and_write_nothing():
    alive = Survival()
    wid, oid, _, (s,) = setup()
    put_ok(s, wid, 0, {"D1.1": {"level": 2}})
    before = response_row(wid, oid)
    p = path_of(wid)
    malformed = [
        b'{"revision": 1, "answers": {"D1.1": {"comment": "\xff\xfe"}}}',     # invalid UTF-8
        b'{"revision": 1, "answers": {"D1.1": {"comment": "\xc0\xaf"}}}',     # overlong
        b'{"revision": 1, "answers": {"D1.1": {"comment": "\xed\xa0\x80"}}}', # encoded surrogate
        b'{"revision": 1, "answers": {"D1.1": {"comment": "\\ud800"}}}',      # lone surrogate
        b'{"revision": 1, "answers": {"D1.1": {"comment": "\\udc00x"}}}',
        b'{"revision": 1, "answers": {"D1.1": {"comment": "a\\u0000b"}}}',    # NUL
        b'{"revision": 1, "answers": {"D1.1\\u0000": {"level": 1}}}',
        b'{"revision": 1, "answers": {"D1.1": {"comment": "a\x00b"}}}',       # raw NUL
        b'{"revision": 1, "answers": {"D1.1": {"comment": "tab\there"}}}',    # raw control
        b'{"revision": 1, "revision": 0, "answers": {}}',                     # duplicate key
        b'{"revision": 1, "answers": {"D1.1": {"level": 1}, "D1.1": {"level": 2}}}',
        b'{"revision": 1e400, "answers": {}}',
        b'{"revision": 99999999999999999999, "answers": {}}',
        b'{"revision": 1, "answers": {}',
        b'{"revision": 1, "answers": {}}}',
        b'{"revision": 1, "answers": {},}',
        b"{'revision': 1}",
        b'{"revision": 01, "answers": {}}',
        b'{"revision": NaN, "answers": {}}',
        b'\xef\xbb\xbf{"revision": 1, "answers": {}}',
        b"",
        b"   ",
        b"[" * 10000 + b"]" * 10000,
        b'{"revision": 1, "answers": ' + b'{"a":' * 10000 + b"1" + b"}" * 10000 + b"}",
    ]
    for raw in malformed:
        r = s.req("PUT", p, raw=raw)
        e = expect_error(r, 400, "malformed_json")
        assert [d["path"] for d in e["details"]] == [""], (raw[:60], e)
        unchanged(wid, oid, before)
    # Wrong or missing media types.
    good = json.dumps({"revision": 1, "answers": {"D1.1": {"level": 4}}}).encode()
    for ct in ("text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1",
               "application/jsonp", "multipart/form-data; boundary=x", "application/xml"):
        r = s.req("PUT", p, raw=good, headers={"Content-Type": ct})
        expect_error(r, 415, "unsupported_media_type")
        unchanged(wid, oid, before)
    r = s.req("PUT", p, raw=good, headers={"Content-Type": ""})
    expect_error(r, 415, "unsupported_media_type")
    # Over 1 MiB.
    big = b'{"revision": 1, "answers": {"D1.1": {"comment": "' + b"x" * (1024 * 1024) + b'"}}}'
    expect_error(s.req("PUT", p, raw=big), 413, "body_too_large")
    unchanged(wid, oid, before)
    # Just under 1 MiB but a comment far too long: 422.
    big = b'{"revision": 1, "answers": {"D1.1": {"comment": "' + b"x" * 1000000 + b'"}}}'
    expect_invalid(s.req("PUT", p, raw=big), ["/answers/D1.1/comment"])
    # Many unknown items: every one counted, the first 100 named.
    many = {"revision": 1, "answers": {"Z%05d" % i: {"level": 1} for i in range(20000)}}
    e = expect_error(s.put(p, many), 422, "invalid")
    assert len(e["details"]) == 100 and e["details"][0]["path"].startswith("/answers/Z"), e
    unchanged(wid, oid, before)
    # Charset spelled differently is still JSON.
    r = s.req("PUT", p, raw=good, headers={"Content-Type": "application/json;charset=UTF-8"})
    assert r.status == 200, r
    alive.check()


# ------------------------------------------------------------ submit

def submit(s, wid, rev):
    return s.post(path_of(wid) + "/submit", {"revision": rev})


def check_submitted(s, wid, oid, answers, defn, rev):
    """Submits, compares the scores with our own, and with the row."""
    r = submit(s, wid, rev)
    assert r.status == 200, r
    j = r.json
    assert set(j) == {"state", "scores"} and j["state"] == "submitted", j
    want = expected_scores(defn, answers)
    assert_scores_close(j["scores"], want)
    row = response_row(wid, oid)
    assert row["state"] == "submitted" and row["revision"] == rev, row
    assert row["submitted_revision"] == rev
    assert_scores_close(row["scores"], want)
    if want["overall"] is None:
        assert row["overall"] is None, row
    else:
        assert abs(row["overall"] - want["overall"]) <= 1e-6, row
    # The same revision again: 200 and the same scores.
    r2 = submit(s, wid, rev)
    assert r2.status == 200 and r2.json == j, (r2, j)
    g = s.get(path_of(wid)).json
    assert g["state"] == "submitted" and g["revision"] == rev, g
    assert_scores_close(g["scores"], want)
    # Stored with 17 digits, answered with 10 like the submit's answer.
    assert g["scores"] == j["scores"], (g["scores"], j["scores"])
    return j["scores"]


def test_submit_all_answered():
    rng = random.Random(11)
    for _ in range(3):
        wid, oid, _, (s,) = setup()
        answers = full_answers(DEFN, rng)
        put_ok(s, wid, 0, answers)
        check_submitted(s, wid, oid, answers, DEFN, 1)


def test_submit_with_some_na():
    wid, oid, _, (s,) = setup()
    rng = random.Random(5)
    answers = full_answers(DEFN, rng, na_share=0.3)
    # A whole dimension n/a: answered, but without a score.
    for it in DEFN["dimensions"][1]["items"]:
        answers[it["id"]] = {"na": True}
    # na with a level: the level does not count.
    answers["D1.1"] = {"level": 4, "na": True}
    answers["D1.2"] = {"level": 0, "target": 4, "comment": "bald"}
    put_ok(s, wid, 0, answers)
    sc = check_submitted(s, wid, oid, answers, DEFN, 1)
    assert sc["dimensions"]["D2"] is None, sc


def test_submit_exact_values_by_hand():
    wid, oid, _, (s,) = setup()
    answers = {it: {"level": 2} for it in ITEMS}
    for it in ("D1.1", "D1.2", "D1.3"):
        answers[it] = {"level": 4}
    answers["D8.1"] = {"na": True}
    put_ok(s, wid, 0, answers)
    sc = check_submitted(s, wid, oid, answers, DEFN, 1)
    # D1: (4+4+4+2+2+2)/6 = 3 -> 75; D2..D8: 50; overall (75 + 7*50)/8.
    assert abs(sc["dimensions"]["D1"] - 75.0) < 1e-9 and abs(sc["dimensions"]["D8"] - 50.0) < 1e-9
    assert abs(sc["overall"] - 53.125) < 1e-9 and sc["stage"] == "fortgeschritten", sc


def test_submit_with_a_dimension_under_half_answered():
    d = small_definition()
    qid = store_definition(d)
    cases = [
        # D2: 1 of 4 answered -> null; D3: 1 of 3 -> null: overall is D1's.
        {"D1.1": {"level": 4}, "D1.2": {"level": 3}, "D1.3": {"level": 3}, "D1.4": {"level": 1},
         "D2.1": {"level": 4}, "D3.1": {"level": 0}},
        # D2: exactly half (one na) -> a score; D3: 2 of 3 with one na.
        {"D1.1": {"level": 0}, "D1.2": {"level": 1}, "D1.3": {"na": True}, "D1.4": {"level": 1},
         "D2.1": {"level": 3}, "D2.4": {"na": True}, "D3.1": {"level": 2}, "D3.3": {"na": True}},
        # Only n/a and too few: no score at all.
        {"D1.1": {"na": True}, "D1.2": {"na": True}, "D1.3": {"na": True}, "D1.4": {"na": True},
         "D3.1": {"na": True}, "D2.2": {"level": 4, "na": True}},
        # Everything at 4: vorreiter, 100.
        {i: {"level": 4} for i in items_of(d)},
        # Weights matter: D1 (w 2) at 25, D2 (w 1) at 100, D3 (w 0.5) at 0.
        dict({"D1.%d" % i: {"level": 1} for i in range(1, 5)},
             **{"D2.%d" % i: {"level": 4} for i in range(1, 5)},
             **{"D3.%d" % i: {"level": 0} for i in range(1, 4)}),
    ]
    results = []
    for answers in cases:
        wid, oid, _, (s,) = setup(1, qid)
        put_ok(s, wid, 0, answers)
        results.append(check_submitted(s, wid, oid, answers, d, 1))
    assert results[0]["dimensions"]["D2"] is None and results[0]["dimensions"]["D3"] is None
    assert abs(results[0]["overall"] - 68.75) < 1e-9 and results[0]["stage"] == "etabliert"
    assert results[1]["dimensions"]["D2"] == 75.0
    assert results[2] == {"overall": None, "stage": None,
                          "dimensions": {"D1": None, "D2": None, "D3": None}}, results[2]
    assert results[3]["overall"] == 100.0 and results[3]["stage"] == "vorreiter"
    assert abs(results[4]["overall"] - (2 * 25 + 100) / 3.5) < 1e-6
    assert results[4]["stage"] == "fortgeschritten", results[4]


def test_stage_boundaries():
    # One dimension of four items: sums 3, 6, 10, 13 give 18.75, 37.5,
    # 62.5, 81.25; a sum of 8 gives exactly 50, and 16 exactly 100.
    d = small_definition()
    d["dimensions"] = [d["dimensions"][0]]
    qid = store_definition(d)
    for levels, score, stage in (([0, 0, 0, 3], 18.75, "einsteiger"),
                                 ([1, 1, 1, 3], 37.5, "aufbauend"),
                                 ([2, 2, 2, 2], 50.0, "fortgeschritten"),
                                 ([4, 4, 1, 1], 62.5, "etabliert"),
                                 ([4, 4, 4, 1], 81.25, "vorreiter"),
                                 ([0, 0, 0, 0], 0.0, "einsteiger")):
        wid, oid, _, (s,) = setup(1, qid)
        answers = {"D1.%d" % (i + 1): {"level": lv} for i, lv in enumerate(levels)}
        put_ok(s, wid, 0, answers)
        sc = check_submitted(s, wid, oid, answers, d, 1)
        assert sc["overall"] == score and sc["stage"] == stage, (levels, sc)
    # 20 and 80 exactly are the next stage up: 5 items summing to 4 -> 20.
    d = small_definition()
    d["dimensions"] = [d["dimensions"][0]]
    d["dimensions"][0]["items"].append(dict(d["dimensions"][0]["items"][0], id="D1.5"))
    qid = store_definition(d)
    for levels, score, stage in (([1, 1, 1, 1, 0], 20.0, "aufbauend"),
                                 ([4, 4, 4, 4, 0], 80.0, "vorreiter"),
                                 ([2, 2, 2, 2, 0], 40.0, "fortgeschritten"),
                                 ([3, 3, 3, 3, 0], 60.0, "etabliert")):
        wid, oid, _, (s,) = setup(1, qid)
        answers = {"D1.%d" % (i + 1): {"level": lv} for i, lv in enumerate(levels)}
        put_ok(s, wid, 0, answers)
        sc = check_submitted(s, wid, oid, answers, d, 1)
        assert sc["overall"] == score and sc["stage"] == stage, (levels, sc)


def test_submit_lists_the_open_required_items():
    wid, oid, _, (s,) = setup()
    answers = {it: {"level": 1} for it in ITEMS}
    missing = ["D1.3", "D4.5", "D8.1"]
    for it in missing:
        del answers[it]
    answers["D8.1"] = {"target": 4, "comment": "kein Level"}     # not answered
    del answers["D7.7"]                                          # optional
    put_ok(s, wid, 0, answers)
    before = response_row(wid, oid)
    r = submit(s, wid, 1)
    e = expect_error(r, 422, "incomplete")
    assert sorted(d["path"] for d in e["details"]) == ["/answers/" + m for m in missing], e
    assert all(d["problem"] == "required" for d in e["details"]), e
    unchanged(wid, oid, before)
    # Nothing answered: every required item is listed.
    wid2, oid2, _, (s2,) = setup()
    e = expect_error(submit(s2, wid2, 0), 422, "incomplete")
    assert sorted(d["path"] for d in e["details"]) == sorted(
        "/answers/" + i for i in required_of(DEFN)), e
    assert len(e["details"]) == len(ITEMS) - 1
    assert response_row(wid2, oid2) is None
    # n/a closes a required item.
    put_ok(s, wid, 1, {m: {"na": True} for m in missing})
    answers.update({m: {"na": True} for m in missing})
    check_submitted(s, wid, oid, answers, DEFN, 2)


def test_submit_of_an_empty_draft_without_required_items():
    d = small_definition()
    for dim in d["dimensions"]:
        for it in dim["items"]:
            it["required"] = False
    qid = store_definition(d)
    wid, oid, _, (s,) = setup(1, qid)
    sc = check_submitted(s, wid, oid, {}, d, 0)
    assert sc == {"overall": None, "stage": None,
                  "dimensions": {"D1": None, "D2": None, "D3": None}}, sc


def test_submit_body_problems():
    wid, oid, _, (s,) = setup()
    put_ok(s, wid, 0, {"D1.1": {"level": 1}})
    before = response_row(wid, oid)
    p = path_of(wid) + "/submit"
    for body, paths in (({}, ["/revision"]), ({"revision": "1"}, ["/revision"]),
                        ({"revision": 1.0}, ["/revision"]), ({"revision": -1}, ["/revision"]),
                        ({"revision": None}, ["/revision"]),
                        ({"revision": 1, "answers": {}}, ["/answers"]), ([1], [""])):
        expect_invalid(s.post(p, body), paths)
        unchanged(wid, oid, before)
    expect_invalid(s.post(p), [""])
    expect_error(s.req("POST", p, raw=b'{"revision": 1'), 400, "malformed_json")
    expect_error(s.req("POST", p, raw=b'{"revision": 1}', headers={"Content-Type": "text/plain"}),
                 415, "unsupported_media_type")
    unchanged(wid, oid, before)


def test_after_submit_saves_and_other_revisions_are_409():
    wid, oid, _, (s, colleague) = setup(2)
    answers = full_answers(DEFN, random.Random(3))
    put_ok(s, wid, 0, answers)
    scores = check_submitted(s, wid, oid, answers, DEFN, 1)
    before = response_row(wid, oid)
    e = expect_error(put(colleague, wid, 1, {"D1.1": {"level": 0}}), 409, "already_submitted")
    assert e["revision"] == 1
    e = expect_error(submit(colleague, wid, 0), 409, "already_submitted")
    assert e["revision"] == 1
    unchanged(wid, oid, before)
    # The colleague may submit the same revision again and gets the same.
    r = submit(colleague, wid, 1)
    assert r.status == 200 and r.json["scores"] == scores, r
    # A closed wave still answers a repeated submit the same.
    assert coordinator().patch("/api/v1/waves/%d" % wid, {"state": "closed"}).status == 200
    r = submit(s, wid, 1)
    assert r.status == 200 and r.json["scores"] == scores, r
    e = expect_error(put(s, wid, 1, {"D1.1": {"level": 0}}), 409, "wave_closed")
    assert e["revision"] == 1
    e = expect_error(submit(s, wid, 0), 409, "already_submitted")
    unchanged(wid, oid, before)


# ------------------------------------------------------------ reopen

def reopen_path(wid, oid):
    return "/api/v1/waves/%d/responses/%d/reopen" % (wid, oid)


def test_coordinator_reopens_a_submitted_response():
    wid, oid, _, (s,) = setup()
    answers = full_answers(DEFN, random.Random(9))
    put_ok(s, wid, 0, answers)
    check_submitted(s, wid, oid, answers, DEFN, 1)
    r = coordinator().post(reopen_path(wid, oid))
    assert r.status == 200, r
    assert r.json == {"state": "draft", "revision": 2}, r.json
    row = response_row(wid, oid)
    assert row["state"] == "draft" and row["revision"] == 2, row
    assert row["scores"] is None and row["overall"] is None and row["submitted_revision"] is None
    assert row["answers"] == answers
    g = s.get(path_of(wid)).json
    assert g["state"] == "draft" and g["revision"] == 2 and "scores" not in g, g
    # A submit of the old revision is stale now; the draft can change.
    e = expect_error(submit(s, wid, 1), 409, "stale_revision")
    assert e["revision"] == 2
    put_ok(s, wid, 2, {"D1.1": {"level": 4}})
    answers["D1.1"] = {"level": 4}
    check_submitted(s, wid, oid, answers, DEFN, 3)
    # Admins may reopen too.
    r = staff("admin").post(reopen_path(wid, oid), {})
    assert r.status == 200 and r.json == {"state": "draft", "revision": 4}, r


def test_reopen_errors():
    wid, oid, _, (s,) = setup()
    put_ok(s, wid, 0, {"D1.1": {"level": 1}})
    before = response_row(wid, oid)
    # Not submitted: 409; no such response, wave or organisation: 404.
    expect_error(coordinator().post(reopen_path(wid, oid)), 409, "conflict")
    oid2, _, _ = municipality(0)
    expect_error(coordinator().post(reopen_path(wid, oid2)), 404, "not_found")
    expect_error(coordinator().post(reopen_path(9007199254740991, oid)), 404, "not_found")
    expect_error(coordinator().post(reopen_path(wid, 9007199254740991)), 404, "not_found")
    unchanged(wid, oid, before)
    answers = {it: {"level": 3} for it in ITEMS}
    put_ok(s, wid, 1, answers)
    assert submit(s, wid, 2).status == 200
    before = response_row(wid, oid)
    # Respondents (even of that organisation) and researchers may not.
    for who in (s, staff("researcher")):
        expect_error(who.post(reopen_path(wid, oid)), 403, "forbidden")
    expect_error(request("POST", reopen_path(wid, oid)), 401, "unauthenticated")
    c = coordinator()
    expect_error(c.req("POST", reopen_path(wid, oid), cookie=True,
                       headers={"X-CSRF-Token": "nein"}), 403, "csrf_failed")
    expect_error(c.req("GET", reopen_path(wid, oid)), 405, "method_not_allowed")
    unchanged(wid, oid, before)
    r = c.req("POST", reopen_path(wid, oid), cookie=True)
    assert r.status == 200 and r.json["revision"] == 3, r


def test_many_questionnaires_through_one_worker_cache():
    # More questionnaires than a worker caches (16): each wave must still
    # be validated against its own, also after eviction.
    alive = Survival()
    adm = staff("admin")
    oid, _, (s,) = municipality()
    waves = []
    for n in range(20):
        d = small_definition()
        d["dimensions"][0]["items"] = d["dimensions"][0]["items"][:1 + n % 4]
        d["dimensions"][0]["items"][0]["id"] = "Q%d.1" % n
        waves.append((make_wave(store_definition(d, adm), "open"), d))
    for rnd in range(2):
        for wid, d in waves:
            total = len(items_of(d))
            r = s.get(path_of(wid))
            assert r.json["progress"]["total"] == total, (wid, r)
            own = d["dimensions"][0]["items"][0]["id"]
            j = put_ok(s, wid, rnd, {own: {"level": 1}})
            assert j["progress"] == {"answered": 1, "total": total}, j
            # Another questionnaire's first item is unknown here.
            other = "Q%d.1" % ((int(own[1:].split(".")[0]) + 1) % 20)
            expect_invalid(put(s, wid, rnd + 1, {other: {"level": 1}}), ["/answers/" + other])
    alive.check()
