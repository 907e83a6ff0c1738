"""Research exports (issue #7): export.csv, export.json, export.sav,
export.dta, codebook.json and datapackage.json of a wave.

The fixture is built to tempt an export into leaking: municipalities with
distinctive names, official keys, population figures and comments in their
answers, in attribute groups sized so that k-anonymity must generalise
(drop the state) and still suppress one row. Everything the export decides
is recomputed here independently: k-anonymity from the CSV and from the
database, pseudonyms with Python's BLAKE2b and the key read behind the API,
levels and scores from the stored answers. The .sav and .dta files are read
back with Debian's `readstat` and compared with the CSV; the Data
Package's fields with the CSV header.

The database is shared with the other files: every wave, organisation and
account here is new, and nothing assumes empty tables."""
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import uuid

from lib import admin, expect_error, psql, request
from survey_helpers import (Session, coordinator, default_definition, expected_scores, items_of,
                            load_default, make_user, make_wave, staff, uniq)

DEFN = default_definition()
ITEMS = items_of(DEFN)
DIMS = [d["id"] for d in DEFN["dimensions"]]
K = 5
B32 = "abcdefghijklmnopqrstuvwxyz234567"
ATTRS = ["size_class", "size_band", "kind", "urbanisation", "state"]
KINDS = ["gemeinde", "stadt", "kreisfreie_stadt", "landkreis", "gemeindeverband",
         "gemeindefreies_gebiet"]
FORMATS = ["export.csv", "export.json", "export.sav", "export.dta", "codebook.json",
           "datapackage.json"]

# Attribute groups: (count, kind, population range, urbanisation, state).
# Level 0 leaves "Testland-B" (2) and the one kreisfreie Stadt alone: 3 of
# 22 rows > 5 % (1 row). Level 1 (no state) merges the Testland-B pair
# with G1; only the kreisfreie Stadt (1 <= 1) is suppressed.
GROUPS = [
    (8, "gemeinde", (1001, 1999), 3, "Testland-A"),
    (6, "gemeinde", (2001, 4999), 3, "Testland-A"),
    (2, "gemeinde", (1001, 1999), 3, "Testland-B"),
    (5, "stadt", (10001, 19999), 2, "Testland-A"),
    (1, "kreisfreie_stadt", (654001, 654999), 1, "Testland-A"),
]
API_SUBMITTERS = 3  # of the first group; the rest is stored as the owner


def size_class(pop):
    for i, bound in enumerate((2000, 5000, 10000, 20000, 50000, 100000, 500000)):
        if pop < bound:
            return i + 1
    return 8


def pseudonym(key, oid):
    """anon.h's definition, independently: "p" + base32 of the first 60
    bits of BLAKE2b-128(key, decimal id)."""
    h = hashlib.blake2b(str(oid).encode(), digest_size=16, key=key).digest()
    b = int.from_bytes(h[:8], "big") >> 4
    return "p" + "".join(B32[(b >> (5 * (11 - i))) & 31] for i in range(12))


def current_key():
    rows = psql("SELECT id, encode(key, 'hex') FROM export_key WHERE retired_at IS NULL")
    assert len(rows) == 1, rows
    return int(rows[0][0]), bytes.fromhex(rows[0][1])


def answers_for(rnd, comment, na_items=(), skip_items=()):
    """Answers to every item but skip_items: a level, a target above it,
    na on na_items, and a comment on every third item."""
    out = {}
    for n, it in enumerate(ITEMS):
        if it in skip_items:
            continue
        if it in na_items:
            out[it] = {"na": True, "comment": comment}
            continue
        lv = rnd(n) % 5
        a = {"level": lv}
        if n % 4 != 0:
            a["target"] = min(4, lv + 1)
        if n % 3 == 0:
            a["comment"] = "%s zu %s" % (comment, it)
        out[it] = a
    return out


class Org:
    def __init__(self, group, i, kind, pops, urb, state):
        self.key = "97" + str(uuid.uuid4().int)[:10]
        self.name = "Geheimstadt %s %s" % (uniq(), uniq())
        self.population = pops[0] + (i * 37 + group * 101) % (pops[1] - pops[0])
        self.kind, self.urb, self.state = kind, urb, state
        self.comment = "GEHEIMKOMMENTAR-" + uuid.uuid4().hex
        r = admin("org", "add", "--key", self.key, "--name", self.name, "--kind", kind,
                  "--state", state, "--population", str(self.population),
                  "--urbanisation", str(urb), "--member")
        self.id = int(r.stdout.strip())


class Fixture:
    """Two waves of the default questionnaire; 22 organisations submit in
    both (3 of them through the API, with comments, na and gaps)."""

    def __init__(self):
        load_default()
        self.orgs = []
        for g, (count, kind, pops, urb, state) in enumerate(GROUPS):
            for i in range(count):
                self.orgs.append(Org(g, i, kind, pops, urb, state))
        self.waves = [make_wave(state="open"), make_wave(state="open")]
        self.answers = {}
        self.sessions = {}
        for w, wid in enumerate(self.waves):
            for n, o in enumerate(self.orgs):
                # Every item is required: only the stored ones have gaps.
                gaps = ITEMS[3:4] if n >= API_SUBMITTERS and n % 2 else ()
                a = answers_for(lambda x, n=n, w=w: (x * 7 + n * 3 + w) % 11, o.comment,
                                na_items=ITEMS[n % 5::9], skip_items=gaps)
                self.answers[(wid, o.id)] = a
                if n < API_SUBMITTERS:
                    self.submit_api(wid, o, a)
                else:
                    self.submit_sql(wid, o, a)
        self.researcher = staff("researcher")
        self.admin = staff("admin")

    def submit_api(self, wid, org, answers):
        s = self.sessions.get(org.id)
        if s is None:
            s = Session(make_user("respondent", org.key))
            self.sessions[org.id] = s
        r = s.put("/api/v1/waves/%d/response" % wid, {"revision": 0, "answers": answers})
        assert r.status == 200, r
        r = s.post("/api/v1/waves/%d/response/submit" % wid, {"revision": r.json["revision"]})
        assert r.status == 200, r

    def submit_sql(self, wid, org, answers):
        sc = expected_scores(DEFN, answers)
        assert sc["overall"] is not None
        answered = sum(1 for a in answers.values() if "level" in a or a.get("na"))
        psql("INSERT INTO response (wave_id, organisation_id, state, revision, answers, answered,"
             " submitted_at, submitted_revision, scores, overall)"
             " VALUES (:'p1', :'p2', 'submitted', 1, :'p3'::jsonb, :'p4', now(), 1,"
             " :'p5'::jsonb, :'p6'::double precision)",
             wid, org.id, json.dumps(answers), answered, json.dumps(sc), repr(sc["overall"]))


_fx = []


def fx():
    if not _fx:
        _fx.append(Fixture())
    return _fx[0]


def get(path, session=None, **kw):
    s = session or fx().researcher
    r = s.get(path, **kw)
    assert r.status == 200, r
    return r


def wave_path(wid, what):
    return "/api/v1/waves/%d/%s" % (wid, what)


def csv_rows(body):
    """The CSV as a header and a list of dicts; checks RFC 4180 line ends."""
    text = body.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), text[:200]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


def export_csv(wid):
    r = get(wave_path(wid, "export.csv"))
    header, rows = csv_rows(r.body)
    return r, header, rows


def db_attributes(wid):
    """The attributes of the wave's submitted responses, straight from the
    tables (as the superuser)."""
    return psql("SELECT coalesce(o.size_class::text, ''), o.kind, coalesce(o.urbanisation::text, ''),"
                " o.state, o.id FROM response r JOIN organisation o ON o.id = r.organisation_id"
                " WHERE r.wave_id = :'p1' AND r.state = 'submitted'", wid)


def expected_plan(attrs, k=K):
    """anon.h's rule, independently: the least level whose suppression is
    at most 5 % of the rows (rounded down), else level 2."""
    def key(a, level):
        sc, kind, urb, st = a[:4]
        band = str((int(sc) + 1) // 2) if sc else ""
        return (sc if level < 2 else "", band, kind, urb, st if level == 0 else "")

    def suppressed(level):
        counts = {}
        for a in attrs:
            counts[key(a, level)] = counts.get(key(a, level), 0) + 1
        return sum(c for c in counts.values() if c < k), counts

    limit = len(attrs) * 5 // 100
    for level in range(3):
        s, counts = suppressed(level)
        if s <= limit or level == 2:
            kept = {a[4] for a in attrs if counts[key(a, level)] >= k}
            return level, s, kept


# ------------------------------------------------------------ access

def test_roles_and_unknown_wave():
    f = fx()
    wid = f.waves[0]
    for what in FORMATS:
        p = wave_path(wid, what)
        expect_error(request("GET", p), 401, "unauthenticated")
        expect_error(coordinator().get(p), 403, "forbidden")
        expect_error(f.sessions[f.orgs[0].id].get(p), 403, "forbidden")
        expect_error(f.researcher.get(wave_path(9007199254740991, what)), 404, "not_found")
        assert f.admin.get(p).status == 200
        assert f.researcher.get(p, cookie=True).status == 200
    expect_error(f.researcher.req("POST", wave_path(wid, "export.csv"), {}), 405,
                 "method_not_allowed")


def test_csv_is_rfc4180_streamed_and_has_one_row_per_exported_response():
    f = fx()
    r, header, rows = export_csv(f.waves[0])
    assert (r.header("Content-Type") or "").startswith("text/csv; charset=utf-8"), r.headers
    assert r.header("Content-Length") is None, "a streamed answer has no length up front"
    assert 'filename="reifegrad-wave-%d.csv"' % f.waves[0] in r.header("Content-Disposition")
    assert header[:7] == ["pseudonym", "wave"] + ATTRS
    assert header[7:7 + len(ITEMS)] == [i.replace(".", "_") for i in ITEMS]
    assert header[7 + len(ITEMS):7 + 2 * len(ITEMS)] == [i.replace(".", "_") + "_target" for i in ITEMS]
    assert header[7 + 2 * len(ITEMS):] == ["score_" + d for d in DIMS] + ["score_overall"]
    assert len(rows) == int(r.header("X-Export-Rows")) == 21
    assert int(r.header("X-Export-Suppressed")) == 1
    assert len({row["pseudonym"] for row in rows}) == len(rows)
    assert all(row["wave"] == str(f.waves[0]) for row in rows)


def test_k_anonymity_recomputed_from_the_csv_and_the_database():
    f = fx()
    for wid in f.waves:
        _, _, rows = export_csv(wid)
        combos = {}
        for row in rows:
            c = tuple(row[a] for a in ATTRS)
            combos[c] = combos.get(c, 0) + 1
        assert combos and min(combos.values()) >= K, combos
        attrs = db_attributes(wid)
        level, suppressed, kept = expected_plan(attrs)
        assert (level, suppressed) == (1, 1), (level, suppressed)
        assert len(rows) + suppressed == len(attrs) == len(f.orgs)
        # Level 1: the state is dropped from every row, classes stay.
        assert all(row["state"] == "" for row in rows)
        assert {row["size_class"] for row in rows} == {"1", "2", "4"}
        key = current_key()[1]
        assert {row["pseudonym"] for row in rows} == {pseudonym(key, oid) for oid in kept}
        cb = get(wave_path(wid, "codebook.json")).json["anonymisation"]
        assert cb["k"] == K and cb["generalisation_level"] == 1
        assert cb["suppressed_rows"] == 1 and cb["rows"] == 21 and cb["submitted"] == 22
        assert cb["suppressed_rows_by_level"] == [3, 1, 1]
        assert cb["generalisations"] == ["state dropped (column state is empty)"]


def test_row_values_equal_the_stored_answers_and_scores():
    f = fx()
    key = current_key()[1]
    for wid in f.waves:
        _, _, rows = export_csv(wid)
        by_p = {row["pseudonym"]: row for row in rows}
        stored = {int(o): json.loads(s) for o, s in psql(
            "SELECT organisation_id, scores::text FROM response WHERE wave_id = :'p1'"
            " AND state = 'submitted'", wid)}
        for o in f.orgs:
            row = by_p.get(pseudonym(key, o.id))
            if o.kind == "kreisfreie_stadt":
                assert row is None, "the lone kreisfreie Stadt is suppressed"
                continue
            assert row is not None, o.id
            sc = size_class(o.population)
            assert row["size_class"] == str(sc) and row["size_band"] == str((sc + 1) // 2)
            assert row["kind"] == str(KINDS.index(o.kind) + 1)
            assert row["urbanisation"] == str(o.urb)
            ans = f.answers[(wid, o.id)]
            for it in ITEMS:
                col = it.replace(".", "_")
                a = ans.get(it)
                want = "" if a is None else "-1" if a.get("na") else str(a["level"])
                assert row[col] == want, (it, row[col], a)
                want_t = "" if a is None or "target" not in a else str(a["target"])
                assert row[col + "_target"] == want_t, (it, a)
            sc = stored[o.id]
            for d in DIMS:
                got, want = row["score_" + d], sc["dimensions"][d]
                assert (got == "" and want is None) or float(got) == want, (d, got, want)
            assert float(row["score_overall"]) == sc["overall"]


def test_a_submissions_export_row_is_what_its_answers_give():
    # The committer writes a submission's export row from the answers it
    # scored (cgi/submission.c, 016); every other change is exported by
    # the trigger (015). Recomputed by the trigger, each row stays as the
    # committer wrote it, and both are the answers' own encoding.
    f = fx()
    wid = make_wave(state="open")
    orgs = f.orgs[:API_SUBMITTERS]
    for n, o in enumerate(orgs):
        a = answers_for(lambda x, n=n: (x * 5 + n) % 7, "", na_items=ITEMS[n::4])
        a[ITEMS[-1]] = {"level": 2, "na": True, "target": 0}
        f.submit_api(wid, o, a)
    query = ("SELECT organisation_id, levels, targets, scores::text, overall FROM export_row"
             " WHERE wave_id = :'p1' ORDER BY organisation_id")
    written = psql(query, wid)
    assert len(written) == len(orgs), written
    for o, row in zip(sorted(orgs, key=lambda o: o.id), written):
        ans = json.loads(psql("SELECT answers::text FROM response WHERE wave_id = :'p1'"
                              " AND organisation_id = :'p2'", wid, o.id)[0][0])
        want_lv = "".join("n" if ans.get(it, {}).get("na") else
                          str(ans[it]["level"]) if "level" in ans.get(it, {}) else "."
                          for it in ITEMS)
        want_tg = "".join(str(ans[it]["target"]) if "target" in ans.get(it, {}) else "."
                          for it in ITEMS)
        assert row[1] == want_lv and row[2] == want_tg, (row, want_lv, want_tg)
        assert "n" in row[1] and row[1].endswith("n") and row[2].endswith("0"), row
    psql("UPDATE response SET state = state WHERE wave_id = :'p1'", wid)
    assert psql(query, wid) == written


def test_nothing_forbidden_in_any_format():
    f = fx()
    wid = f.waves[0]
    bodies = {what: get(wave_path(wid, what)).body for what in FORMATS}
    texts = [f.orgs[0].name.split()[0] + " "]  # the common prefix of the names
    for o in f.orgs:
        texts += [o.name, o.key, o.comment]
    for what, body in bodies.items():
        for t in texts:
            assert t.encode() not in body, (what, t)
        assert b"GEHEIMKOMMENTAR" not in body, what
        for t in (b"Testland-A", b"Testland-B"):
            # The state was generalised away in this wave; the codebook
            # and the files must not name it either.
            assert t not in body, (what, t)
    pops = {str(o.population) for o in f.orgs}
    _, header, rows = export_csv(wid)
    for row in rows:
        assert not pops & set(row.values()), row
    for line in bodies["export.json"].decode().splitlines():
        assert not pops & {str(v) for v in json.loads(line).values()}, line
    for name in header:
        assert not re.search(r"name|key|population|area|comment|email|user|updated|submitted|_at$",
                             name), name
    for what in ("export.csv", "export.json"):
        assert not re.search(rb"\d{4}-\d\d-\d\d", bodies[what]), what


def test_json_lines_equal_the_csv():
    f = fx()
    wid = f.waves[1]
    r = get(wave_path(wid, "export.json"))
    assert r.header("Content-Type").startswith("application/x-ndjson"), r.headers
    lines = r.body.decode().split("\n")
    assert lines[-1] == ""
    objs = [json.loads(line) for line in lines[:-1]]
    _, header, rows = export_csv(wid)
    assert len(objs) == len(rows)
    for o, row in zip(objs, rows):
        assert list(o) == header
        for c in header:
            v = o[c]
            if v is None:
                assert row[c] == "", (c, row[c])
            elif isinstance(v, str):
                assert row[c] == v
            else:
                assert float(row[c]) == v and type(v) is (float if "." in row[c] or "e" in row[c] else int)


def readstat_csv(body, ext):
    """Converts a .sav or .dta with Debian's readstat; returns header, rows."""
    d = tempfile.mkdtemp(prefix="rg-export-")
    try:
        src, dst = os.path.join(d, "x." + ext), os.path.join(d, "x.csv")
        with open(src, "wb") as fh:
            fh.write(body)
        r = subprocess.run(["readstat", src, dst], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        with open(dst, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        meta = subprocess.run(["readstat", src], capture_output=True, text=True).stdout
        return rows[0], [dict(zip(rows[0], x)) for x in rows[1:]], meta
    finally:
        shutil.rmtree(d)


def test_sav_and_dta_read_back_equal_the_csv():
    f = fx()
    for wid in f.waves:
        _, header, rows = export_csv(wid)
        by_p = {row["pseudonym"]: row for row in rows}
        for ext, ctype in (("sav", "application/x-spss-sav"), ("dta", "application/x-stata-dta")):
            r = get(wave_path(wid, "export." + ext))
            assert r.header("Content-Type") == ctype
            h2, rows2, meta = readstat_csv(r.body, ext)
            assert h2 == header, (ext, h2[:10])
            assert "Rows: %d" % len(rows) in meta, meta
            assert len(rows2) == len(rows)
            for row2 in rows2:
                row = by_p[row2["pseudonym"]]
                for c in header:
                    a, b = row[c], row2[c]
                    if a == "" or c in ("pseudonym", "state"):
                        assert a == b, (ext, c, a, b)
                    else:
                        assert abs(float(a) - float(b)) <= 1e-12 * max(1.0, abs(float(a))), \
                            (ext, c, a, b)


def test_sav_and_dta_have_labels():
    f = fx()
    wid = f.waves[0]
    for ext in ("sav", "dta"):
        body = get(wave_path(wid, "export." + ext)).body
        # Variable and value labels travel in the file as UTF-8 text.
        assert "nicht zutreffend / weiß nicht".encode() in body, ext
        assert "Gemeindegrößenklasse".encode() in body, ext
        assert DEFN["levels"][4]["label"]["de"].encode() in body, ext
        assert b"D1.1 " in body, ext


def test_datapackage_describes_the_csv_field_for_field():
    f = fx()
    wid = f.waves[0]
    dp = get(wave_path(wid, "datapackage.json")).json
    _, header, rows = export_csv(wid)
    assert dp["profile"] == "tabular-data-package"
    (res,) = dp["resources"]
    assert res["path"] == "export.csv" and res["format"] == "csv" and res["encoding"] == "utf-8"
    assert res["dialect"]["header"] is True and res["dialect"]["lineTerminator"] == "\r\n"
    schema = res["schema"]
    fields = schema["fields"]
    assert [x["name"] for x in fields] == header
    assert schema["missingValues"] == [""] and schema["primaryKey"] == ["pseudonym"]
    # Every value of the CSV satisfies its field (a small Table Schema
    # check: type, required, enum, minimum, maximum, pattern, unique).
    for fl in fields:
        c = fl.get("constraints", {})
        seen = set()
        for row in rows:
            v = row[fl["name"]]
            if v == "":
                assert not c.get("required"), fl["name"]
                continue
            x = {"integer": int, "number": float, "string": str}[fl["type"]](v)
            if fl["type"] == "integer":
                assert str(x) == v
            if "enum" in c:
                assert x in c["enum"], (fl["name"], x)
            if "minimum" in c:
                assert x >= c["minimum"]
            if "maximum" in c:
                assert x <= c["maximum"]
            if "pattern" in c:
                assert re.fullmatch(c["pattern"], v), (fl["name"], v)
            if c.get("unique"):
                assert v not in seen
                seen.add(v)


def test_codebook_describes_every_column():
    f = fx()
    wid = f.waves[0]
    cb = get(wave_path(wid, "codebook.json")).json
    _, header, _ = export_csv(wid)
    assert [c["name"] for c in cb["columns"]] == header
    assert cb["wave"]["id"] == wid and cb["rows"] == 21
    assert cb["anonymisation"]["pseudonym"]["key_id"] == current_key()[0]
    for c in cb["columns"]:
        assert c["type"] in ("string", "integer", "number")
        assert c["label"]["de"] and c["label"]["en"] and c["derivation"]
    col = {c["name"]: c for c in cb["columns"]}
    lv = col["D1_1"]
    assert lv["source"] == "D1.1"
    assert lv["label"]["de"].startswith("D1.1 " + DEFN["dimensions"][0]["items"][0]["text"]["de"])
    assert [v["value"] for v in lv["values"]] == [-1, 0, 1, 2, 3, 4]
    assert lv["values"][0]["label"]["de"] == "nicht zutreffend / weiß nicht"
    assert [v["label"]["en"] for v in lv["values"][1:]] == [x["label"]["en"] for x in DEFN["levels"]]
    assert [v["value"] for v in col["D1_1_target"]["values"]] == [0, 1, 2, 3, 4]
    assert [v["code"] for v in col["kind"]["values"]] == KINDS
    assert col["state"]["generalised"] is True and col["size_class"]["generalised"] is False
    assert "values" not in col["score_overall"]


def test_pseudonyms_are_stable_across_waves_and_change_with_a_new_key():
    f = fx()
    before = [{row["pseudonym"] for row in export_csv(wid)[2]} for wid in f.waves]
    # The same 21 organisations in both waves: the same pseudonyms.
    assert before[0] == before[1] and len(before[0]) == 21
    old_id, old_key = current_key()
    r = admin("export-key", "rotate")
    assert "is current" in r.stdout and old_key.hex() not in r.stdout
    new_id, new_key = current_key()
    assert new_id != old_id and new_key != old_key
    assert psql("SELECT key IS NULL, retired_at IS NOT NULL FROM export_key WHERE id = :'p1'",
                old_id) == [["t", "t"]]
    after = [{row["pseudonym"] for row in export_csv(wid)[2]} for wid in f.waves]
    assert after[0] == after[1]
    assert not after[0] & before[0], "every pseudonym is new"
    kept = expected_plan(db_attributes(f.waves[0]))[2]
    assert after[0] == {pseudonym(new_key, oid) for oid in kept}
    assert get(wave_path(f.waves[0], "codebook.json")).json["anonymisation"]["pseudonym"][
        "key_id"] == new_id
    assert psql("SELECT count(*) FROM audit_log WHERE action = 'export_key_rotated'"
                " AND (detail->>'key_id')::bigint = :'p1'", new_id) == [["1"]]
    # Usage errors exit 2.
    assert admin("export-key", check=False).returncode == 2
    assert admin("export-key", "spin", check=False).returncode == 2


def test_every_export_is_audited():
    f = fx()
    wid = f.waves[1]
    def entries():
        return psql("SELECT actor_id, detail->>'format', detail->>'rows', detail->>'suppressed',"
                    " detail->>'generalisation_level', detail->>'k'"
                    " FROM audit_log WHERE action = 'export' AND (detail->>'wave')::bigint = :'p1'"
                    " ORDER BY id", wid)
    n0 = len(entries())
    for what in FORMATS:
        get(wave_path(wid, what))
    got = entries()[n0:]
    fmts = ["csv", "json", "sav", "dta", "codebook", "datapackage"]
    assert got == [[str(f.researcher.user["id"]), x, "21", "1", "1", str(K)] for x in fmts], got
    # A HEAD request exports nothing and is not audited.
    r = f.researcher.req("HEAD", wave_path(wid, "export.csv"))
    assert r.status == 200 and r.body == b""
    assert len(entries()) == n0 + len(FORMATS)
    # The program may add entries but never read them.
    assert psql("SELECT has_table_privilege('reifegrad_app', 'audit_log', 'SELECT'),"
                " has_table_privilege('reifegrad_app', 'export_key', 'SELECT')") == [["f", "f"]]


def test_reopened_responses_leave_and_changed_organisations_follow():
    f = fx()
    wid = f.waves[1]
    o = f.orgs[API_SUBMITTERS + 1]  # of G1, stored as the owner, no gaps
    key = current_key()[1]
    r = coordinator().post("/api/v1/waves/%d/responses/%d/reopen" % (wid, o.id))
    assert r.status == 200, r
    _, _, rows = export_csv(wid)
    assert pseudonym(key, o.id) not in {row["pseudonym"] for row in rows}
    assert len(rows) == 20
    # The municipality submits again: back in the export.
    s = Session(make_user("respondent", o.key))
    cur = s.get("/api/v1/waves/%d/response" % wid).json
    r = s.post("/api/v1/waves/%d/response/submit" % wid, {"revision": cur["revision"]})
    assert r.status == 200, r
    _, _, rows = export_csv(wid)
    assert pseudonym(key, o.id) in {row["pseudonym"] for row in rows}
    # It grows into another size class: the export follows the register.
    admin("org", "add", "--key", o.key, "--name", o.name, "--kind", o.kind, "--state", o.state,
          "--population", "4321", "--urbanisation", str(o.urb), "--member")
    _, _, rows = export_csv(wid)
    row = {x["pseudonym"]: x for x in rows}[pseudonym(key, o.id)]
    assert row["size_class"] == "2", row
    assert psql("SELECT size_class FROM export_row WHERE organisation_id = :'p1'"
                " AND wave_id = :'p2'", o.id, wid) == [["2"]]


def test_a_state_with_commas_quotes_and_umlauts_survives_every_format():
    """Five organisations of one group: level 0, the state is exported; a
    comma and quotes in it must be quoted in the CSV and escaped in JSON,
    and arrive unchanged through .sav and .dta."""
    f = fx()
    state = 'Land "Nord", Süd-Öst ' + uniq()
    wid = make_wave(state="open")
    orgs = [Org(9, i, "stadt", (20001, 49999), 2, state) for i in range(5)]
    for n, o in enumerate(orgs):
        f.submit_sql(wid, o, answers_for(lambda x, n=n: (x + n) % 5, o.comment))
    r, header, rows = export_csv(wid)
    assert len(rows) == 5 and {row["state"] for row in rows} == {state}, rows[:1]
    assert ('"%s"' % state.replace('"', '""')).encode() in r.body
    cb = get(wave_path(wid, "codebook.json")).json["anonymisation"]
    assert cb["generalisation_level"] == 0 and cb["suppressed_rows"] == 0
    objs = [json.loads(x) for x in get(wave_path(wid, "export.json")).body.decode().splitlines()]
    assert {o["state"] for o in objs} == {state}
    assert {o["size_class"] for o in objs} == {5}
    for ext in ("sav", "dta"):
        h2, rows2, _ = readstat_csv(get(wave_path(wid, "export." + ext)).body, ext)
        assert {x["state"] for x in rows2} == {state}, ext
    for o in orgs:
        assert o.name.encode() not in r.body and o.key.encode() not in r.body


def test_an_empty_wave_exports_a_header_and_empty_files():
    f = fx()
    wid = make_wave(state="open")
    r, header, rows = export_csv(wid)
    assert rows == [] and header[0] == "pseudonym"
    assert get(wave_path(wid, "export.json")).body == b""
    for ext in ("sav", "dta"):
        h2, rows2, meta = readstat_csv(get(wave_path(wid, "export." + ext)).body, ext)
        assert h2 == header and rows2 == []
    cb = get(wave_path(wid, "codebook.json"), f.admin).json
    assert cb["rows"] == 0 and cb["anonymisation"]["suppressed_rows"] == 0


def test_researchers_cannot_reach_organisations_or_keys_in_sql():
    """Behind the API: the program's role, acting for a researcher, sees
    export rows but no organisation, and gets no key as a respondent."""
    f = fx()
    sql = ("BEGIN; SELECT set_config('rg.role', '%s', true);"
           " SELECT (SELECT count(*) FROM organisation), (SELECT count(*) FROM export_row"
           " WHERE wave_id = %d); ROLLBACK;")
    out = psql(sql % ("researcher", f.waves[0]), user="reifegrad_app")
    assert out[-1][0] == "0" and int(out[-1][1]) == 22, out
    out = psql(sql % ("coordinator", f.waves[0]), user="reifegrad_app")
    assert int(out[-1][1]) == 0, out
    r = subprocess.run(["psql", "-X", "-q", "-tA", "-U", "reifegrad_app", "-d",
                        os.environ.get("PGDATABASE", "reifegrad"), "-c",
                        "SELECT set_config('rg.role', 'respondent', false);"
                        " SELECT * FROM rg_export_key()"], capture_output=True, text=True)
    assert r.returncode != 0 and "researchers and admins" in r.stderr, r
