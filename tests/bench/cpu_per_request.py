#!/usr/bin/env python3
"""cpu_per_request.py PGHOST SECONDS CMD...: runs CMD (a load client that
prints "Requests/sec: N", as wrk and build/bench/wload do, for SECONDS) and
prints the CPU time every process on the machine used meanwhile, per
request, the heaviest first. PostgreSQL's connections are told apart by
their application name (the workers' "reifegrad", "rg-committer",
"rg-snapshotter"), so that the table shows what each part of the product
costs the database. Run as root or as the cluster's owner (it asks
pg_stat_activity as postgres over the socket folder PGHOST).

The figures in README "Performance" come from this, on a stack set up as
tests/bench/run sets up its own, for example:
  tests/bench/cpu_per_request.py DIR/pg/run 5 build/bench/wload --mode put \\
      --url http://127.0.0.1:PORT/api/v1/waves/3/response \\
      --tokens DIR/put.txt --seconds 5
"""
import collections
import os
import subprocess
import sys


def backends(host):
    """pid -> application name (or backend type) of PostgreSQL's processes."""
    cmd = ["psql", "-XAt", "-h", host, "-U", "postgres", "-d", "postgres", "-F", "\t", "-c",
           "SELECT pid, coalesce(nullif(application_name, ''), backend_type)"
           " FROM pg_stat_activity"]
    if os.getuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    return {int(pid): name for pid, name in (line.split("\t", 1) for line in out.splitlines() if line)}


def cpu_ticks(names):
    """pid -> (name, user + system clock ticks), over every process."""
    ticks = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % pid) as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if int(pid) in names:
            name = "postgres: " + names[int(pid)]
        elif name == "postgres":
            name = "postgres: other"
        ticks[int(pid)] = (name, int(fields[11]) + int(fields[12]))
    return ticks


def used_by_name(before, after):
    """Name -> ticks used between the two, by process (a kernel worker
    changes its name with its work: keyed by name, its whole past would
    count), each under its name at the end."""
    used = collections.Counter()
    for pid, (name, t) in after.items():
        used[name] += t - before.get(pid, (name, 0))[1]
    return used


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    host, seconds, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    names = backends(host)
    before = cpu_ticks(names)
    run = subprocess.run(cmd, capture_output=True, text=True)
    names.update(backends(host))
    used = used_by_name(before, cpu_ticks(names))
    rates = [line.split()[1] for line in run.stdout.splitlines() if "Requests/sec" in line]
    if not rates:
        sys.exit("cpu_per_request: no Requests/sec in the output of %s" % cmd[0])
    requests = float(rates[0]) * seconds
    tick = os.sysconf("SC_CLK_TCK")
    print("%s req/s; CPU per request:" % rates[0])
    total = 0.0
    for name, t in used.most_common(12):
        us = t / tick / requests * 1e6
        total += us
        print("  %-36s %8.1f us" % (name, us))
    print("  %-36s %8.1f us" % ("(these together)", total))


if __name__ == "__main__":
    main()
