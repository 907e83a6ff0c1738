"""run.py: runs the API tests (tests/api/test_*.py, in name order) against
the stack that tests/run started, printing TAP: "ok N - file: test".

    python3 tests/api/run.py [--dir DIR] [FILE-SUBSTRING]

--dir runs the test_*.py of another folder (tests/faults) the same way;
lib.py and the helpers of tests/api stay importable.

A test that cannot run on this machine raises unittest.SkipTest(reason)
and is reported as "ok N - file: test # SKIP reason".
"""
import glob
import importlib.util
import os
import sys
import time
import traceback
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
args = sys.argv[1:]
tests_dir = here
if args[:1] == ["--dir"] and len(args) > 1:
    tests_dir = os.path.abspath(args[1])
    sys.path.insert(0, tests_dir)
    args = args[2:]
only = args[0] if args else ""

n = failed = 0
for path in sorted(glob.glob(os.path.join(tests_dir, "test_*.py"))):
    name = os.path.basename(path)[:-3]
    if only and only not in name:
        continue
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception:
        n += 1
        failed += 1
        print("not ok %d - %s: import" % (n, name))
        traceback.print_exc(file=sys.stdout)
        continue
    tests = [(k, v) for k, v in vars(mod).items() if k.startswith("test_") and callable(v)]
    tests.sort(key=lambda kv: kv[1].__code__.co_firstlineno)
    for tname, fn in tests:
        n += 1
        t0 = time.monotonic()
        try:
            fn()
            print("ok %d - %s: %s (%.2f s)" % (n, name, tname, time.monotonic() - t0))
        except unittest.SkipTest as e:
            # A test that cannot run here (a tool is missing) says why.
            print("ok %d - %s: %s # SKIP %s" % (n, name, tname, e))
        except Exception:
            failed += 1
            print("not ok %d - %s: %s" % (n, name, tname))
            for line in traceback.format_exc().splitlines():
                print("#   " + line)
        sys.stdout.flush()
print("1..%d" % n)
sys.exit(1 if failed else 0)
