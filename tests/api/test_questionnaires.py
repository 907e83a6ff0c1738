"""Questionnaires (issue #4): listing and reading for every signed-in role,
storing a definition (admin only; the same one again is the same
questionnaire, a changed one with the same slug and version a conflict,
a new version a new questionnaire), validation with one detail per problem
(path + reason), immutability, and `reifegrad-admin questionnaire load`."""
import json
import os

from lib import TEST_DIR, admin, expect_error, psql, request
from survey_helpers import (DEFAULT_SLUG, Survival, count_rows, default_definition, deep_copy,
                            expect_invalid, load_default, municipality, small_definition, staff,
                            store_definition, uniq)

_admin = []


def admin_session():
    if not _admin:
        _admin.append(staff("admin"))
    return _admin[0]


def post_def(defn, session=None):
    return (session or admin_session()).post("/api/v1/questionnaires", defn)


def expect_rejected(defn, paths):
    """Posts a broken definition: 422 with exactly these detail paths, and
    nothing stored."""
    before = count_rows("questionnaire")
    e = expect_invalid(post_def(defn), paths)
    assert count_rows("questionnaire") == before
    return e


# ------------------------------------------------------------ reading

def test_every_role_lists_and_reads_the_default():
    qid = load_default()
    _, _, (resp,) = municipality()
    sessions = [resp, staff("coordinator"), staff("researcher"), admin_session()]
    want = default_definition()
    for s in sessions:
        r = s.get("/api/v1/questionnaires")
        assert r.status == 200, r
        j = r.json
        assert set(j) == {"items", "next_cursor"} and j["next_cursor"] is None, j
        mine = [q for q in j["items"] if q["id"] == qid]
        assert mine == [{"id": qid, "slug": DEFAULT_SLUG, "version": 1,
                         "title": want["title"]}], mine
        for q in j["items"]:
            assert set(q) == {"id", "slug", "version", "title"}, q
        r = s.get("/api/v1/questionnaires/%d" % qid)
        assert r.status == 200, r
        got = r.json
        assert got.pop("id") == qid
        assert got == want


def test_reading_needs_a_session_and_an_existing_id():
    qid = load_default()
    expect_error(request("GET", "/api/v1/questionnaires"), 401, "unauthenticated")
    expect_error(request("GET", "/api/v1/questionnaires/%d" % qid), 401, "unauthenticated")
    s = admin_session()
    expect_error(s.get("/api/v1/questionnaires/9007199254740991"), 404, "not_found")
    for bad in ("0", "-1", "abc", "01", "1.0", "9007199254740992"):
        expect_error(s.get("/api/v1/questionnaires/" + bad), 404, "not_found")


# ------------------------------------------------------------ storing

def test_default_again_by_api_is_200_with_the_same_id():
    qid = load_default()
    before = count_rows("questionnaire")
    r = post_def(default_definition())
    assert r.status == 200, r
    assert r.json == {"id": qid, "slug": DEFAULT_SLUG, "version": 1}, r.json
    # Key order and whitespace do not make another questionnaire.
    d = default_definition()
    shuffled = dict(reversed(list(d.items())))
    r = admin_session().post("/api/v1/questionnaires", raw=json.dumps(shuffled, indent=3).encode())
    assert r.status == 200 and r.json["id"] == qid, r
    assert count_rows("questionnaire") == before


def test_new_definition_is_201_then_200_and_readable_as_stored():
    d = small_definition()
    r = post_def(d)
    assert r.status == 201, r
    qid = r.json["id"]
    assert r.json == {"id": qid, "slug": d["slug"], "version": 1}
    r = post_def(d)
    assert r.status == 200 and r.json["id"] == qid, r
    r = admin_session().get("/api/v1/questionnaires/%d" % qid)
    got = r.json
    assert got.pop("id") == qid and got == d, got
    rows = psql("SELECT slug, version, title = :'p2'::jsonb FROM questionnaire WHERE id = :'p1'",
                qid, json.dumps(d["title"]))
    assert rows == [[d["slug"], "1", "t"]], rows


def test_changed_copy_with_the_same_slug_and_version_is_409():
    qid = load_default()
    before = count_rows("questionnaire")
    d = default_definition()
    d["dimensions"][0]["items"][0]["text"]["de"] += " (geändert)"
    r = post_def(d)
    e = expect_error(r, 409, "conflict")
    assert e["details"] == []
    assert count_rows("questionnaire") == before
    # The stored one is untouched.
    got = admin_session().get("/api/v1/questionnaires/%d" % qid).json
    got.pop("id")
    assert got == default_definition()


def test_questionnaire_in_use_is_immutable_a_change_is_a_new_version():
    d = small_definition()
    qid = store_definition(d, admin_session())
    coord = staff("coordinator")
    r = coord.post("/api/v1/waves", {"questionnaire_id": qid, "title": "Welle " + uniq(),
                                     "opens_at": "2020-01-01T00:00:00Z",
                                     "closes_at": "2030-01-01T00:00:00Z"})
    assert r.status == 201, r
    changed = deep_copy(d)
    changed["dimensions"][0]["weight"] = 3
    expect_error(post_def(changed), 409, "conflict")
    changed["version"] = 2
    r = post_def(changed)
    assert r.status == 201, r
    assert r.json["id"] != qid and r.json["version"] == 2
    r = admin_session().get("/api/v1/questionnaires/%d" % qid)
    assert r.json["dimensions"][0]["weight"] == 2
    # Not even the owner can change a stored row: the trigger says no.
    out = None
    try:
        psql("UPDATE questionnaire SET title = '{\"de\":\"x\"}' WHERE id = :'p1'", qid)
    except AssertionError as e:
        out = str(e)
    assert out and "cannot be changed" in out, out
    # And the application's role has no UPDATE or DELETE at all.
    rows = psql("SELECT has_table_privilege('reifegrad_app', 'questionnaire', 'UPDATE'),"
                " has_table_privilege('reifegrad_app', 'questionnaire', 'DELETE')")
    assert rows == [["f", "f"]], rows


def test_only_admins_store_questionnaires():
    d = small_definition()
    before = count_rows("questionnaire")
    _, _, (resp,) = municipality()
    for s in (staff("coordinator"), staff("researcher"), resp):
        expect_error(post_def(d, s), 403, "forbidden")
    expect_error(request("POST", "/api/v1/questionnaires", body=d), 401, "unauthenticated")
    assert count_rows("questionnaire") == before
    assert psql("SELECT count(*) FROM questionnaire WHERE slug = :'p1'", d["slug"]) == [["0"]]


def test_cookie_post_needs_csrf():
    s = admin_session()
    d = small_definition()
    r = s.req("POST", "/api/v1/questionnaires", d, cookie=True, headers={"X-CSRF-Token": "x"})
    expect_error(r, 403, "csrf_failed")
    r = s.req("POST", "/api/v1/questionnaires", d, cookie=True)
    assert r.status == 201, r


# ------------------------------------------------------------ validation

def test_duplicate_ids_each_named():
    d = small_definition()
    d["dimensions"][1]["items"][0]["id"] = "D1.2"      # another dimension's item
    d["dimensions"][0]["items"][3]["id"] = "D1.1"      # same dimension
    d["dimensions"][2]["id"] = "D1"                    # a dimension's
    d["dimensions"][2]["items"][1]["id"] = "D2"        # a dimension id as item id
    e = expect_rejected(d, ["/dimensions/0/items/3/id", "/dimensions/1/items/0/id",
                            "/dimensions/2/id", "/dimensions/2/items/1/id"])
    for p in e["details"]:
        assert p["problem"].startswith("duplicate id"), p


def test_missing_german_text_each_named():
    d = small_definition()
    del d["title"]["de"]
    d["levels"][2]["label"] = {"en": "only English"}
    d["dimensions"][0]["title"]["de"] = ""
    d["dimensions"][1]["items"][2]["text"] = {"de": "", "en": "x"}
    d["dimensions"][2]["items"][0]["levels"]["4"] = {"en": "x"}
    d["dimensions"][0]["items"][0]["help"] = {}
    e = expect_rejected(d, ["/title/de", "/levels/2/label/de", "/dimensions/0/title/de",
                            "/dimensions/1/items/2/text/de",
                            "/dimensions/2/items/0/levels/4/de",
                            "/dimensions/0/items/0/help/de"])
    for p in e["details"]:
        assert p["problem"] == "missing German text", p


def test_missing_required_members():
    d = small_definition()
    del d["slug"], d["version"], d["dimensions"][0]["title"], d["dimensions"][1]["items"][0]["text"]
    del d["dimensions"][2]["weight"], d["dimensions"][2]["items"][1]["id"]
    expect_rejected(d, ["/slug", "/version", "/dimensions/0/title",
                        "/dimensions/1/items/0/text", "/dimensions/2/weight",
                        "/dimensions/2/items/1/id"])
    d = small_definition()
    del d["levels"], d["title"]
    expect_rejected(d, ["/levels", "/title"])
    d = small_definition()
    del d["dimensions"]
    expect_rejected(d, ["/dimensions"])


def test_levels_outside_0_to_4():
    d = small_definition()
    d["levels"][4]["value"] = 5
    d["levels"][0]["value"] = -1
    d["dimensions"][0]["items"][0]["levels"]["5"] = {"de": "zu hoch"}
    d["dimensions"][0]["items"][1]["levels"]["-1"] = {"de": "zu tief"}
    e = expect_rejected(d, ["/levels/4/value", "/levels/0/value",
                            "/dimensions/0/items/0/levels/5",
                            "/dimensions/0/items/1/levels/-1"])
    d = small_definition()
    d["levels"].append({"value": 5, "label": {"de": "fünf"}})
    expect_rejected(d, ["/levels", "/levels/5/value"])
    d = small_definition()
    d["levels"] = d["levels"][:4]
    expect_rejected(d, ["/levels"])
    d = small_definition()
    d["levels"][1], d["levels"][2] = d["levels"][2], d["levels"][1]
    expect_rejected(d, ["/levels/1/value", "/levels/2/value"])
    d = small_definition()
    d["levels"][3]["value"] = 3.0
    d["levels"][1]["value"] = "1"
    expect_rejected(d, ["/levels/3/value", "/levels/1/value"])
    assert e


def test_empty_dimensions_and_items():
    d = small_definition()
    d["dimensions"] = []
    e = expect_rejected(d, ["/dimensions"])
    assert e["details"][0]["problem"] == "must not be empty"
    d = small_definition()
    d["dimensions"][1]["items"] = []
    expect_rejected(d, ["/dimensions/1/items"])
    d = small_definition()
    d["dimensions"][1] = {}
    expect_rejected(d, ["/dimensions/1/id", "/dimensions/1/title", "/dimensions/1/weight",
                        "/dimensions/1/items"])


def test_non_positive_or_wrong_weights():
    d = small_definition()
    d["dimensions"][0]["weight"] = 0
    d["dimensions"][1]["weight"] = -1.5
    d["dimensions"][2]["weight"] = "1"
    e = expect_rejected(d, ["/dimensions/0/weight", "/dimensions/1/weight",
                            "/dimensions/2/weight"])
    assert [p["problem"] for p in e["details"]] == ["must be > 0", "must be > 0", "must be a number"]
    d = small_definition()
    d["dimensions"][0]["weight"] = 1001
    d["dimensions"][1]["weight"] = None
    expect_rejected(d, ["/dimensions/0/weight", "/dimensions/1/weight"])
    d = small_definition()
    d["dimensions"][0]["weight"] = 0.001
    assert post_def(d).status == 201


def test_unknown_keys_at_every_level():
    d = small_definition()
    d["id"] = 7
    d["extra"] = True
    d["title"]["fr"] = "Questionnaire"
    d["levels"][0]["colour"] = "red"
    d["dimensions"][0]["items_"] = []
    d["dimensions"][1]["items"][0]["weight"] = 1
    d["dimensions"][1]["items"][0]["levels"]["0"]["fr"] = "rien"
    d["dimensions"][2]["recommendations"] = {"anfaenger": {"de": "x"}, "vorreiter": {"de": "gut"}}
    d["a/b~c"] = 1
    e = expect_rejected(d, ["/id", "/extra", "/title/fr", "/levels/0/colour",
                            "/dimensions/0/items_", "/dimensions/1/items/0/weight",
                            "/dimensions/1/items/0/levels/0/fr",
                            "/dimensions/2/recommendations/anfaenger", "/a~1b~0c"])
    for p in e["details"]:
        assert p["problem"] == "unknown key", p


def test_oversized_texts():
    d = small_definition()
    d["title"]["de"] = "ä" * 4000          # 4,000 characters (8,000 bytes): fine
    d["dimensions"][0]["items"][0]["help"] = {"de": "ü" * 4000, "en": "x" * 4000}
    assert post_def(d).status == 201
    d = small_definition()
    d["title"]["de"] = "ä" * 4001
    d["dimensions"][0]["items"][0]["text"]["en"] = "x" * 4001
    d["dimensions"][1]["description"] = {"de": "€" * 4001}
    d["sources"] = ["ok", "q" * 1001]
    d["dimensions"][0]["id"] = "D" * 33
    e = expect_rejected(d, ["/title/de", "/dimensions/0/items/0/text/en",
                            "/dimensions/1/description/de", "/sources/1",
                            "/dimensions/0/id"])
    assert e["details"][0]["problem"] == "longer than 4000 characters", e


def test_wrong_types_and_bad_header():
    d = small_definition()
    d["slug"] = "Großes Ding"
    d["version"] = 0
    d["title"] = "nur ein Text"
    d["sources"] = "x"
    d["dimensions"][0]["items"][0] = "D1.1"
    d["dimensions"][0]["items"][1]["required"] = "yes"
    d["dimensions"][0]["items"][2]["id"] = "1 2"
    d["dimensions"][0]["items"][3]["levels"] = ["a"]
    d["dimensions"][1]["items"][0]["text"] = {"de": 5}
    expect_rejected(d, ["/slug", "/version", "/title", "/sources", "/dimensions/0/items/0",
                        "/dimensions/0/items/1/required", "/dimensions/0/items/2/id",
                        "/dimensions/0/items/3/levels", "/dimensions/1/items/0/text/de"])
    for body, paths in (([], [""]), ([{}], [""]), ({}, ["/slug", "/version", "/title",
                                                         "/levels", "/dimensions"])):
        r = admin_session().post("/api/v1/questionnaires", raw=json.dumps(body).encode())
        expect_invalid(r, paths)
    # A bare scalar is no JSON document the API takes (jansson's strict
    # decoding): 400 with the position.
    for raw in (b'"x"', b"null", b"17"):
        r = admin_session().post("/api/v1/questionnaires", raw=raw)
        e = expect_error(r, 400, "malformed_json")
        assert [p["path"] for p in e["details"]] == [""], e
    d = small_definition()
    d["version"] = 10001
    d["dimensions"] = {"D1": {}}
    expect_rejected(d, ["/version", "/dimensions"])


def test_too_many_dimensions_or_items():
    d = small_definition()
    base = d["dimensions"][0]
    d["dimensions"] = []
    for i in range(21):
        dim = deep_copy(base)
        dim["id"] = "X%d" % i
        for j, it in enumerate(dim["items"]):
            it["id"] = "X%d.%d" % (i, j)
        d["dimensions"].append(dim)
    expect_rejected(d, ["/dimensions"])
    d = small_definition()
    item = d["dimensions"][0]["items"][0]
    d["dimensions"][0]["items"] = []
    for j in range(31):
        it = deep_copy(item)
        it["id"] = "Y.%d" % j
        d["dimensions"][0]["items"].append(it)
    expect_rejected(d, ["/dimensions/0/items"])


def test_many_problems_are_capped_at_100():
    d = small_definition()
    for i in range(150):
        d["k%03d" % i] = i
    e = expect_error(post_def(d), 422, "invalid")
    assert len(e["details"]) == 100
    assert e["details"][0] == {"path": "/k000", "problem": "unknown key"}, e["details"][0]


def test_validation_keeps_the_workers_alive():
    alive = Survival()
    d = small_definition()
    # Long keys are cut at a character boundary in the path, never mid-way.
    d["ä" * 300] = 1
    e = expect_error(post_def(d), 422, "invalid")
    p = e["details"][0]["path"]
    assert p.startswith("/ää") and len(p.encode()) <= 159, p
    d = small_definition()
    d["dimensions"][0]["items"][0]["id"] = "~/" * 100
    e = expect_error(post_def(d), 422, "invalid")
    alive.check()


# ------------------------------------------------------------ command line

def test_cli_load_is_repeatable_and_prints_the_id():
    a = load_default()
    b = load_default()
    assert a == b
    rows = psql("SELECT count(*) FROM questionnaire WHERE slug = :'p1' AND version = 1", DEFAULT_SLUG)
    assert rows == [["1"]]


def test_cli_load_of_a_broken_file_exits_1_with_every_path():
    d = small_definition()
    d["dimensions"][0]["weight"] = -1
    d["dimensions"][1]["items"][0]["id"] = "D1.1"
    d["title"] = {"en": "x"}
    path = os.path.join(TEST_DIR, "broken-%s.json" % uniq())
    with open(path, "w") as f:
        json.dump(d, f)
    before = count_rows("questionnaire")
    r = admin("questionnaire", "load", path, check=False)
    assert r.returncode == 1, r
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    for want in ("%s: /dimensions/0/weight: must be > 0" % path,
                 "%s: /dimensions/1/items/0/id: duplicate id D1.1" % path,
                 "%s: /title/de: missing German text" % path):
        assert want in lines, (want, lines)
    assert "3 problems" in r.stderr, r.stderr
    assert count_rows("questionnaire") == before


def test_cli_load_of_broken_json_or_missing_file_exits_1():
    path = os.path.join(TEST_DIR, "notjson-%s.json" % uniq())
    with open(path, "w") as f:
        f.write('{"slug": "x",')
    r = admin("questionnaire", "load", path, check=False)
    assert r.returncode == 1 and path in r.stderr, r
    r = admin("questionnaire", "load", path + ".missing", check=False)
    assert r.returncode == 1, r
    r = admin("questionnaire", "load", check=False)
    assert r.returncode == 2, r
    r = admin("questionnaire", "frobnicate", check=False)
    assert r.returncode == 2, r


def test_cli_load_of_a_changed_file_with_the_same_version_exits_1():
    d = small_definition()
    path = os.path.join(TEST_DIR, "q-%s.json" % uniq())
    with open(path, "w") as f:
        json.dump(d, f)
    qid = int(admin("questionnaire", "load", path).stdout.strip())
    # The API knows it as the same questionnaire.
    r = post_def(d)
    assert r.status == 200 and r.json["id"] == qid, r
    d["dimensions"][0]["items"][0]["required"] = False
    with open(path, "w") as f:
        json.dump(d, f)
    r = admin("questionnaire", "load", path, check=False)
    assert r.returncode == 1 and "raise the version" in r.stderr, r
    assert r.stdout == ""


def test_the_same_new_definition_stored_at_once_is_one_questionnaire():
    import threading
    alive = Survival()
    sessions = [admin_session()] + [staff("admin") for _ in range(3)]
    for _ in range(4):
        d = small_definition()
        barrier = threading.Barrier(len(sessions))
        out = [None] * len(sessions)

        def go(i):
            barrier.wait()
            out[i] = post_def(d, sessions[i])

        ts = [threading.Thread(target=go, args=(i,)) for i in range(len(sessions))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert sorted(r.status for r in out) == [200] * (len(out) - 1) + [201], out
        assert len({r.json["id"] for r in out}) == 1, out
        rows = psql("SELECT count(*) FROM questionnaire WHERE slug = :'p1'", d["slug"])
        assert rows == [["1"]], rows
    alive.check()


def test_cli_loads_of_one_file_at_once_print_one_id():
    import concurrent.futures
    for _ in range(3):
        d = small_definition()
        path = os.path.join(TEST_DIR, "q-%s.json" % uniq())
        with open(path, "w") as f:
            json.dump(d, f)
        with concurrent.futures.ThreadPoolExecutor(6) as ex:
            rs = list(ex.map(lambda _: admin("questionnaire", "load", path, check=False),
                             range(6)))
        assert [r.returncode for r in rs] == [0] * 6, [(r.returncode, r.stderr) for r in rs]
        assert len({r.stdout for r in rs}) == 1, [r.stdout for r in rs]
