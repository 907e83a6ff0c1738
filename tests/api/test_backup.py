"""Backups (issue #10): `reifegrad-admin backup FILE` dumps the test
database (as the owner role, through row-level security) after this file
has submitted some responses; a second, fresh PostgreSQL cluster (initdb in
a folder of its own, a unix socket only) gets the roles of deploy/roles.sql
and an empty database, `reifegrad-admin restore FILE` fills it, and every
table holds the same rows, every submitted response the same scores.
`restore` refuses a database that is not empty; both say what is wrong in
one line."""
import atexit
import glob
import os
import random
import shutil
import subprocess
import time

from lib import ADMIN, ROOT, TEST_DIR, admin, psql, snapshots_settled
from survey_helpers import items_of, default_definition, load_default, make_wave, municipality, uniq

DEFN = default_definition()
PGBIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
               key=lambda p: int(p.split("/")[-2]))[-1]
ROOT_USER = os.geteuid() == 0

# Every submitted response with its scores, in a fixed order, and a
# checksum of the lot; the same query on both databases.
SUBMITTED_SQL = (
    "SELECT count(*), md5(coalesce(string_agg(wave_id || ':' || organisation_id || ':'"
    " || scores::text || ':' || overall, ',' ORDER BY wave_id, organisation_id), ''))"
    " FROM response WHERE state = 'submitted'")
# Row counts of every table of the schema.
TABLES_SQL = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"


def as_pg(args, **kw):
    """Runs a PostgreSQL server program as the postgres user when we are
    root (PostgreSQL refuses to run as root)."""
    if ROOT_USER:
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.run(args, capture_output=True, text=True, **kw)


class Cluster:
    """A throwaway PostgreSQL cluster in dir, listening on a unix socket in
    dir/run only."""

    def __init__(self):
        self.dir = os.path.join(TEST_DIR or "/tmp", "pg-restore-" + uniq())
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "run")
        os.makedirs(self.sock)
        os.chmod(self.dir, 0o755)
        os.chmod(self.sock, 0o700)
        if ROOT_USER:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.sock, "postgres")
        r = as_pg([PGBIN + "/initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
                   "-E", "UTF8", "--locale=C.UTF-8"])
        assert r.returncode == 0, r.stderr
        r = as_pg([PGBIN + "/pg_ctl", "-D", self.data, "-w", "-t", "60",
                   "-l", os.path.join(self.dir, "postgresql.log"), "-o",
                   "-c listen_addresses='' -c unix_socket_directories='%s' -c fsync=off"
                   % self.sock, "start"])
        assert r.returncode == 0, r.stdout + r.stderr

    def stop(self):
        as_pg([PGBIN + "/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)

    def env(self, user, db):
        e = dict(os.environ)
        e.update(PGHOST=self.sock, PGDATABASE=db, PGUSER=user)
        return e

    def roles(self, db="reifegrad"):
        """Runs deploy/roles.sql (roles, and database db) as the superuser."""
        r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "db=" + db,
                            "-h", self.sock, "-U", "postgres", "-d", "postgres",
                            "-f", os.path.join(ROOT, "deploy", "roles.sql")],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr

    def psql(self, sql, user="postgres", db="reifegrad"):
        r = subprocess.run(["psql", "-X", "-q", "-tA", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                            "-h", self.sock, "-U", user, "-d", db],
                           input=sql, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return [line.split("\t") for line in r.stdout.splitlines() if line != ""]

    def admin(self, *args, user="reifegrad_owner", db="reifegrad"):
        return subprocess.run([ADMIN] + list(args), capture_output=True, text=True,
                              env=self.env(user, db))


_cluster = []


def cluster():
    """The second cluster of this file, made at first use (initdb takes
    seconds) and stopped when the tests end."""
    if not _cluster:
        _cluster.append(Cluster())
        atexit.register(_cluster[0].stop)
    return _cluster[0]


def table_counts(run):
    """{table: rows} of every table, as the superuser (no row-level
    security) through run(sql)."""
    tables = [t for (t,) in run(TABLES_SQL)]
    if not tables:
        return {}
    sql = " UNION ALL ".join("SELECT '%s', count(*) FROM public.%s" % (t, t) for t in tables)
    return {t: int(n) for t, n in run(sql)}


def submitted_responses(n):
    """An open wave with n municipalities that submitted and one draft;
    returns the wave id."""
    load_default()
    wid = make_wave(state="open")
    rng = random.Random(n)
    for _ in range(n):
        _, _, (s,) = municipality(1)
        answers = {it: ({"na": True} if rng.random() < 0.1 else {"level": rng.randint(0, 4)})
                   for it in items_of(DEFN)}
        r = s.put("/api/v1/waves/%d/response" % wid, {"revision": 0, "answers": answers})
        assert r.status == 200, r
        r = s.post("/api/v1/waves/%d/response/submit" % wid, {"revision": r.json["revision"]})
        assert r.status == 200, r
    _, _, (s,) = municipality(1)
    r = s.put("/api/v1/waves/%d/response" % wid,
              {"revision": 0, "answers": {items_of(DEFN)[0]: {"level": 1}}})
    assert r.status == 200, r
    # The snapshotter has counted them: the tables hold still.
    snapshots_settled()
    return wid


def backup_file(name):
    d = os.path.join(TEST_DIR or "/tmp", "backups")
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, name)


def test_backup_and_restore_into_a_fresh_cluster():
    wid = submitted_responses(4)
    path = backup_file("full-%s.dump" % uniq())
    source_counts = table_counts(psql)
    source_submitted = psql(SUBMITTED_SQL)
    assert int(source_submitted[0][0]) >= 4, source_submitted
    t0 = time.time()
    r = admin("backup", path)
    line = r.stdout.strip()
    assert line.startswith("backup: %s: " % path) and line.endswith(" s"), line
    total, submitted = psql("SELECT count(*), count(*) FILTER (WHERE state = 'submitted')"
                            " FROM response")[0]
    assert " %d tables, %s responses (%s submitted), in " % (
        len(source_counts), total, submitted) in line, (line, source_counts)
    assert len(r.stdout.splitlines()) == 1 and r.stderr == "", r
    st = os.stat(path)
    assert st.st_mode & 0o777 == 0o600, oct(st.st_mode)
    assert st.st_mtime >= t0 - 1
    with open(path, "rb") as f:
        assert f.read(5) == b"PGDMP"
    assert not glob.glob(path + ".*"), "a temporary file was left behind"

    c = cluster()
    c.roles()
    assert c.psql("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace") \
        == [["0"]]
    r = c.admin("restore", path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    assert r.stdout.startswith("restore: %s into reifegrad: %d tables, %s responses "
                               "(%s submitted), in " % (path, len(source_counts), total,
                                                        submitted)), r.stdout

    # Every table, every row; every submitted response with its scores.
    assert table_counts(c.psql) == source_counts
    assert c.psql(SUBMITTED_SQL) == source_submitted
    mine = "SELECT organisation_id, scores::text FROM response WHERE wave_id = %d" \
           " ORDER BY organisation_id" % wid
    assert c.psql(mine) == psql(mine) and len(psql(mine)) == 5
    # Owners and grants came along: the application role owns nothing
    # and reads what it read before.
    owners = "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class" \
             " WHERE relnamespace = 'public'::regnamespace ORDER BY 1"
    assert c.psql(owners) == [["reifegrad_owner"]], c.psql(owners)
    grants = "SELECT table_name, privilege_type FROM information_schema.role_table_grants" \
             " WHERE grantee = 'reifegrad_app' ORDER BY 1, 2"
    assert c.psql(grants) == psql(grants)
    # The restored database is at the same migration: nothing to do.
    r = c.admin("migrate")
    assert r.returncode == 0 and r.stdout.startswith("migrate: 0 applied"), r

    # roles.sql again: the read-only role reads the survey, not the
    # accounts.
    c.roles()
    assert c.psql("SELECT count(*) FROM response WHERE state = 'submitted'",
                  user="reifegrad_readonly") == [[submitted]]
    for table in ("app_user", "session", "audit_log", "invitation", "login_failure"):
        r = subprocess.run(["psql", "-X", "-h", c.sock, "-U", "reifegrad_readonly",
                            "-d", "reifegrad", "-c", "SELECT 1 FROM %s LIMIT 1" % table],
                           capture_output=True, text=True)
        assert r.returncode != 0 and "permission denied" in r.stderr, (table, r)

    # A second restore finds the database in use and changes nothing.
    r = c.admin("restore", path)
    assert r.returncode == 1 and r.stdout == "", r
    assert r.stderr.startswith("reifegrad-admin: restore: the database reifegrad is not "
                               "empty ("), r.stderr
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert table_counts(c.psql) == source_counts


def test_a_failed_restore_leaves_nothing_and_roles_sql_takes_a_database_name():
    path = backup_file("owner-%s.dump" % uniq())
    admin("backup", path)
    c = cluster()
    db = "zweite_" + uniq()
    c.roles(db)

    def counts(sql):
        return c.psql(sql, db=db)

    # A truncated archive: pg_restore fails part-way; one transaction, so
    # nothing of it stays.
    broken = path + ".broken"
    with open(path, "rb") as f, open(broken, "wb") as g:
        data = f.read()
        g.write(data[:len(data) * 2 // 3])
    r = c.admin("restore", broken, db=db)
    assert r.returncode == 1 and r.stdout == "", r
    assert r.stderr.startswith("reifegrad-admin: restore: pg_restore: error: "), r.stderr
    assert r.stderr.endswith("(nothing was restored)\n") and len(r.stderr.splitlines()) == 1
    assert table_counts(counts) == {}
    r = c.admin("restore", path, db=db)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("restore: %s into %s: " % (path, db)), r.stdout
    assert table_counts(counts) == table_counts(psql)


def test_backup_and_restore_errors():
    r = admin("backup", "/nonexistent-%s/x.dump" % uniq(), check=False)
    assert r.returncode == 1 and r.stdout == "", r
    assert r.stderr.startswith("reifegrad-admin: backup: cannot write next to /nonexistent-")
    assert len(r.stderr.splitlines()) == 1
    not_a_dump = backup_file("not-a-dump-%s.txt" % uniq())
    with open(not_a_dump, "w") as f:
        f.write("SELECT 1;\n")
    r = admin("restore", not_a_dump, check=False)
    assert r.returncode == 1 and r.stderr == (
        "reifegrad-admin: restore: %s is not a backup made by reifegrad-admin backup "
        "(pg_dump custom format)\n" % not_a_dump), r
    r = admin("restore", backup_file("missing-%s.dump" % uniq()), check=False)
    assert r.returncode == 1 and "cannot read" in r.stderr and "No such file" in r.stderr, r
    # The test database itself is not empty: restore refuses it.
    path = backup_file("again-%s.dump" % uniq())
    admin("backup", path)
    before = table_counts(psql)
    r = admin("restore", path, check=False)
    assert r.returncode == 1 and "is not empty" in r.stderr, r
    assert table_counts(psql) == before
    # A backup over an existing file replaces it whole.
    admin("backup", path)
    with open(path, "rb") as f:
        assert f.read(5) == b"PGDMP"
    for args in (["backup"], ["restore"], ["backup", "a", "b"], ["restore", "--force", path]):
        r = admin(*args, check=False)
        assert r.returncode == 2, (args, r)
    # DATABASE_URL alone (what the tools would not read) works as well,
    # and its password never reaches a command line.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["DATABASE_URL"] = "postgresql:///%s?host=%s&user=reifegrad_owner" % (
        os.environ.get("PGDATABASE", "reifegrad"), os.environ["PGHOST"])
    url_path = backup_file("url-%s.dump" % uniq())
    r = subprocess.run([ADMIN, "backup", url_path], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and r.stdout.startswith("backup: %s: " % url_path), r
    # Without a database to talk to: one line, exit 1.
    env = dict(os.environ, PGHOST="/nonexistent-socket-dir", PGUSER="reifegrad_owner")
    r = subprocess.run([ADMIN, "backup", backup_file("x.dump")], capture_output=True,
                       text=True, env=env)
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1, r
    assert r.stderr.startswith("reifegrad-admin: cannot connect to the database"), r
