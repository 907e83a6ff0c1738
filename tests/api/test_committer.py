"""The committer (cgi/committer.c, 013_committer.sql): the workers hand
their autosaves to one process that saves all that wait in one
transaction. Autosaves that wait together land together, each in its own
municipality's response and each answered with its own revision; an answer
comes only after COMMIT, so a committer that dies with a batch in its hands
costs a 503 and nothing else; the master replaces it, and a worker whose
committer went away saves by itself meanwhile; an autosave too large for a
message is saved by its worker alone; a session that ended while a worker
still kept it saves nothing."""
import json
import os
import re
import signal
import time

from lib import (expect_error, fcgi_master_pid, pid_children, psql, request,
                 wait_for, writer_pids)
from survey_helpers import (ROW_FOR_UPDATE, HeldRow, Session, behind_held_row,
                            default_definition, expect_invalid, items_of, lock_waiters,
                            make_wave, municipality, required_of, response_row, staff,
                            start_calls)

ITEM = "D1.1"


def path_of(wid):
    return "/api/v1/waves/%d/response" % wid


def batch_counts():
    r = request("GET", "/api/v1/metrics")
    assert r.status == 200, r
    text = r.body.decode()
    got = {}
    for name in ("batches", "items"):
        m = re.search(r"^reifegrad_committer_%s_total (\d+)$" % name, text, re.M)
        assert m, name
        got[name] = int(m.group(1))
    return got


def committer_pid():
    out = os.popen("pgrep -P %d -x rg-committer" % fcgi_master_pid()).read().split()
    return int(out[0]) if out else None


def started(n=1):
    """n municipalities in one new open wave, each with a first save."""
    wid = make_wave(None, "open")
    orgs = []
    for _ in range(n):
        oid, _, (s,) = municipality()
        r = s.put(path_of(wid), {"revision": 0, "answers": {ITEM: {"level": 1}}})
        assert r.status == 200 and r.json["revision"] == 1, r
        orgs.append((oid, s))
    return wid, orgs


def test_autosaves_that_wait_together_land_in_one_transaction():
    # The committer's transaction waits for a row held elsewhere; the
    # autosaves of three other municipalities arrive meanwhile and go
    # together in the next batch, each to its own response.
    wid, orgs = started(4)
    (held_oid, held_s), others = orgs[0], orgs[1:]
    held = HeldRow(ROW_FOR_UPDATE, wid, held_oid)
    before = batch_counts()
    try:
        ts, out = start_calls(lambda: held_s.put(
            path_of(wid), {"revision": 1, "answers": {ITEM: {"level": 4}}}))
        wait_for(lambda: lock_waiters() >= 1)
        more, out2 = start_calls(*[
            (lambda s=s, n=n: s.put(path_of(wid), {"revision": 1, "answers": {
                ITEM: {"level": n % 5}, "D1.2": {"comment": "Batch %d" % n}}}))
            for n, (_, s) in enumerate(others)])
        time.sleep(0.5)
    finally:
        held.end("ROLLBACK")
    for t in ts + more:
        t.join()
    assert out[0].status == 200 and out[0].json["revision"] == 2, out[0]
    for n, ((oid, _), r) in enumerate(zip(others, out2)):
        assert r.status == 200 and r.json["revision"] == 2, r
        assert r.json["progress"]["answered"] == 1, r
        row = response_row(wid, oid)
        assert row["answers"] == {ITEM: {"level": n % 5}, "D1.2": {"comment": "Batch %d" % n}}, row
    after = batch_counts()
    items = after["items"] - before["items"]
    batches = after["batches"] - before["batches"]
    # Four saves (and the checks of a worker that had not seen the wave
    # yet, which name its questionnaire) in fewer transactions than items:
    # what waited behind the held row went together.
    assert items >= 4, (before, after)
    assert batches < items, (before, after)


def test_saves_waiting_for_the_committer_leave_the_readers_their_workers():
    # nginx sends autosaves and submissions to the write pool (cgi/main.c,
    # deploy/nginx-dev.conf.in). More saves than there are readers wait
    # behind a row held elsewhere, each in a write worker; meanwhile reads
    # are answered at once (with one pool they would wait for the row).
    readers = int(os.environ.get("REIFEGRAD_WORKERS", "4"))
    writers = int(os.environ.get("REIFEGRAD_WRITE_WORKERS", "8"))
    n = readers + 1
    assert n <= writers, (readers, writers)
    wid, orgs = started(n)
    (held_oid, held_s), others = orgs[0], orgs[1:]
    held = HeldRow(ROW_FOR_UPDATE, wid, held_oid)
    try:
        # The held municipality's save first: its batch waits for the row,
        # and the others' wait for that batch.
        ts, out = start_calls(lambda: held_s.put(
            path_of(wid), {"revision": 1, "answers": {ITEM: {"level": 0}}}))
        wait_for(lambda: lock_waiters() >= 1)
        more, out2 = start_calls(*[
            (lambda s=s, k=k: s.put(path_of(wid), {"revision": 1, "answers": {
                ITEM: {"level": k % 5}}}))
            for k, (_, s) in enumerate(orgs) if k > 0])
        time.sleep(0.5)
        # Within the batch's lock timeout (5 s), which would end the wait.
        r = request("GET", "/api/v1/health", timeout=3)
        assert r.status == 200, r
        r = others[0][1].get("/api/v1/me")
        assert r.status == 200, r
        assert all(t.is_alive() for t in ts + more), "a save did not wait for the held row"
    finally:
        held.end("ROLLBACK")
    for t in ts + more:
        t.join()
    for k, ((oid, _), r) in enumerate(zip(orgs, out + out2)):
        assert r.status == 200 and r.json["revision"] == 2, r
        assert response_row(wid, oid)["answers"] == {ITEM: {"level": k % 5}}


def sched_policy(pid):
    """A process's scheduling policy (field 41 of /proc/PID/stat): 0 is
    SCHED_OTHER, 3 SCHED_BATCH."""
    stat = open("/proc/%d/stat" % pid).read()
    return int(stat[stat.rindex(")") + 2:].split()[38])


def test_write_workers_give_way_to_the_committer_on_waking():
    # cgi/main.c: the write pool runs SCHED_BATCH, so that the workers the
    # committer wakes with its answers do not preempt it; the readers, the
    # committer and the master keep the default.
    master = fcgi_master_pid()
    writers = writer_pids(master)
    assert writers, "no write pool"
    assert [sched_policy(p) for p in writers] == [3] * len(writers)
    committer = os.popen("pgrep -P %d -x rg-committer" % master).read().split()
    others = pid_children(master) + [int(x) for x in committer] + [master]
    assert len(others) >= 3, others
    assert [sched_policy(p) for p in others] == [0] * len(others)


def test_a_committer_killed_with_a_batch_costs_a_503_and_nothing_else():
    wid, ((oid, s),) = started(1)
    before = response_row(wid, oid)
    old = committer_pid()
    assert old
    held = HeldRow(ROW_FOR_UPDATE, wid, oid)
    try:
        ts, out = start_calls(lambda: s.put(
            path_of(wid), {"revision": 1, "answers": {ITEM: {"level": 3}}}))
        wait_for(lambda: lock_waiters() >= 1)
        os.kill(old, signal.SIGKILL)
        for t in ts:
            t.join()
        # Its transaction ends while it still waits for the row (within a
        # second: client_connection_check_interval). The row is released
        # after 3 s, before the batch's 5 s lock timeout: a transaction
        # still waiting then would save and commit.
        time.sleep(3)
    finally:
        held.end("ROLLBACK")
    expect_error(out[0], 503, "unavailable")
    assert response_row(wid, oid) == before
    # The master has replaced it, and the same save lands now.
    wait_for(lambda: committer_pid() not in (None, old))
    r = s.put(path_of(wid), {"revision": 1, "answers": {ITEM: {"level": 3}}})
    assert r.status == 200 and r.json["revision"] == 2, r
    assert response_row(wid, oid)["answers"] == {ITEM: {"level": 3}}


def test_workers_save_by_themselves_while_the_committer_is_gone():
    # The workers' connections to a killed committer have ended: each
    # notices at its next save and saves it itself (not counted as a
    # batch), then connects to the new committer.
    wid, orgs = started(6)
    old = committer_pid()
    os.kill(old, signal.SIGKILL)
    for rnd in range(3):
        for oid, s in orgs:
            r = s.put(path_of(wid), {"revision": 1 + rnd, "answers": {ITEM: {"level": rnd}}})
            assert r.status == 200 and r.json["revision"] == 2 + rnd, r
    for oid, _ in orgs:
        row = response_row(wid, oid)
        assert row["revision"] == 4 and row["answers"] == {ITEM: {"level": 2}}, row
    new = committer_pid()
    assert new not in (None, old)
    before = batch_counts()
    for oid, s in orgs:
        r = s.put(path_of(wid), {"revision": 4, "answers": {ITEM: {"level": 4}}})
        assert r.status == 200, r
    assert batch_counts()["items"] - before["items"] == len(orgs)


def test_submissions_while_the_committer_is_replaced_are_made_by_the_workers():
    # A worker whose committer connection has ended reads, scores and
    # submits by itself, with the same calls in its own transaction. Every
    # worker is connected first: one autosave each, all waiting at once
    # behind a row held elsewhere, so each worker holds one of them.
    workers = len(pid_children(fcgi_master_pid()))
    wid, orgs = started(workers)
    answers = {it: {"level": 3} for it in items_of(default_definition())}
    held = HeldRow(ROW_FOR_UPDATE, wid, orgs[0][0])
    try:
        ts, out = start_calls(*[
            (lambda s=s: s.put(path_of(wid), {"revision": 1, "answers": answers}))
            for _, s in orgs])
        wait_for(lambda: lock_waiters() >= 1)
        time.sleep(0.3)
    finally:
        held.end("ROLLBACK")
    for t in ts:
        t.join()
    assert all(r.status == 200 and r.json["revision"] == 2 for r in out), out
    old = committer_pid()
    os.kill(old, signal.SIGKILL)
    wait_for(lambda: committer_pid() not in (None, old), timeout=3)
    before = batch_counts()
    for oid, s in orgs:
        r = s.post(path_of(wid) + "/submit", {"revision": 2})
        assert r.status == 200 and r.json["scores"]["overall"] == 75.0, r
        row = response_row(wid, oid)
        assert row["state"] == "submitted" and row["scores"] == r.json["scores"], row
    # Each worker's first submission after the death (the very first, at
    # least) went past the new committer.
    assert batch_counts()["items"] - before["items"] < len(orgs)


def test_an_autosave_too_large_for_a_message_is_saved_by_its_worker():
    wid, ((oid, s),) = started(1)
    from survey_helpers import default_definition, items_of
    items = items_of(default_definition())
    long = "Ä" * 3000
    answers = {it: {"level": 2, "comment": long + it} for it in items[:30]}
    workers = len(pid_children(fcgi_master_pid()))
    before = batch_counts()
    # Twice as many saves as workers: a worker that has not seen the wave
    # sends the checks alone first (small), then saves by itself; had the
    # large saves gone to the committer, it would count each.
    rounds = 2 * workers
    for rnd in range(rounds):
        answers[ITEM] = {"level": rnd % 5, "comment": long}
        r = s.put(path_of(wid), {"revision": 1 + rnd, "answers": answers})
        assert r.status == 200 and r.json["revision"] == 2 + rnd, r
    assert batch_counts()["items"] - before["items"] <= workers
    row = response_row(wid, oid)
    assert row["answers"][items[7]]["comment"] == long + items[7]
    assert row["answers"][ITEM] == {"level": (rounds - 1) % 5, "comment": long}
    assert row["revision"] == 1 + rounds


def test_a_session_ended_while_a_worker_keeps_it_saves_nothing():
    # Every worker keeps the session (it saved through each); after sign-
    # out, whichever worker takes the save, the committer finds no session.
    wid, ((oid, s),) = started(1)
    rev = 1
    for _ in range(12):
        r = s.put(path_of(wid), {"revision": rev, "answers": {ITEM: {"level": rev % 5}}})
        assert r.status == 200, r
        rev += 1
    psql("DELETE FROM session WHERE user_id = :'p1'", s.account["id"])
    for _ in range(12):
        r = s.put(path_of(wid), {"revision": rev, "answers": {ITEM: {"level": 0}}})
        expect_error(r, 401, "unauthenticated")
    assert response_row(wid, oid)["revision"] == rev


def last_seen_age(s):
    return float(psql("SELECT extract(epoch FROM now() - last_seen_at) FROM session"
                      " WHERE user_id = :'p1'", s.account["id"])[0][0])


def test_a_write_counts_as_activity_of_its_session():
    # The session checks of autosaves and submissions only read; the touch
    # (at most once a minute) comes with the committer's transaction, or
    # after the handler when the write was refused before it got there.
    wid = make_wave(None, "open")
    for body, status in (({"revision": 0, "answers": {ITEM: {"level": 1}}}, 200),
                         ({"revision": 0, "answers": {ITEM: {"level": 9}}}, 422),
                         ({"revision": "x"}, 422)):
        _, _, (s,) = municipality()
        psql("UPDATE session SET last_seen_at = now() - interval '5 minutes'"
             " WHERE user_id = :'p1'", s.account["id"])
        r = s.put(path_of(wid), body)
        assert r.status == status, r
        assert last_seen_age(s) < 30, (body, last_seen_age(s))
    # A session touched less than a minute ago is not written again.
    _, _, (s,) = municipality()
    psql("UPDATE session SET last_seen_at = now() - interval '20 seconds'"
         " WHERE user_id = :'p1'", s.account["id"])
    r = s.put(path_of(wid), {"revision": 0, "answers": {ITEM: {"level": 1}}})
    assert r.status == 200, r
    assert last_seen_age(s) >= 19, last_seen_age(s)


def test_a_submission_overtaken_by_a_colleagues_save_is_stale():
    # The worker reads revision 2 and scores it; a colleague's save of
    # revision 3 holds the row when the committer's call comes, and commits
    # while the call waits: the call must not submit scores of revision 2.
    from survey_helpers import default_definition, items_of
    wid = make_wave(None, "open")
    oid, _, (s,) = municipality()
    answers = {it: {"level": 2} for it in items_of(default_definition())}
    r = s.put(path_of(wid), {"revision": 0, "answers": answers})
    assert r.status == 200, r
    r = s.put(path_of(wid), {"revision": 1, "answers": {ITEM: {"level": 4}}})
    assert r.status == 200 and r.json["revision"] == 2, r
    held = HeldRow("UPDATE response SET revision = revision + 1,"
                   " answers = answers || '{\"%s\": {\"level\": 0}}'"
                   " WHERE wave_id = :'p1' AND organisation_id = :'p2'" % ITEM, wid, oid)
    (r,) = behind_held_row(held, "COMMIT",
                           lambda: s.post(path_of(wid) + "/submit", {"revision": 2}))
    e = expect_error(r, 409, "stale_revision")
    assert e["revision"] == 3, e
    row = response_row(wid, oid)
    assert row["state"] == "draft" and row["revision"] == 3, row


def test_a_submission_whose_session_no_worker_keeps_is_checked_by_the_committer():
    # A fresh session is in no worker's cache: its submission goes to the
    # committer unchecked, and the committer's transaction checks it. The
    # answers are still API.md's, in its order: who asks (401, 403, CSRF)
    # comes before the body (422), the body before the response.
    wid = make_wave(None, "open")
    oid, key, (s,) = municipality()
    answers = {it: {"level": 2} for it in items_of(default_definition())}
    r = s.put(path_of(wid), {"revision": 0, "answers": answers})
    assert r.status == 200 and r.json["revision"] == 1, r
    before = response_row(wid, oid)
    sub = path_of(wid) + "/submit"

    def fresh():
        return Session(s.account)

    ended = fresh()
    assert ended.post("/api/v1/logout").status == 204
    coord = staff("coordinator")
    for body in ({"revision": 1}, {"revision": "1"}, {"revision": 1, "scores": {}}):
        expect_error(ended.post(sub, body), 401, "unauthenticated")
        expect_error(request("POST", sub, body=body,
                             headers={"Authorization": "Bearer " + "Q" * 43}),
                     401, "unauthenticated")
        expect_error(Session(coord.account).post(sub, body), 403, "forbidden")
        expect_error(fresh().req("POST", sub, body, cookie=True,
                                 headers={"X-CSRF-Token": "falsch"}), 403, "csrf_failed")
    expect_invalid(fresh().post(sub, {"revision": "1"}), ["/revision"])
    expect_invalid(fresh().req("POST", sub, {"revision": 1, "x": 1}, cookie=True), ["/x"])
    expect_error(fresh().post(sub, {"revision": 0}), 409, "stale_revision")
    expect_error(fresh().post(path_of(wid + 1000) + "/submit", {"revision": 1}), 404,
                 "not_found")
    assert response_row(wid, oid) == before
    # Accepted: scored by the committer, answered with the scores stored.
    items = batch_counts()["items"]
    r = fresh().req("POST", sub, {"revision": 1}, cookie=True)
    assert r.status == 200 and r.json["state"] == "submitted", r
    assert batch_counts()["items"] == items + 1
    row = psql("SELECT state, scores::text, submitted_revision FROM response"
               " WHERE wave_id = :'p1' AND organisation_id = :'p2'", wid, oid)[0]
    assert row[0] == "submitted" and row[2] == "1", row
    assert json.loads(row[1]) == r.json["scores"], (row, r.json)
    assert r.json["scores"]["overall"] == 50.0, r.json
    # The same submission again: the same answer, from what is stored.
    r2 = fresh().post(sub, {"revision": 1})
    assert r2.status == 200 and r2.json["scores"] == r.json["scores"], r2


def test_an_incomplete_submission_lists_its_open_items_from_the_committer():
    wid = make_wave(None, "open")
    oid, _, (s,) = municipality()
    items = items_of(default_definition())
    required = required_of(default_definition())
    answers = {it: {"level": 1} for it in items if it != required[0]}
    r = s.put(path_of(wid), {"revision": 0, "answers": answers})
    assert r.status == 200, r
    before = response_row(wid, oid)
    for who in (s, Session(s.account)):
        e = expect_error(who.post(path_of(wid) + "/submit", {"revision": 1}), 422,
                         "incomplete")
        assert e["details"] == [{"path": "/answers/" + required[0], "problem": "required"}], e
    assert response_row(wid, oid) == before


def test_submissions_and_autosaves_of_many_at_once_each_get_their_own_answer():
    # The committer reads a batch's submissions on its second connection
    # while the batch before still writes on the first: with many at once,
    # batches overlap. Whatever batch each write lands in, its answer is its
    # own and is what is stored.
    wid = make_wave(None, "open")
    answers = {it: {"level": 1} for it in items_of(default_definition())}
    orgs = []
    for n in range(16):
        oid, _, (s,) = municipality()
        r = s.put(path_of(wid), {"revision": 0, "answers": answers})
        assert r.status == 200 and r.json["revision"] == 1, r
        orgs.append((oid, s))
    submit, save = orgs[:8], orgs[8:]
    calls = [(lambda s=s: s.post(path_of(wid) + "/submit", {"revision": 1})) for _, s in submit]
    calls += [(lambda s=s, n=n: s.put(path_of(wid), {"revision": 1, "answers": {
        ITEM: {"level": n % 5}}})) for n, (_, s) in enumerate(save)]
    before = batch_counts()
    ts, out = start_calls(*calls)
    for t in ts:
        t.join()
    for (oid, _), r in zip(submit, out[:8]):
        assert r.status == 200 and r.json["state"] == "submitted", r
        row = psql("SELECT state, scores::text, submitted_revision FROM response"
                   " WHERE wave_id = :'p1' AND organisation_id = :'p2'", wid, oid)[0]
        assert row[0] == "submitted" and row[2] == "1", row
        assert json.loads(row[1]) == r.json["scores"], (row, r.json)
        assert r.json["scores"]["overall"] == 25.0, r.json
    for n, ((oid, _), r) in enumerate(zip(save, out[8:])):
        assert r.status == 200 and r.json["revision"] == 2, r
        row = response_row(wid, oid)
        assert row["state"] == "draft" and row["answers"][ITEM] == {"level": n % 5}, row
    after = batch_counts()
    assert after["items"] - before["items"] >= 16, (before, after)


def read_connection():
    rows = psql("SELECT pid FROM pg_stat_activity WHERE application_name = 'rg-committer-read'")
    return int(rows[0][0]) if rows else None


def test_the_committers_read_connection_ended_by_the_server_is_replaced():
    # Submissions are read on a connection of their own. One that the
    # server ended while idle is noticed before the next batch: the next
    # submission is read on a new one, and nothing fails.
    wid = make_wave(None, "open")
    answers = {it: {"level": 3} for it in items_of(default_definition())}
    orgs = []
    for _ in range(2):
        oid, _, (s,) = municipality()
        r = s.put(path_of(wid), {"revision": 0, "answers": answers})
        assert r.status == 200, r
        orgs.append((oid, s))
    r = orgs[0][1].post(path_of(wid) + "/submit", {"revision": 1})
    assert r.status == 200, r
    old = read_connection()
    assert old, "no read connection"
    psql("SELECT pg_terminate_backend(:'p1')", old)
    wait_for(lambda: read_connection() != old)
    r = orgs[1][1].post(path_of(wid) + "/submit", {"revision": 1})
    assert r.status == 200 and r.json["scores"]["overall"] == 75.0, r
    assert read_connection() not in (None, old)
    assert response_row(wid, orgs[1][0])["state"] == "submitted"
