"""setup.py DIR: prepares the benchmark's respondents after the demo load.

Writes token files (one session token per line) for:
  get.txt     respondents whose municipality submitted in the open wave
              (benchmark GET, response GET)
  put.txt     respondents whose municipality has not started (autosave)
  submit.txt  respondents with a fully answered draft (submit): every
              municipality that has not started, and half of those that
              had submitted, put back to a draft as if reopened (the
              snapshots are recomputed after this), so that the groups
              the submissions renew are of the wave's real size
Accounts and sessions are written straight into the database (as the
owner, with rg.role = admin): signing in thousands of accounts through
argon2id would only measure argon2id. Prints the open wave's id.
"""
import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys

DIR = sys.argv[1]
CONNS = int(os.environ.get("BENCH_CONNS", "64"))


def psql(sql, stdin=None):
    r = subprocess.run(["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-c",
                        "SELECT set_config('rg.role', 'admin', false)", "-c", sql],
                       capture_output=True, text=True, input=stdin)
    if r.returncode != 0:
        sys.exit("setup.py: " + r.stderr)
    return [l for l in r.stdout.splitlines()[1:] if l]


wave = psql("SELECT id FROM wave WHERE rg_wave_state(wave) = 'open' ORDER BY id DESC LIMIT 1")[0]
qdef = json.loads(psql("SELECT q.definition FROM wave w JOIN questionnaire q ON q.id = w.questionnaire_id WHERE w.id = %s" % wave)[0])
items = [it["id"] for d in qdef["dimensions"] for it in d["items"]]
full = json.dumps({i: {"level": (n * 7) % 5, "target": 4} for n, i in enumerate(items)})

submitted = psql("SELECT organisation_id FROM response WHERE wave_id = %s AND state = 'submitted' ORDER BY organisation_id LIMIT %d" % (wave, CONNS))
fresh = psql("SELECT o.id FROM organisation o WHERE o.member AND NOT EXISTS (SELECT 1 FROM response r WHERE r.wave_id = %s AND r.organisation_id = o.id) ORDER BY o.id" % wave)
put_orgs, submit_orgs = fresh[:CONNS], fresh[CONNS:]
if len(submitted) < CONNS or len(put_orgs) < CONNS or not submit_orgs:
    sys.exit("setup.py: not enough municipalities for %d connections" % CONNS)

# Drafts, fully answered, for the submit run.
rows = "".join("%s\t%s\tdraft\t1\t%s\t%d\n" % (wave, o, full.replace("\\", "\\\\"), len(items)) for o in submit_orgs)
psql("CREATE TEMP TABLE d (wave_id bigint, organisation_id bigint, state text, revision int, answers jsonb, answered int); "
     "COPY d FROM STDIN; INSERT INTO response (wave_id, organisation_id, state, revision, answers, answered) "
     "SELECT * FROM d ON CONFLICT DO NOTHING", stdin=rows)
# Half of the other submissions back to drafts, their ranks gone.
submit_orgs += psql(
    "WITH r AS (UPDATE response SET state = 'draft', submitted_at = NULL, submitted_revision = NULL, "
    "scores = NULL, overall = NULL, targets = NULL, revision = 1 "
    "WHERE wave_id = %s AND state = 'submitted' AND organisation_id %% 2 = 0 "
    "AND organisation_id NOT IN (%s) RETURNING id, organisation_id), "
    "g AS (DELETE FROM snapshot_rank s USING r WHERE s.response_id = r.id) "
    "SELECT organisation_id FROM r" % (wave, ",".join(submitted)))


def sessions(orgs, name):
    lines, users = [], []
    for o in orgs:
        tok = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        h = hashlib.blake2b(tok.encode(), digest_size=32).hexdigest()
        users.append("bench-%s-%s@example.org\t%s\t%s" % (name, o, o, h))
        lines.append(tok)
    psql("CREATE TEMP TABLE u (email text, org bigint, h text); COPY u FROM STDIN; "
         "INSERT INTO app_user (email, role, organisation_id, password_hash, name) "
         "SELECT email, 'respondent', org, 'x', 'Bench' FROM u ON CONFLICT (email) DO NOTHING; "
         "INSERT INTO session (token_hash, user_id, expires_at) "
         "SELECT decode(u.h, 'hex'), a.id, now() + interval '12 hours' FROM u JOIN app_user a ON a.email = u.email",
         stdin="\n".join(users) + "\n")
    with open(os.path.join(DIR, name + ".txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


sessions(submitted, "get")
sessions(put_orgs, "put")
sessions(submit_orgs, "submit")
print(wave)
