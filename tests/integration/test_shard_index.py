#!/usr/bin/env python3
"""cglu-index --shards N (issue #16): N databases under --db PATH, one
writer thread each, and the stub PATH/XAPIANDB that opens them as one
index. The daemon serves the same answers as from one index of the same
folder; later runs keep N, converge after a kill -9, write no revision
when nothing changed; another N needs --rebuild."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, fixture, prog, run_all  # noqa: E402
from daemon import (TIMEOUT, Daemon, check_db, db_info,  # noqa: E402
                    doc_count, gen_folder, page_count, run_indexer,
                    run_summary as summary, same_answers, wait_until)

CORPUS = os.path.join(ROOT, "corpus")
QUERIES = ["gouvernements locaux", "cglu", "villes durables", "démocratie",
           "\"gouvernements locaux\"", "gouv*", "autonomie -cglu", "cities",
           "ciudades", "gouvernemnts", "paix OR culture", "title:mission"]


def stub_lines(db):
    with open(os.path.join(db, "XAPIANDB")) as f:
        return f.read().splitlines()


def shard_dirs(db):
    return sorted(x for x in os.listdir(db) if x.startswith("shard-"))


def shard_revs(db):
    """Each shard's revision, in order."""
    return [db_info(os.path.join(db, s))[0] for s in shard_dirs(db)]


def answers(db, lines):
    with Daemon(db, check_exit=True, check_log=True) as d, d.conn() as c:
        return c.answers(lines)


def query_lines():
    lines = []
    for q in QUERIES:
        lines += ["SEARCH " + q, "SEARCH limit=3 offset=2 snippet=80 " + q,
                  "SEARCH snippet=0 facets=lang,section,tag " + q]
    return lines + ["SUGGEST gouv", "DOC 02-mission.txt",
                    "DOC en/01-about.txt"]


@fixture
def plain():
    """(a copy of the corpus, one index of it, its answers)."""
    t = tempfile.mkdtemp(prefix="cglu-shidx-")
    src = os.path.join(t, "site")
    shutil.copytree(CORPUS, src)
    one = os.path.join(t, "one.db")
    run_indexer(["-q", "--db", one, src])
    lines = query_lines()
    yield src, one, lines, answers(one, lines)
    shutil.rmtree(t, ignore_errors=True)


def test_two_shards_same_answers_as_one_index():
    src, one, lines, want = plain()
    with tempfile.TemporaryDirectory(prefix="cglu-shidx-") as t:
        db = os.path.join(t, "db")
        p = run_indexer(["--db", db, "--shards", "2", src])
        n = page_count(src)
        assert summary(p)["added"] == n, p.out
        assert stub_lines(db) == ["glass shard-00", "glass shard-01"]
        counts = []
        for s in shard_dirs(db):
            check_db(os.path.join(db, s))
            counts.append(db_info(os.path.join(db, s))[1])
        assert len(counts) == 2 and all(c > 0 for c in counts), counts
        assert sum(counts) == n == doc_count(db), (counts, n)
        got = answers(db, lines)
        assert sum(len(x.get("hits", [])) for x in got) > 50
        same_answers(want, got, lines)


def test_incremental_run_keeps_the_shards():
    with tempfile.TemporaryDirectory(prefix="cglu-shidx-") as t:
        src = os.path.join(t, "site")
        shutil.copytree(CORPUS, src)
        db = os.path.join(t, "db")
        run_indexer(["-q", "--db", db, "--shards", "2", src])
        n = page_count(src)
        with open(os.path.join(src, "zz-new.txt"), "w") as f:
            f.write("Nouveau\n\nUne page xylophonique.\n")
        with open(os.path.join(src, "02-mission.txt"), "a") as f:
            f.write("\nUne phrase de plus.\n")
        os.remove(os.path.join(src, "en", "01-about.txt"))
        p = run_indexer(["--db", db, src])  # no --shards: the stub's
        s = summary(p)
        assert (s["added"], s["updated"], s["deleted"]) == (1, 1, 1), p.out
        assert s["unchanged"] == n - 2, p.out
        assert stub_lines(db) == ["glass shard-00", "glass shard-01"]
        assert shard_dirs(db) == ["shard-00", "shard-01"]
        assert doc_count(db) == n
        p = run_indexer(["--db", db, "--feed", "-"], rc=2)
        assert len(p.err.splitlines()) == 1 and "shards" in p.err, p.err


def test_other_count_needs_rebuild():
    src, one, lines, want = plain()
    with tempfile.TemporaryDirectory(prefix="cglu-shidx-") as t:
        db = os.path.join(t, "db")
        run_indexer(["-q", "--db", db, "--shards", "2", src])
        revs = shard_revs(db)
        p = run_indexer(["--db", db, "--shards", "3", src], rc=2)
        assert p.err.splitlines() == [
            "cglu-index: index %s has 2 shards: rerun with --rebuild to "
            "make 3" % db], p.err
        assert stub_lines(db) == ["glass shard-00", "glass shard-01"]
        assert shard_dirs(db) == ["shard-00", "shard-01"]
        assert shard_revs(db) == revs
        # one database at PATH is not split either
        p = run_indexer(["--db", one, "--shards", "2", src], rc=2)
        assert len(p.err.splitlines()) == 1 and "one database" in p.err
        assert not os.path.exists(os.path.join(one, "XAPIANDB"))
        p = run_indexer(["--db", db, "--shards", "3", "--rebuild", src])
        assert stub_lines(db) == ["glass shard-0%d" % k for k in range(3)]
        assert shard_dirs(db) == ["shard-00", "shard-01", "shard-02"]
        assert doc_count(db) == page_count(src)
        same_answers(want, answers(db, lines), lines)
        # and back to fewer: the folders beyond the stub's go
        run_indexer(["-q", "--db", db, "--shards", "1", "--rebuild", src])
        assert stub_lines(db) == ["glass shard-00"]
        assert shard_dirs(db) == ["shard-00"]
        assert doc_count(db) == page_count(src)


def test_kill_mid_sharded_run_then_rerun():
    with tempfile.TemporaryDirectory(prefix="cglu-shidx-") as t:
        src = os.path.join(t, "big")
        gen_folder(src, 3000, 300, seed=7)
        db = os.path.join(t, "db")
        cmd = [os.path.abspath(prog("cglu-index")), "-q", "--db", db,
               "--shards", "2", "--batch-size", "1", src]
        # killed during its first run: no stub yet, the rerun says N
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        p.send_signal(signal.SIGKILL)
        p.wait(TIMEOUT)
        assert p.returncode == -signal.SIGKILL, "finished before the kill"
        assert not os.path.exists(os.path.join(db, "XAPIANDB"))
        p = run_indexer(["--db", db, src], rc=2)  # which N: not guessed
        assert len(p.err.splitlines()) == 1 and "--shards" in p.err, p.err
        run_indexer(["-q", "--db", db, "--shards", "2", src],
                    timeout=300)
        assert doc_count(db) == 3000
        # killed during a rebuild of an index that has its stub
        def rev():
            return sum(shard_revs(db))
        rev0 = rev()
        p = subprocess.Popen(cmd + ["--rebuild"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        assert wait_until(lambda: rev() > rev0 or
                          p.poll() is not None, TIMEOUT)
        p.send_signal(signal.SIGKILL)
        p.wait(TIMEOUT)
        killed = p.returncode == -signal.SIGKILL
        for s in shard_dirs(db):
            check_db(os.path.join(db, s))
        assert doc_count(db) == 3000  # replaced in place: none lost
        p = run_indexer(["--db", db, src], timeout=300)
        assert summary(p)["files"] == 3000, p.out
        assert doc_count(db) == 3000
        assert shard_dirs(db) == ["shard-00", "shard-01"]
        print("     killed %s the rebuild" % ("during" if killed else
                                               "after"))


def test_no_change_adds_no_revision():
    src, _, _, _ = plain()
    with tempfile.TemporaryDirectory(prefix="cglu-shidx-") as t:
        db = os.path.join(t, "db")
        run_indexer(["-q", "--db", db, "--shards", "3", src])
        before = shard_revs(db)
        stub = os.stat(os.path.join(db, "XAPIANDB"))
        p = run_indexer(["--db", db, src])
        assert summary(p)["unchanged"] == page_count(src), p.out
        assert shard_revs(db) == before
        after = os.stat(os.path.join(db, "XAPIANDB"))
        assert (after.st_ino, after.st_mtime_ns) == \
            (stub.st_ino, stub.st_mtime_ns)  # the stub not rewritten


def test_damaged_dictionary_is_made_anew():
    """A dictionary that cannot be opened (damaged, half copied, not a
    database) is made anew by the next run, which succeeds; one that is
    current is left alone (the same revision), and one a run changed
    says so in its metadata."""
    src, _, _, _ = plain()
    with tempfile.TemporaryDirectory(prefix="cglu-shidx-") as t:
        db = os.path.join(t, "db")
        dic = os.path.join(db, "dictionary")
        run_indexer(["-q", "--db", db, "--shards", "2", src])

        def made_of():
            p = subprocess.run(["xapian-metadata", "get", dic,
                                "cglu.dict_of"], capture_output=True,
                               text=True, timeout=TIMEOUT)
            assert p.returncode == 0, p.stderr
            return p.stdout.strip()

        first = made_of()
        assert first.count(",") == 2, first  # one "uuid:rev," per shard
        run_indexer(["-q", "--db", db, src])  # nothing changed
        assert made_of() == first
        for name in os.listdir(dic):
            with open(os.path.join(dic, name), "wb") as f:
                f.write(b"not a database")
        run_indexer(["-q", "--db", db, "--rebuild", src])
        assert made_of() not in ("", first)
        check_db(dic)


if __name__ == "__main__":
    run_all(globals())
