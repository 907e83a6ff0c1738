"""`reifegrad-admin org import FILE` (issue #3) on the real registers in
../shared/data: the Destatis Gemeindeverzeichnis and the Eurostat LAU
table; repeat imports, a damaged file, and a plain CSV.

The tests depend on each other in file order (Destatis first, then LAU);
each import runs once, the LAU import being the slow one."""
import csv
import os
import re
import shutil
import tempfile
import time

from lib import SHARED_DATA, admin, psql
from test_accounts import uniq

DESTATIS = os.path.join(SHARED_DATA, "destatis-gv-auszug-2020q4.csv")
LAU = os.path.join(SHARED_DATA, "eurostat-lau2019-nuts2016-degurba.csv")
SUMMARY = re.compile(r"^org import: (?P<path>.+): (?P<imported>\d+) imported \((?P<new>\d+) new, "
                     r"(?P<updated>\d+) updated, (?P<unchanged>\d+) unchanged\), (?P<skipped>\d+) skipped, "
                     r"(?P<refused>\d+) refused in [0-9.]+ s$")
COLS = "key, name, kind, state, country, population, area_km2, size_class, urbanisation, member"
_state = {}


def table_state():
    """Row count and a checksum of every column of organisation,
    updated_at included (a repeat import must not touch a row)."""
    return psql("SELECT count(*), md5(coalesce(string_agg(concat_ws('|', id, key, name, kind, state, country,"
                " population, area_km2, size_class, urbanisation, member, consent_named, created_at, updated_at),"
                " E'\\n' ORDER BY id), '')) FROM organisation")[0]


def run_import(path, label=None):
    t0 = time.monotonic()
    r = admin("org", "import", path, check=False)
    took = time.monotonic() - t0
    if label:
        print("# %s import %.1f s" % (label, took))
    return r


def summary_of(r):
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1, r.stdout
    m = SUMMARY.match(lines[0])
    assert m, lines[0]
    d = {k: int(v) for k, v in m.groupdict().items() if k != "path"}
    assert d["imported"] == d["new"] + d["updated"] + d["unchanged"], d
    return d


def org(key):
    rows = psql("SELECT " + COLS + " FROM organisation WHERE key = :'p1'", key)
    assert len(rows) == 1, (key, rows)
    return rows[0]


def destatis_expected():
    """From the file itself: the keys of the Gemeinden (satzart 60) and of
    the Kreise that are no kreisfreie Stadt (satzart 40, textkennzeichen
    43..45; a kreisfreie Stadt comes in as its Gemeinde)."""
    with open(DESTATIS, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    gemeinden = {r[2] + r[3] + r[4] + r[6] for r in rows[1:] if r[0] == "60"}
    kreise = {r[2] + r[3] + r[4] for r in rows[1:] if r[0] == "40" and r[1] in ("43", "44", "45")}
    return gemeinden, kreise, len(rows) - 1


def test_destatis_import():
    gemeinden, kreise, records = destatis_expected()
    assert len(gemeinden) == 11004 and len(kreise) == 294, (len(gemeinden), len(kreise))
    before = int(table_state()[0])
    known = len({row[0] for row in psql("SELECT key FROM organisation WHERE key ~ '^[0-9]{5}([0-9]{3})?$'")}
                & (gemeinden | kreise))
    r = run_import(DESTATIS, "destatis")
    assert r.returncode == 0, r
    s = summary_of(r)
    assert s["imported"] == 11298 and s["refused"] == 0, s
    assert s["new"] == 11298 - known, (s, known)
    assert s["imported"] + s["skipped"] == records, s
    # Skipped rows are reported by reason on stderr, not as failures.
    assert "skipped: Gemeindeverband row" in r.stderr
    assert int(table_state()[0]) == before + s["new"]
    keys = {row[0] for row in psql("SELECT key FROM organisation WHERE country = 'DE' AND key ~ '^[0-9]{5}([0-9]{3})?$'")}
    assert gemeinden <= keys and kreise <= keys
    _state["after_destatis"] = table_state()


def test_destatis_known_rows():
    assert org("01001000")[:9] == ["01001000", "Flensburg, Stadt", "kreisfreie_stadt", "Schleswig-Holstein",
                                   "DE", "90164", "53.02", "6", "1"]
    assert org("05315000")[:9] == ["05315000", "Köln, Stadt", "kreisfreie_stadt", "Nordrhein-Westfalen", "DE",
                                   "1087863", "405.01", "8", "1"]
    # A Stadt, a Gemeinde and a Landkreis (Kreise have no figures).
    assert org("01051011")[1:6] == ["Brunsbüttel, Stadt", "stadt", "Schleswig-Holstein", "DE", "12380"]
    assert org("01051011")[8] == "2"
    assert org("01051")[1:] == ["Dithmarschen", "landkreis", "Schleswig-Holstein", "DE", "", "", "", "", "f"]
    # An uninhabited gemeindefreies Gebiet: 0 inhabitants as the register says.
    assert org("01053105")[1:9] == ["Sachsenwald (Forstgutsbez.),gemfr.Geb.", "gemeindefreies_gebiet",
                                    "Schleswig-Holstein", "DE", "0", "58.49", "1", "3"]
    # The Kreis row of a kreisfreie Stadt is not a second organisation.
    assert psql("SELECT count(*) FROM organisation WHERE key IN ('01001', '05315')") == [["0"]]
    # Berlin and Hamburg are Länder, Gemeinden and kreisfrei at once.
    assert org("11000000")[1:4] == ["Berlin, Stadt", "kreisfreie_stadt", "Berlin"]


def test_destatis_repeat_changes_nothing():
    assert "after_destatis" in _state, "needs test_destatis_import"
    r = run_import(DESTATIS, "destatis (repeat)")
    assert r.returncode == 0, r
    s = summary_of(r)
    assert (s["new"], s["updated"], s["unchanged"]) == (0, 0, 11298), s
    assert table_state() == _state["after_destatis"]


def test_lau_import():
    assert "after_destatis" in _state, "needs test_destatis_import"
    with open(LAU, encoding="utf-8", newline="") as f:
        lau = list(csv.DictReader(f))
    assert len(lau) == 99140
    de = {r["lau_code"] for r in lau if r["country"] == "DE"}
    gemeinden, _, _ = destatis_expected()
    de_only = de - gemeinden
    de_before = int(psql("SELECT count(*) FROM organisation WHERE country = 'DE'")[0][0])
    before = int(table_state()[0])
    r = run_import(LAU, "eurostat lau")
    assert r.returncode == 0, r
    s = summary_of(r)
    assert s["imported"] == 99140 and s["refused"] == 0 and s["skipped"] == 0, s
    assert s["new"] == 99140 - len(de) + len(de_only), s
    assert int(table_state()[0]) == before + s["new"]
    # German rows are matched by the AGS, not added again.
    assert int(psql("SELECT count(*) FROM organisation WHERE country = 'DE'")[0][0]) == de_before + len(de_only)
    assert psql("SELECT count(*) FROM organisation WHERE key ~ '^DE-[0-9]+$'") == [["0"]]
    # Other countries come in keyed CC-LAUCODE.
    assert org("BE-21001") == ["BE-21001", "Anderlecht", "gemeinde", "BE100", "BE", "119714", "17.74", "7", "1", "f"]
    assert org("EL-01010101")[1:5] == ["Δημοτική Κοινότητα Κομοτηνής", "gemeinde", "EL513", "EL"]
    per_country = dict(psql("SELECT country, count(*) FROM organisation WHERE key ~ '^[A-Z]{2}-' GROUP BY 1"))
    for cc in ("FR", "AT", "UK", "LI"):
        n = sum(1 for r in lau if r["country"] == cc)
        assert int(per_country.get(cc, 0)) >= n, (cc, per_country.get(cc), n)
    # France has no population in the file: unknown, not 0.
    assert org("FR-01001")[5] == ""
    # Destatis stays the authority for Germany: name, kind, state and its
    # population stay; DEGURBA sets the urbanisation.
    fl = org("01001000")
    assert fl[:7] == ["01001000", "Flensburg, Stadt", "kreisfreie_stadt", "Schleswig-Holstein", "DE", "90164", "53.02"], fl
    assert fl[8] == "1"
    # A German LAU row without a Destatis row gets its Land from the AGS.
    k = sorted(de_only)[0]
    assert org(k)[3] in ("Bayern", "Thüringen", "Sachsen", "Rheinland-Pfalz", "Niedersachsen",
                         "Schleswig-Holstein", "Brandenburg", "Mecklenburg-Vorpommern", "Sachsen-Anhalt",
                         "Baden-Württemberg", "Hessen", "Nordrhein-Westfalen", "Saarland", "Berlin",
                         "Hamburg", "Bremen"), org(k)
    _state["after_lau"] = table_state()


def test_lau_repeat_changes_nothing():
    assert "after_lau" in _state, "needs test_lau_import"
    r = run_import(LAU, "eurostat lau (repeat)")
    assert r.returncode == 0, r
    s = summary_of(r)
    assert (s["new"], s["updated"]) == (0, 0), s
    assert table_state() == _state["after_lau"]


def damaged_copy(tmp, line_no, replace):
    """A copy of the Destatis file with one line replaced (1-based)."""
    with open(DESTATIS, "rb") as f:
        lines = f.read().split(b"\n")
    lines[line_no - 1] = replace(lines[line_no - 1])
    path = os.path.join(tmp, "gv-damaged.csv")
    with open(path, "wb") as f:
        f.write(b"\n".join(lines))
    return path


def set_field(line, i, value):
    """The CSV line with field i replaced."""
    import io
    row = next(csv.reader([line.decode()]))
    row[i] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue().encode()


def test_damaged_file_changes_nothing():
    tmp = tempfile.mkdtemp(prefix="rg-import-")
    try:
        # Rename a municipality near the start so that an import that did
        # write before failing would show.
        with open(DESTATIS, "rb") as f:
            n = f.read().count(b"\n")
        middle = n // 2
        before = table_state()
        cases = [
            ("too few fields", lambda line: b",".join(line.split(b",")[:7])),
            ("unterminated quote", lambda line: line + b',"'),
            ("invalid UTF-8", lambda line: line.replace(b",", b",\xff", 1)),
            ("a number that is none", lambda line: set_field(line, 9, " 1x 000")),
        ]
        for what, change in cases:
            # Find a Gemeinde line at or after the middle.
            with open(DESTATIS, "rb") as f:
                all_lines = f.read().split(b"\n")
            ln = next(i + 1 for i in range(middle, len(all_lines)) if all_lines[i].startswith(b"60,"))
            path = damaged_copy(tmp, ln, change)
            with open(path, "rb") as f:
                data = f.read()
            # And a renamed first municipality, which must not arrive.
            data = data.replace(b'"Flensburg, Stadt", 53.02', b'"Flensburg, Umbenannt", 53.02', 1)
            with open(path, "wb") as f:
                f.write(data)
            r = run_import(path)
            assert r.returncode == 1, (what, r)
            assert r.stdout == "", (what, r.stdout)
            errs = [line for line in r.stderr.splitlines() if "skipped:" not in line]
            assert len(errs) == 1, (what, r.stderr)
            m = re.match(r"^org import: %s:(\d+): " % re.escape(path), errs[0])
            assert m, errs[0]
            if what == "unterminated quote":
                # A quoted field may span lines: the damage shows where
                # the field's end turns out impossible, a few lines on.
                assert ln <= int(m.group(1)) <= ln + 5, (what, ln, errs[0])
            else:
                assert int(m.group(1)) == ln, (what, ln, errs[0])
            assert "nothing imported" in errs[0], errs[0]
            assert table_state() == before, what
    finally:
        shutil.rmtree(tmp)


def test_import_file_errors():
    tmp = tempfile.mkdtemp(prefix="rg-import-")
    try:
        for name, content in (("empty.csv", b""), ("unknown.csv", b"foo,bar\n1,2\n")):
            p = os.path.join(tmp, name)
            with open(p, "wb") as f:
                f.write(content)
            r = run_import(p)
            assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 and p in r.stderr, r
        r = run_import(os.path.join(tmp, "missing.csv"))
        assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r
        r = run_import(tmp)
        assert r.returncode == 1, r
    finally:
        shutil.rmtree(tmp)
    r = admin("org", "import", check=False)
    assert r.returncode == 2, r
    r = admin("org", "import", DESTATIS, LAU, check=False)
    assert r.returncode == 2, r


def test_plain_csv_import():
    u = uniq()
    base = "99" + u[:6].translate(str.maketrans("abcdef", "123456"))
    k1, k2, k3, k4 = base + "0001", base + "0002", base + "0003", "AT-" + base[2:] + "01"
    tmp = tempfile.mkdtemp(prefix="rg-import-")
    try:
        p = os.path.join(tmp, "plain.csv")
        with open(p, "w", encoding="utf-8", newline="") as f:
            f.write("key,name,kind,state,population,urbanisation,member,area\n")
            f.write('%s,"Musterstadt, Hansestadt %s",stadt,Bremen,51234,1,true,12.5\n' % (k1, u))
            f.write("%s,Dörfchen %s,gemeinde,Bayern,1999,gering,nein,\n" % (k2, u))
            f.write("%s,Ohne Zahl %s,gemeinde,Hessen,,,,\n" % (k3, u))
            f.write("%s,Österreich-Test %s,gemeinde,AT323,1000,,,\n" % (k4, u))
        r = run_import(p, "plain csv")
        assert r.returncode == 0, r
        assert summary_of(r) == {"imported": 4, "new": 4, "updated": 0, "unchanged": 0, "skipped": 0,
                                 "refused": 0}, r.stdout
        assert org(k1) == [k1, "Musterstadt, Hansestadt %s" % u, "stadt", "Bremen", "DE", "51234", "12.50", "6", "1", "t"]
        assert org(k2) == [k2, "Dörfchen %s" % u, "gemeinde", "Bayern", "DE", "1999", "", "1", "3", "f"]
        assert org(k3) == [k3, "Ohne Zahl %s" % u, "gemeinde", "Hessen", "DE", "", "", "", "", "f"]
        assert org(k4)[4] == "AT"
        state = table_state()
        r = run_import(p)
        assert summary_of(r)["unchanged"] == 4 and table_state() == state, r.stdout
        # Columns in another order; an empty cell keeps what exists.
        with open(p, "w", encoding="utf-8", newline="") as f:
            f.write("name,key,population,kind,state\n")
            f.write("Musterstadt neu %s,%s,,stadt,Bremen\n" % (u, k1))
            f.write("Kaputt %s,%s1,5,dorf,Bremen\n" % (u, base))
        r = run_import(p)
        assert r.returncode == 0, r
        s = summary_of(r)
        assert (s["imported"], s["updated"], s["refused"]) == (1, 1, 1), s
        assert ("%s:3: refused:" % p) in r.stderr and "dorf" in r.stderr, r.stderr
        assert org(k1)[1:6] == ["Musterstadt neu %s" % u, "stadt", "Bremen", "DE", "51234"]
        assert org(k1)[9] == "t"
        assert psql("SELECT count(*) FROM organisation WHERE key = :'p1'", base + "1") == [["0"]]
    finally:
        shutil.rmtree(tmp)
