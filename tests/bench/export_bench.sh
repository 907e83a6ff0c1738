#!/usr/bin/env bash
# tests/bench/export_bench.sh: research exports at scale (issue #7). Brings
# up its own stack (release build, one worker, so that the worker that
# serves every export is known) in a temporary folder, loads a demo network
# with about 100,000 submitted responses in one wave, exports every format
# twice, and prints per export the rows, seconds, rows/s, the seconds that
# 100,000 rows take at that rate, and the worker's peak RSS (VmHWM of
# /proc/<pid>/status). Exits 1 when 100,000 rows take 2 s or more or the
# worker's peak RSS reaches 32 MB. Not part of `make test`.
#
#   EXPORT_MUNICIPALITIES (120000) for the demo network; the wave is then
#   topped up to EXPORT_ROWS (100000) submitted responses by copying
#   submitted answers to municipalities that did not answer (the demo's
#   share of submitters is drawn at random, 30-62 %).
#   KEEP=1 keeps the folder; DIR=... reuses a folder already loaded
#
# Besides wall time it prints the CPU seconds of the worker and of its
# PostgreSQL backend per export: on a shared machine the wall time depends
# on the load, the CPU time much less.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
unset PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD DATABASE_URL
export REIFEGRAD_WORKERS=1
say() { printf 'export-bench: %s\n' "$*" >&2; }

fresh=0
if [ -z "${DIR:-}" ]; then
	DIR=$(mktemp -d /tmp/reifegrad-export-bench.XXXXXX)
	chmod 755 "$DIR"
	fresh=1
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
cleanup() {
	deploy/stack stop "$DIR" >/dev/null 2>&1
	[ "$fresh" -eq 1 ] && [ -z "${KEEP:-}" ] && rm -rf "$DIR"
}
trap cleanup EXIT

make -s all >/dev/null || exit 1
deploy/stack stop "$DIR" >/dev/null 2>&1
deploy/stack start "$DIR" "$PORT" >/dev/null || exit 1
# shellcheck disable=SC1091
. "$DIR/env"
A=build/reifegrad-admin
# The wave with the most rows (as the operator: rg.role for row-level
# security).
biggest_wave() {
	PGOPTIONS='-c rg.role=admin' psql -X -tA -c \
		"SELECT wave_id FROM export_row GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
}
WAVE=$(biggest_wave)
if [ -z "$WAVE" ]; then
	$A questionnaire load sql/questionnaires/smart-city-reifegrad-v1.json >/dev/null
	say "loading ${EXPORT_MUNICIPALITIES:-120000} municipalities (a few minutes)"
	say "$($A demo --municipalities "${EXPORT_MUNICIPALITIES:-120000}" --waves 1)"
	WAVE=$(biggest_wave)
fi
# Top up to EXPORT_ROWS submitted responses (as the owner, like the demo).
PGOPTIONS='-c rg.role=admin -c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 \
	-v wave="$WAVE" -v want="${EXPORT_ROWS:-100000}" <<'SQL' || exit 1
SELECT count(*) AS have FROM response WHERE wave_id = :wave AND state = 'submitted' \gset
INSERT INTO response (wave_id, organisation_id, state, revision, answers, answered,
	submitted_at, submitted_revision, scores, overall)
SELECT :wave, o.id, 'submitted', 1, r.answers, r.answered, now(), 1, r.scores, r.overall
FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM organisation o
	WHERE NOT EXISTS (SELECT 1 FROM response x WHERE x.wave_id = :wave
		AND x.organisation_id = o.id)
	ORDER BY id LIMIT greatest(:want - :have, 0)) o
JOIN (SELECT answers, answered, scores, overall, row_number() OVER (ORDER BY id) AS rn
	FROM response WHERE wave_id = :wave AND state = 'submitted') r
	ON r.rn = (o.rn - 1) % :have + 1;
SQL
PGOPTIONS='-c client_min_messages=warning' psql -X -q -c "VACUUM ANALYZE export_row" 2>/dev/null

email="bench-researcher-$$-$RANDOM@example.org"
echo "bench-password-$$-long" | $A user add --email "$email" --role researcher >/dev/null || exit 1
TOKEN=$(curl -s -i -X POST -H 'Content-Type: application/json' \
	-d "{\"email\":\"$email\",\"password\":\"bench-password-$$-long\"}" "$BASE/api/v1/login" |
	sed -n 's/^[Ss]et-[Cc]ookie: rg_session=\([^;]*\).*/\1/p' | tr -d '\r')
[ -n "$TOKEN" ] || { say "cannot sign in"; exit 1; }
WORKER=$(pgrep -P "$(cat "$DIR/run/fcgi.pid")" -x reifegrad-fcgi | head -n 1)
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$WORKER/status"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$WORKER/status"; }
# The sign-in above ran argon2id in this worker (tens of MB, freed again);
# the peak that counts is the exports': reset VmHWM to the current RSS.
say "wave $WAVE, worker $WORKER: RSS $(rss) kB, peak so far $(hwm) kB (the sign-in's argon2id)"
echo 5 >"/proc/$WORKER/clear_refs" || say "cannot reset VmHWM; the peak below includes the sign-in"
say "peak RSS reset to $(hwm) kB before exporting"

fail=0
BACKEND=$(psql -X -tA -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'reifegrad'" | head -n 1)
cpu() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; }
say "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
say "$(curl -s -o /dev/null -D - -H "Authorization: Bearer $TOKEN" \
	"$BASE/api/v1/waves/$WAVE/codebook.json" >/dev/null; PGOPTIONS='-c rg.role=admin' psql -X -tA -c \
	"SELECT count(*) FROM export_row WHERE wave_id = $WAVE") submitted responses in wave $WAVE"
printf '%-6s %7s %7s %8s %11s %7s %7s %7s %11s\n' format rows seconds rows/s "s/100k rows" MB \
	"cpu fcgi" "cpu pg" "peak RSS kB"
for f in csv json sav dta csv json sav dta; do
	w0=$(cpu "$WORKER") b0=$(cpu "$BACKEND")
	out=$(curl -s -D "$DIR/head" -o /dev/null -w '%{http_code} %{time_total} %{size_download}' \
		-H "Authorization: Bearer $TOKEN" "$BASE/api/v1/waves/$WAVE/export.$f")
	read -r code secs bytes <<<"$out"
	rows=$(sed -n 's/^X-Export-Rows: \([0-9]*\).*/\1/p' "$DIR/head" | tr -d '\r')
	supp=$(sed -n 's/^X-Export-Suppressed: \([0-9]*\).*/\1/p' "$DIR/head" | tr -d '\r')
	subm=$((${rows:-0} + ${supp:-0}))
	peak=$(hwm)
	w1=$(cpu "$WORKER") b1=$(cpu "$BACKEND")
	line=$(awk -v f="$f" -v r="${rows:-0}" -v s="$secs" -v b="$bytes" -v p="$peak" \
		-v cw="$(awk -v a="$w0" -v b="$w1" 'BEGIN {print b - a}')" \
		-v cb="$(awk -v a="$b0" -v b="$b1" 'BEGIN {print b - a}')" 'BEGIN {
		printf "%-6s %7d %7.2f %8.0f %11.2f %7.1f %7.2f %7.2f %11d", f, r, s, r / s,
			s * 100000 / r, b / 1e6, cw, cb, p }')
	# The budget counts responses: the submitted ones, suppressed or not.
	echo "$line"
	[ "$code" = 200 ] || { say "export.$f answered $code"; fail=1; }
	if awk -v s="$secs" -v r="$subm" 'BEGIN { exit !(r < 100000 || s * 100000 / r >= 2) }'; then
		fail=1
	fi
done
peak=$(hwm)
say "worker peak RSS (VmHWM) after all exports: $peak kB"
[ "$peak" -lt $((32 * 1024)) ] || { say "the worker's peak RSS reached 32 MB"; fail=1; }
[ "$fail" -eq 0 ] && say "within budget (2 s per 100,000 rows, 32 MB)" || say "OVER BUDGET"
exit $fail
