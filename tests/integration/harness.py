"""Tiny test harness for integration tests (standard library only).

Each test is a function named test_*; run_all() runs them in order, prints
one line per test and closes with "N passed, N failed" (read by run.sh).
ONLY=word runs the tests whose name holds word; ORDER=reverse, or
ORDER=<number> (a shuffle seeded by it), runs them in another order: no
test may depend on another having run before it.

What several tests of a file share (an index, a daemon serving it) is a
@fixture: made on first use, never at import time, and torn down once
after the last test."""
import functools
import os
import random
import sys
import time
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


# ---- fixtures and scopes -----------------------------------------------

_made = []    # [(name, generator)] of the fixtures made, in order
_scopes = []  # what is running: a test's name, or "fixture"
_after_test = []  # functions f(name) called after each test


def fixture(fn):
    """fn is a generator that yields one value (say, a daemon) and cleans
    it up when resumed. The returned function makes the value on its first
    call and returns the same one after; run_all resumes the generator
    once every test has run."""
    box = []

    @functools.wraps(fn)
    def get():
        if not box:
            gen = fn()
            _scopes.append("fixture")
            try:
                box.append(next(gen))
            finally:
                _scopes.pop()
            _made.append((fn.__name__, gen))
        return box[0]
    return get


def scope():
    """The test running now ("fixture" while a fixture is being made)."""
    return _scopes[-1] if _scopes else None


def after_each_test(fn):
    """Register fn(name), called after each test (passed or failed)."""
    _after_test.append(fn)


def _teardown():
    """Resume every fixture made, last made first; the failures."""
    failed = 0
    while _made:
        name, gen = _made.pop()
        try:
            next(gen)
        except StopIteration:
            continue
        except Exception:  # a broken clean-up is a failure of its own
            failed += 1
            print("FAIL teardown of fixture %s" % name)
            traceback.print_exc(file=sys.stdout)
            continue
        failed += 1
        print("FAIL fixture %s yields more than once" % name)
    return failed


def _ordered(tests):
    order = os.environ.get("ORDER", "")
    if order == "reverse":
        tests.reverse()
    elif order:
        random.Random(int(order)).shuffle(tests)
    if order:
        print("order %s: %s" % (order, " ".join(n for n, _ in tests)))
    return tests


def run_all(namespace):
    tests = [(n, f) for n, f in namespace.items()
             if n.startswith("test_") and callable(f)]
    only = os.environ.get("ONLY")
    passed = failed = 0
    try:
        for name, fn in _ordered(tests):
            if only and only not in name:
                continue
            _scopes.append(name)
            t0 = time.monotonic()
            try:
                fn()
            except Exception:  # any failure, assertion or crash, is one failed test
                failed += 1
                print("FAIL %s (%.1f s)" % (name, time.monotonic() - t0))
                traceback.print_exc(file=sys.stdout)
            else:
                passed += 1
                print("ok   %s (%.1f s)" % (name, time.monotonic() - t0))
            finally:
                _scopes.pop()
                for hook in _after_test:
                    hook(name)
    finally:
        failed += _teardown()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
