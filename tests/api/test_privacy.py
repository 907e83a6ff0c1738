"""Privacy duties (issue #10): `reifegrad-admin org erase KEY` and `user
erase EMAIL` remove exactly the data of one municipality or one account and
nothing of anybody else's, and leave an audit entry without personal data;
`reifegrad-admin housekeeping` enforces the retention settings of
sql/migrations/006_retention.sql and keeps everything else.

The files share one database: every key and address here is unique, and
counts are taken of this file's own rows, never of whole tables."""
import json
import random

from lib import admin, psql, request, snapshots_settled
from survey_helpers import (Session, coordinator, default_definition, iso, items_of,
                            load_default, make_org, make_user, make_wave, municipality, uniq)

DEFN = default_definition()


def submit_full(s, wid, seed):
    """Fills every item of the default questionnaire and submits; returns
    the scores."""
    rng = random.Random(seed)
    answers = {it: {"level": rng.randint(0, 4)} for it in items_of(DEFN)}
    path = "/api/v1/waves/%d/response" % wid
    r = s.put(path, {"revision": 0, "answers": answers})
    assert r.status == 200, r
    r = s.post(path + "/submit", {"revision": r.json["revision"]})
    assert r.status == 200, r
    # Counted into its peer groups (cgi/snapshotter.c) before what
    # follows looks at the counters.
    snapshots_settled()
    return r.json["scores"]


def save_draft(s, wid):
    r = s.put("/api/v1/waves/%d/response" % wid,
              {"revision": 0, "answers": {items_of(DEFN)[0]: {"level": 2, "comment": "Entwurf"}}})
    assert r.status == 200, r


def invite(session, email, org_id):
    r = session.post("/api/v1/invitations", {"email": email, "role": "respondent",
                                              "organisation_id": org_id})
    assert r.status == 201, r
    return r.json["id"], r.json["accept_url"].split("#token=")[1]


def failed_login(email):
    r = request("POST", "/api/v1/login", body={"email": email, "password": "falsch-" + uniq()})
    assert r.status in (401, 429), r


def me_status(s):
    return request("GET", "/api/v1/me", headers={"Authorization": "Bearer " + s.token}).status


def rows(sql, *params):
    return psql(sql, *params)


def org_footprint(oid):
    """Everything of organisation oid, as sorted rows: its responses, ranks,
    accounts, their sessions, invitations to it or to its accounts, and its
    sign-in counters."""
    return {
        "responses": rows("SELECT id, wave_id, state, revision, coalesce(scores::text, ''),"
                          " updated_by_name FROM response WHERE organisation_id = :'p1'"
                          " ORDER BY id", oid),
        "ranks": rows("SELECT response_id, ranks::text FROM snapshot_rank"
                      " WHERE organisation_id = :'p1' ORDER BY response_id", oid),
        "accounts": rows("SELECT id, email, name, role FROM app_user"
                         " WHERE organisation_id = :'p1' ORDER BY id", oid),
        "sessions": rows("SELECT s.user_id, encode(s.token_hash, 'hex') FROM session s"
                         " JOIN app_user u ON u.id = s.user_id"
                         " WHERE u.organisation_id = :'p1' ORDER BY 2", oid),
        "invitations": rows("SELECT id, email, accepted_at IS NOT NULL FROM invitation"
                            " WHERE organisation_id = :'p1' ORDER BY id", oid),
        "counters": rows("SELECT f.subject, f.failures FROM login_failure f"
                         " JOIN app_user u ON f.subject = 'e:' || u.email"
                         " WHERE u.organisation_id = :'p1' ORDER BY 1", oid),
        "audit": rows("SELECT id, actor_id, action, detail::text FROM audit_log"
                      " WHERE organisation_id = :'p1' OR actor_id IN"
                      "  (SELECT id FROM app_user WHERE organisation_id = :'p1')"
                      " OR detail ->> 'email' IN"
                      "  (SELECT email FROM app_user WHERE organisation_id = :'p1')"
                      " ORDER BY id", oid),
    }


def audit_mentions(texts):
    """Audit entries whose detail contains any of the given strings."""
    found = []
    for aid, detail in rows("SELECT id, detail::text FROM audit_log ORDER BY id"):
        for t in texts:
            if t.lower() in detail.lower():
                found.append((aid, t, detail))
    return found


def peer_changes(wid):
    return {(b, v): int(c) for b, v, c in rows(
        "SELECT peer_by, peer_value, changes FROM peer_change WHERE wave_id = :'p1'", wid)}


# ------------------------------------------------------------- org erase

def test_org_erase_removes_exactly_the_municipalitys_data():
    load_default()
    wid = make_wave(state="open")
    wid2 = make_wave(state="open")
    a_id, a_key, a_sessions = municipality(2)
    b_id, b_key, b_sessions = municipality(1)
    submit_full(a_sessions[0], wid, 1)
    submit_full(b_sessions[0], wid, 2)
    save_draft(a_sessions[1], wid2)
    save_draft(b_sessions[0], wid2)
    coord = coordinator()
    a_inv, _ = invite(coord, "eingeladen-a-%s@example.org" % uniq(), a_id)
    invite(coord, "eingeladen-b-%s@example.org" % uniq(), b_id)
    a_user = a_sessions[0].account
    b_user = b_sessions[0].account
    failed_login(a_user["email"])
    failed_login(b_user["email"])
    admin("snapshot", str(wid))

    a_before = org_footprint(a_id)
    b_before = org_footprint(b_id)
    assert len(a_before["responses"]) == 2 and len(a_before["ranks"]) == 1, a_before
    assert len(a_before["accounts"]) == 2 and len(a_before["sessions"]) >= 2, a_before
    assert len(a_before["invitations"]) == 1 and len(a_before["counters"]) == 1, a_before
    assert len(b_before["ranks"]) == 1 and len(b_before["counters"]) == 1, b_before
    assert audit_mentions([a_user["email"]]), "the failed sign-in was not audited"
    others_before = rows(
        "SELECT (SELECT count(*) FROM response WHERE organisation_id <> :'p1'),"
        " (SELECT count(*) FROM snapshot_rank WHERE organisation_id <> :'p1'),"
        " (SELECT count(*) FROM app_user WHERE organisation_id IS DISTINCT FROM :'p1'),"
        " (SELECT count(*) FROM invitation WHERE organisation_id IS DISTINCT FROM :'p1'),"
        " (SELECT count(*) FROM organisation)", a_id)
    changes_before = peer_changes(wid)

    r = admin("org", "erase", a_key)
    assert r.stdout.strip() == (
        "org erase: %s (id %d): removed 2 responses, 1 ranks, 2 accounts, %d sessions, "
        "1 invitations" % (a_key, a_id, len(a_before["sessions"]))), r.stdout

    after = org_footprint(a_id)
    for k in ("responses", "ranks", "accounts", "sessions", "invitations", "counters"):
        assert after[k] == [], (k, after[k])
    assert rows("SELECT count(*) FROM invitation WHERE id = :'p1'", a_inv) == [["0"]]
    for s in a_sessions:
        assert me_status(s) == 401
    # The register entry stays, no longer a member and without consent.
    assert rows("SELECT key, member, consent_named FROM organisation WHERE id = :'p1'",
                a_id) == [[a_key, "f", "f"]]
    # Nothing of the other municipality, nor of anybody else, went.
    assert org_footprint(b_id) == b_before
    assert me_status(b_sessions[0]) == 200
    assert rows(
        "SELECT (SELECT count(*) FROM response WHERE organisation_id <> :'p1'),"
        " (SELECT count(*) FROM snapshot_rank WHERE organisation_id <> :'p1'),"
        " (SELECT count(*) FROM app_user WHERE organisation_id IS DISTINCT FROM :'p1'),"
        " (SELECT count(*) FROM invitation WHERE organisation_id IS DISTINCT FROM :'p1'),"
        " (SELECT count(*) FROM organisation)", a_id) == others_before
    # The erased submission counts as one change of each of its peer
    # groups, as a reopening would, so the snapshots drop it by k.
    changes_after = peer_changes(wid)
    assert changes_after.get(("network", ""), 0) == changes_before.get(("network", ""), 0) + 1, \
        (changes_before, changes_after)


def test_org_erase_leaves_an_audit_entry_without_personal_data():
    oid, key, sessions = municipality(1)
    user = sessions[0].account
    since = int(rows("SELECT coalesce(max(id), 0) FROM audit_log")[0][0])
    failed_login(user["email"])
    r = request("POST", "/api/v1/login", body={"email": user["email"], "password": user["password"]})
    assert r.status == 200, r
    admin("org", "erase", key)
    entries = rows("SELECT actor_id IS NULL, detail::text FROM audit_log"
                   " WHERE action = 'org_erased' AND organisation_id = :'p1'", oid)
    assert len(entries) == 1, entries
    null_actor, detail = entries[0]
    assert null_actor == "t"
    d = json.loads(detail)
    assert set(d) == {"responses", "accounts", "sessions", "invitations"}, d
    assert d["accounts"] == 1 and d["sessions"] == 2, d
    assert audit_mentions([user["email"], user["name"]]) == []
    # Its sign-ins are still on record, by nobody and from nowhere.
    left = rows("SELECT action, actor_id IS NULL, detail::text FROM audit_log"
                " WHERE action IN ('login', 'login_failed') AND id > :'p1' ORDER BY id", since)
    assert ["login_failed", "t", "{}"] in left and ["login", "t", "{}"] in left, left


def test_org_erase_is_repeatable_and_says_what_is_wrong():
    oid, key, _ = municipality(1)
    admin("org", "erase", key)
    r = admin("org", "erase", key)
    assert "removed 0 responses, 0 ranks, 0 accounts, 0 sessions, 0 invitations" in r.stdout, r.stdout
    r = admin("org", "erase", "98" + str(random.randrange(10 ** 9, 10 ** 10)), check=False)
    assert r.returncode == 1 and r.stdout == "", r
    assert r.stderr.startswith("reifegrad-admin: org erase: no organisation with key ")
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    for args in (["org", "erase"], ["org", "erase", key, "more"], ["org", "erase", key, "--force"]):
        r = admin(*args, check=False)
        assert r.returncode == 2, (args, r)


# ------------------------------------------------------------ user erase

def test_user_erase_removes_one_account_and_its_traces():
    load_default()
    wid = make_wave(state="open")
    oid, key, (colleague,) = municipality(1)
    coord = coordinator()
    email = "Zu-Loeschen-%s@Example.org" % uniq()
    name = "Zu Löschende %s" % uniq()
    inv, token = invite(coord, email, oid)
    password = "Ein-gutes-%s-Passwort" % uniq()
    r = request("POST", "/api/v1/invitations/accept",
                body={"token": token, "name": name, "password": password})
    assert r.status == 201, r
    uid = r.json["user"]["id"]
    me = Session({"email": email.lower(), "password": password})
    save_draft(me, wid)
    failed_login(email.lower())
    assert rows("SELECT updated_by_name FROM response WHERE wave_id = :'p1'"
                " AND organisation_id = :'p2'", wid, oid) == [[name]]
    assert audit_mentions([email.lower()]), "the failed sign-in was not audited"
    assert rows("SELECT count(*) > 0 FROM audit_log WHERE actor_id = :'p1'", uid) == [["t"]]
    # What is not the erased account's: no row naming its id or address.
    colleague_before = {k: [x for x in v if str(uid) not in x
                            and not any(email.lower() in f for f in x)]
                        for k, v in org_footprint(oid).items()}

    r = admin("user", "erase", email.upper())
    assert r.stdout.startswith("user erase: removed 1 account (respondent), 2 sessions, "
                               "1 invitations; "), r.stdout

    assert rows("SELECT count(*) FROM app_user WHERE id = :'p1' OR email = lower(:'p2')",
                uid, email) == [["0"]]
    assert rows("SELECT count(*) FROM session WHERE user_id = :'p1'", uid) == [["0"]]
    assert rows("SELECT count(*) FROM invitation WHERE id = :'p1' OR email = lower(:'p2')",
                inv, email) == [["0"]]
    assert rows("SELECT count(*) FROM login_failure WHERE subject = 'e:' || lower(:'p1')",
                email) == [["0"]]
    assert me_status(me) == 401
    assert rows("SELECT count(*) FROM audit_log WHERE actor_id = :'p1'", uid) == [["0"]]
    assert audit_mentions([email.lower(), name]) == []
    # The draft stays (it is the municipality's), without the name.
    assert rows("SELECT updated_by_name, updated_by IS NULL, answers::text LIKE '%Entwurf%'"
                " FROM response WHERE wave_id = :'p1' AND organisation_id = :'p2'",
                wid, oid) == [["", "t", "t"]]
    entry = rows("SELECT actor_id IS NULL, organisation_id, detail::text FROM audit_log"
                 " WHERE action = 'user_erased' ORDER BY id DESC LIMIT 1")
    assert entry and entry[0][:2] == ["t", str(oid)], entry
    d = json.loads(entry[0][2])
    assert d["role"] == "respondent" and d["accounts"] == 1, d
    # The colleague, the organisation and everything else stay.
    after = org_footprint(oid)
    for k in ("accounts", "sessions", "invitations", "counters"):
        assert after[k] == colleague_before[k], (k, after[k], colleague_before[k])
    assert me_status(colleague) == 200
    assert rows("SELECT member FROM organisation WHERE id = :'p1'", oid) == [["t"]]


def test_user_erase_of_staff_and_errors():
    coord = make_user("coordinator")
    s = Session(coord)
    other = Session(make_user("coordinator"))
    oid, _, _ = make_org()
    invite(s, "von-koordination-%s@example.org" % uniq(), oid)
    r = admin("user", "erase", coord["email"])
    assert "removed 1 account (coordinator), 1 sessions, 0 invitations" in r.stdout, r.stdout
    assert me_status(s) == 401 and me_status(other) == 200
    # The invitation it sent stays (it belongs to the invited person), by
    # nobody now.
    assert rows("SELECT invited_by IS NULL FROM invitation WHERE organisation_id = :'p1'",
                oid) == [["t"]]
    r = admin("user", "erase", coord["email"], check=False)
    assert r.returncode == 1 and r.stdout == "", r
    assert r.stderr == "reifegrad-admin: user erase: no account with the address %s\n" % coord["email"]
    r = admin("user", "erase", "kein-e-mail", check=False)
    assert r.returncode == 1 and "is not an e-mail address" in r.stderr, r
    for args in (["user", "erase"], ["user", "erase", "a@example.org", "b@example.org"]):
        assert admin(*args, check=False).returncode == 2, args


# ---------------------------------------------------------- housekeeping

def hash_sql(tag):
    return "sha256(convert_to('%s', 'UTF8'))" % tag


def test_housekeeping_deletes_what_is_past_retention_and_keeps_the_rest():
    t = uniq()
    user = make_user("coordinator")
    uid = user["id"]
    oid, key, _ = make_org()
    coord = coordinator()
    qid = load_default()

    def wave(opens, closes):
        r = coord.post("/api/v1/waves", {"questionnaire_id": qid, "title": "Alt " + uniq(),
                                         "opens_at": iso(opens), "closes_at": iso(closes)})
        assert r.status == 201, r
        return r.json["id"]

    old_wave = wave(-800, -400)
    recent_wave = wave(-40, -10)
    open_wave = wave(-1, 30)
    other_org, _, _ = make_org()
    psql("""
INSERT INTO session (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES
 (%s, :'p1', now() - interval '13 hours', now() - interval '1 hour', now() - interval '1 hour'),
 (%s, :'p1', now() - interval '3 hours', now() - interval '2 hours', now() + interval '9 hours'),
 (%s, :'p1', now(), now(), now() + interval '12 hours');
INSERT INTO audit_log (at, action, organisation_id, detail) VALUES
 (now() - interval '800 days', :'p2', :'p3', '{"address": "10.0.0.1"}'),
 (now() - interval '100 days', :'p2', :'p3', '{"address": "10.0.0.2", "email": "x@example.org", "invitation": 7}'),
 (now() - interval '10 days', :'p2', :'p3', '{"address": "10.0.0.3", "email": "y@example.org"}');
INSERT INTO invitation (token_hash, email, role, expires_at, accepted_at, created_at) VALUES
 (%s, 'hk-old-' || :'p2' || '@example.org', 'coordinator', now() - interval '40 days', NULL, now() - interval '54 days'),
 (%s, 'hk-new-' || :'p2' || '@example.org', 'coordinator', now() - interval '10 days', NULL, now() - interval '24 days'),
 (%s, 'hk-acc-' || :'p2' || '@example.org', 'coordinator', now() - interval '400 days', now() - interval '410 days', now() - interval '414 days');
INSERT INTO login_failure (subject, window_start, failures) VALUES
 ('e:hk-old-' || :'p2' || '@example.org', now() - interval '1 day', 3),
 ('e:hk-new-' || :'p2' || '@example.org', now(), 3);
INSERT INTO response (wave_id, organisation_id, state, answers, submitted_at, scores, overall) VALUES
 (:'p4', :'p3', 'draft', '{}', NULL, NULL, NULL),
 (:'p4', :'p7', 'submitted', '{}', now() - interval '500 days',
  '{"overall": 50.0, "stage": "fortgeschritten", "dimensions": {}}', 50.0),
 (:'p5', :'p3', 'draft', '{}', NULL, NULL, NULL),
 (:'p6', :'p3', 'draft', '{}', NULL, NULL, NULL);
""" % (hash_sql("s1" + t), hash_sql("s2" + t), hash_sql("s3" + t),
       hash_sql("i1" + t), hash_sql("i2" + t), hash_sql("i3" + t)),
         uid, "hk_" + t, oid, old_wave, recent_wave, open_wave, other_org)

    def state():
        return {
            "sessions": rows("SELECT encode(token_hash, 'hex') = encode(%s, 'hex') FROM session"
                             " WHERE user_id = :'p1' ORDER BY 1" % hash_sql("s3" + t), uid),
            "audit": rows("SELECT detail::text FROM audit_log WHERE action = :'p1'"
                          " ORDER BY at", "hk_" + t),
            "invitations": rows("SELECT split_part(email, '-', 2) FROM invitation"
                                " WHERE email LIKE '%' || :'p1' || '%' ORDER BY 1", t),
            "counters": rows("SELECT split_part(subject, '-', 2) FROM login_failure"
                             " WHERE subject LIKE '%' || :'p1' || '%' ORDER BY 1", t),
            "responses": rows("SELECT wave_id, organisation_id, state FROM response"
                              " WHERE organisation_id IN (:'p1', :'p2') ORDER BY wave_id, state",
                              oid, other_org),
        }

    before = state()
    assert len(before["sessions"]) == 3 and len(before["audit"]) == 3, before
    assert len(before["responses"]) == 4, before

    r = admin("housekeeping")
    line = r.stdout.strip()
    assert line.startswith("housekeeping: removed "), line
    counts = {}
    for part in line[len("housekeeping: removed "):].split(", "):
        n, what = part.split(" ", 1)
        counts[what] = int(n)
    assert set(counts) == {"expired sessions", "sign-in counters", "expired invitations",
                           "audit entries", "addresses in audit entries",
                           "drafts of closed waves"}, counts
    assert counts["expired sessions"] >= 2 and counts["audit entries"] >= 1, counts
    assert counts["drafts of closed waves"] >= 1 and counts["expired invitations"] >= 1, counts
    assert counts["sign-in counters"] >= 1 and counts["addresses in audit entries"] >= 1, counts

    after = state()
    assert after["sessions"] == [["t"]], after
    assert [json.loads(d[0]) for d in after["audit"]] == [
        {"invitation": 7}, {"address": "10.0.0.3", "email": "y@example.org"}], after
    assert after["invitations"] == [["acc"], ["new"]], after
    assert after["counters"] == [["new"]], after
    assert after["responses"] == [[str(old_wave), str(other_org), "submitted"],
                                  [str(recent_wave), str(oid), "draft"],
                                  [str(open_wave), str(oid), "draft"]], after

    # Repeatable: a second run finds nothing more of this kind.
    r = admin("housekeeping")
    assert "0 expired invitations, 0 audit entries, 0 addresses in audit entries, " \
           "0 drafts of closed waves" in r.stdout, r.stdout
    assert state() == after


def test_housekeeping_setting_zero_keeps_and_settings_exist():
    got = dict(rows("SELECT key, value FROM setting WHERE key LIKE 'retention_%'"))
    assert got == {"retention_audit_days": "730", "retention_addresses_days": "90",
                   "retention_drafts_days": "365", "retention_invitations_days": "30"}, got
    oid, _, _ = make_org()
    r = coordinator().post("/api/v1/waves", {"questionnaire_id": load_default(),
                                             "title": "Alt " + uniq(),
                                             "opens_at": iso(-900), "closes_at": iso(-800)})
    assert r.status == 201, r
    wid = r.json["id"]
    psql("INSERT INTO response (wave_id, organisation_id) VALUES (:'p1', :'p2')", wid, oid)
    try:
        psql("UPDATE setting SET value = '0' WHERE key = 'retention_drafts_days'")
        r = admin("housekeeping")
        assert rows("SELECT count(*) FROM response WHERE wave_id = :'p1'", wid) == [["1"]], r.stdout
    finally:
        psql("UPDATE setting SET value = '365' WHERE key = 'retention_drafts_days'")
    admin("housekeeping")
    assert rows("SELECT count(*) FROM response WHERE wave_id = :'p1'", wid) == [["0"]]
    r = admin("housekeeping", "now", check=False)
    assert r.returncode == 2 and r.stdout == "", r
