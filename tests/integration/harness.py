"""Tiny test harness for integration tests (standard library only).

Each test is a function named test_*; run_all() runs them in order, prints
one line per test and closes with "N passed, N failed" (read by run.sh)."""
import os
import sys
import traceback

BIN = os.environ.get("CGLU_BIN") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "bin")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def prog(name):
    return os.path.join(BIN, name)


def proc_rss_mb(pid):
    """Resident memory of process pid in MB (0 when gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def proc_fds(pid):
    """Open file descriptors of process pid."""
    return len(os.listdir("/proc/%d/fd" % pid))


def run_all(namespace):
    tests = [(n, f) for n, f in namespace.items()
             if n.startswith("test_") and callable(f)]
    only = os.environ.get("ONLY")
    passed = failed = 0
    for name, fn in tests:
        if only and only not in name:
            continue
        try:
            fn()
        except Exception:  # any failure, assertion or crash, is one failed test
            failed += 1
            print("FAIL %s" % name)
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print("ok   %s" % name)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
