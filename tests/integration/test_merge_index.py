#!/usr/bin/env python3
"""cglu-index --writers N (issue #16): a full build of an index of one
database by N writer threads, each a part PATH/part-KK, merged by one
compaction into PATH.compact and put in place of the index in one step.
The merged index holds what one writer builds (the same documents, terms
and term frequencies, metadata, spelling and synonyms: the same answers,
scores included; pages of equal score may come in another order, their
document numbers differ); a kill -9 at any point leaves the old index or
a state the next run converges from, and no part behind."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, fixture, prog, run_all  # noqa: E402
from daemon import (TIMEOUT, Daemon, WORDS, check_db,  # noqa: E402
                    db_info, doc_count, gen_folder, page_count, run_indexer,
                    run_summary as summary, same_answers, unreadable_file)

CORPUS = os.path.join(ROOT, "corpus")
SYNONYMS = "CGLU, UCLG, Cités et Gouvernements Locaux Unis\nville, cité\n"
QUERIES = ["gouvernements locaux", "cglu", "uclg", "villes durables",
           "démocratie", "\"gouvernements locaux\"", "gouv*",
           "autonomie -cglu", "cities", "ciudades", "gouvernemnts",
           "paix OR culture", "title:mission", "cité"]


def query_lines(queries):
    lines = []
    for q in queries:
        lines += ["SEARCH " + q, "SEARCH limit=3 offset=2 snippet=80 " + q,
                  "SEARCH snippet=0 facets=lang,section,tag " + q]
    return lines + ["SUGGEST gouv", "SUGGEST ville", "DOC 02-mission.txt",
                    "DOC en/01-about.txt"]


def answers(db, lines):
    with Daemon(db, check_exit=True, check_log=True) as d, d.conn() as c:
        return c.answers(lines)


def all_terms(db):
    """Every term of db with its frequency and collection frequency (not
    Xapian's bound on its wdf, which a writer may leave loose)."""
    out = subprocess.run(["xapian-delve", "-a", "-vv", "-1", db],
                         capture_output=True, timeout=TIMEOUT,
                         check=True).stdout.decode("utf-8", "replace")
    return [line.rsplit(" ", 1)[0] for line in out.splitlines()]


def leftovers(db):
    """Parts and compaction folders a build left."""
    left = [x for x in os.listdir(db) if x.startswith("part-")]
    if os.path.exists(db + ".compact"):
        left.append(db + ".compact")
    return left


@fixture
def built():
    """(the corpus copied with a synonyms file, its index by one writer,
    the answers of that index)."""
    t = tempfile.mkdtemp(prefix="cglu-merge-")
    src = os.path.join(t, "site")
    shutil.copytree(CORPUS, src)
    with open(os.path.join(src, ".synonyms"), "w") as f:
        f.write(SYNONYMS)
    one = os.path.join(t, "one.db")
    p = run_indexer(["-v", "--writers", "1", "--db", one, src])
    assert "parts" not in p.err, p.err
    lines = query_lines(QUERIES)
    yield src, one, lines, answers(one, lines)
    shutil.rmtree(t, ignore_errors=True)


def test_merged_build_same_as_one_writer():
    src, one, lines, want = built()
    with tempfile.TemporaryDirectory(prefix="cglu-merge-") as t:
        for n in (2, 3):
            db = os.path.join(t, "db%d" % n)
            p = run_indexer(["-v", "--writers", str(n), "--db", db, src])
            assert re.search(r"^cglu-index: %d parts written in " % n, p.err,
                             re.M), p.err
            assert re.search(r"^cglu-index: index compacted in .* \(%d parts "
                             r"merged\)$" % n, p.err, re.M), p.err
            assert summary(p)["added"] == page_count(src), p.out
            assert leftovers(db) == []
            check_db(db)
            assert doc_count(db) == doc_count(one) == page_count(src)
            assert all_terms(db) == all_terms(one)
            got = answers(db, lines)
            assert sum(len(x.get("hits", [])) for x in got) > 50
            same_answers(want, got, lines, one_db=True)
            # the next run reads the metadata: nothing to do, no revision
            rev = db_info(db)[0]
            p = run_indexer(["--db", db, src])
            assert summary(p)["unchanged"] == page_count(src), p.out
            assert db_info(db)[0] == rev


def test_merged_rebuild_counts_and_replaces():
    src, one, lines, want = built()
    with tempfile.TemporaryDirectory(prefix="cglu-merge-") as t:
        site = os.path.join(t, "site")
        shutil.copytree(src, site)
        dbs = [os.path.join(t, "w1"), os.path.join(t, "w2")]
        for db, n in zip(dbs, ("1", "2")):
            run_indexer(["-q", "--writers", n, "--db", db, site])
        os.remove(os.path.join(site, "en", "01-about.txt"))
        with open(os.path.join(site, "zz-new.txt"), "w") as f:
            f.write("Nouveau\n\nUne page xylophonique.\n")
        got = []
        for db, n in zip(dbs, ("1", "2")):
            ino = os.stat(db).st_ino
            p = run_indexer(["--rebuild", "--writers", n, "--db", db, site])
            got.append(summary(p))
            assert os.stat(db).st_ino != ino  # put in place in one step
            assert leftovers(db) == []
        assert got[0] == got[1], got
        assert (got[1]["added"], got[1]["deleted"]) == \
            (page_count(site), 1), got
        assert all_terms(dbs[0]) == all_terms(dbs[1])


def test_merged_generated_folder():
    """A generated folder of 600 pages: the same terms as one writer's."""
    with tempfile.TemporaryDirectory(prefix="cglu-merge-") as t:
        src = os.path.join(t, "gen")
        gen_folder(src, 600, 200, seed=11, extra="xylophone", every=7)
        one, two = os.path.join(t, "one"), os.path.join(t, "two")
        run_indexer(["-q", "--writers", "1", "--db", one, src])
        run_indexer(["-q", "--writers", "2", "--batch-size", "1", "--db",
                     two, src])
        assert all_terms(one) == all_terms(two)
        lines = ["SEARCH " + w for w in WORDS[10:20] + ["xylophone",
                                                       "ville région"]]
        lines += ["SEARCH limit=50 " + w for w in ("xylophone", "budget")]
        same_answers(answers(one, lines), answers(two, lines), lines,
                     one_db=True)


def test_one_writer_when_merging_would_lose_documents():
    """A feed's documents, or pages under an entry that cannot be read,
    are what a build from nothing would lose: such a rebuild takes one
    writer (a note says why) and keeps them."""
    with tempfile.TemporaryDirectory(prefix="cglu-merge-") as t:
        src = os.path.join(t, "site")
        shutil.copytree(CORPUS, src)
        db = os.path.join(t, "db")
        feed = os.path.join(t, "feed.jsonl")
        with open(feed, "w") as f:
            f.write('{"id": "f1", "title": "Flux", "text": "Un document '
                    'du flux xylophonique."}\n')
        run_indexer(["-q", "--db", db, "--feed", feed, src])
        n = page_count(src)
        assert doc_count(db) == n + 1
        p = run_indexer(["-v", "--rebuild", "--writers", "2", "--db", db, src])
        assert "one writer: the index holds a feed's documents" in p.err
        assert "parts written" not in p.err
        assert doc_count(db) == n + 1
        # a broken link: the pages under it are kept by one writer
        db2 = os.path.join(t, "db2")
        run_indexer(["-q", "--db", db2, src])
        os.symlink("nowhere", os.path.join(src, "gone.txt"))
        p = run_indexer(["-v", "--rebuild", "--writers", "2", "--db", db2,
                         src], rc=1)
        assert "one writer: entries of" in p.err, p.err
        assert "parts written" not in p.err
        # a dry run, --no-compact, --writers 1: one writer too
        for extra in (["--dry-run", "--writers", "2"],
                      ["--no-compact", "--writers", "2"], ["--writers", "1"]):
            p = run_indexer(["-v", "--rebuild", "--db", db2] + extra + [src],
                            rc=1)
            assert "parts written" not in p.err, (extra, p.err)


def test_failed_file_rebuilt_by_one_writer():
    """A merged rebuild in which a file fails runs again with one writer,
    which keeps the page's previous version (a build from nothing has
    none)."""
    target = unreadable_file()
    if target is None:
        print("     (skipped: no unreadable regular file on this system)")
        return
    with tempfile.TemporaryDirectory(prefix="cglu-merge-") as t:
        src = os.path.join(t, "site")
        shutil.copytree(CORPUS, src)
        db = os.path.join(t, "db")
        run_indexer(["-q", "--writers", "2", "--db", db, src])
        n = page_count(src)
        mission = os.path.join(src, "02-mission.txt")
        os.remove(mission)
        os.symlink(target, mission)
        p = run_indexer(["-v", "--rebuild", "--follow-symlinks", "--writers",
                         "2", "--db", db, src], rc=1)
        assert "1 file failed: building again with one writer" in p.err, \
            p.err
        assert summary(p)["failed"] == 1, p.out
        assert doc_count(db) == n and leftovers(db) == []
        with Daemon(db, check_exit=True, check_log=True) as d, \
                d.conn() as c:
            assert c.req("DOC 02-mission.txt")["ok"] is True


def test_writers_option_errors():
    with tempfile.TemporaryDirectory(prefix="cglu-merge-") as t:
        db = os.path.join(t, "db")
        for bad in ("0", "17", "x", "", "-1", "2x"):
            p = run_indexer(["--writers", bad, "--db", db, CORPUS], rc=2)
            assert p.err.splitlines() == [
                "cglu-index: --writers takes a number from 1 to 16"], \
                (bad, p.err)
        p = run_indexer(["--writers", "2", "--shards", "2", "--db", db,
                         CORPUS], rc=2)
        assert p.err.splitlines() == [
            "cglu-index: --writers is for an index of one database: with "
            "--shards, each shard has one writer"], p.err
        p = run_indexer(["--db", db, CORPUS, "--writers"], rc=2)
        assert p.err.splitlines() == [
            "cglu-index: option --writers: needs a value (see --help)"] or \
            len(p.err.splitlines()) == 1, p.err
        assert not os.path.exists(db)


def test_merged_build_draws_one_progress_bar():
    """On a terminal, the merged build's bar counts the parts' files
    together, and a part's line wipes it first."""
    with tempfile.TemporaryDirectory(prefix="cglu-merge-") as t:
        src = os.path.join(t, "gen")
        gen_folder(src, 300, 200, seed=3)
        master, slave = os.openpty()
        p = subprocess.Popen([os.path.abspath(prog("cglu-index")), "-v",
                              "--writers", "2", "--db",
                              os.path.join(t, "db"), src],
                             stdout=slave, stderr=slave)
        os.close(slave)
        out = b""
        try:
            while True:
                chunk = os.read(master, 1 << 16)
                if not chunk:
                    break
                out += chunk
        except OSError:
            pass  # EIO: the program closed the terminal
        finally:
            os.close(master)
        assert p.wait(TIMEOUT) == 0
        text = out.decode("utf-8", "replace")
        assert re.search(r"\] 300/300 files ", text), text[-500:]
        bars = re.findall(r"\] (\d+)/300 files ", text)
        assert [int(x) for x in bars] == sorted(int(x) for x in bars)
        # a line is said on a wiped line: no bar left in front of it (a
        # bar is drawn at most so often: a fast build may draw none
        # before its lines, so only what is drawn is checked)
        assert not re.search(r"files [^\r\n]*cglu-index: added", text)
        for m in re.finditer(r"\] \d+/300 files [^\r\n]*\r", text):
            nxt = text[m.end():m.end() + 40]
            assert nxt.startswith("\x1b[K") or nxt.startswith("\n"), nxt
        assert "indexed 300 files: 300 added" in text


def kill_when(cmd, seen, timeout=120):
    """Run cmd and SIGKILL it once seen() is true (polled every
    millisecond or so); (killed, seen) as they turned out."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    end = time.monotonic() + timeout
    hit = False
    while p.poll() is None and time.monotonic() < end:
        if seen():
            hit = True
            p.send_signal(signal.SIGKILL)
            break
        time.sleep(0.001)
    if p.poll() is None and not hit:
        p.send_signal(signal.SIGKILL)
    p.wait(TIMEOUT)
    return p.returncode == -signal.SIGKILL, hit


def test_kill_mid_merged_build_then_rerun():
    """kill -9 during a merged first build, then during merged rebuilds in
    each of its phases (parts being written, the merge into PATH.compact,
    the exchange just made): the index is the old one or the new one,
    whole (xapian-check, its document count), and the next run converges
    and removes what the build left."""
    with tempfile.TemporaryDirectory(prefix="cglu-merge-") as t:
        src = os.path.join(t, "big")
        gen_folder(src, 2000, 300, seed=5)
        db = os.path.join(t, "db")
        cmd = [os.path.abspath(prog("cglu-index")), "-q", "--db", db,
               "--writers", "2", src]

        def parts():
            try:
                return any(x.startswith("part-") for x in os.listdir(db))
            except OSError:
                return False

        def merging():
            return os.path.exists(db + ".compact")
        killed, hit = kill_when(cmd, parts)
        assert killed and hit, "finished before the kill"
        assert doc_count(db) == 0  # nothing shown before the exchange
        p = run_indexer(["--db", db, "--writers", "2", src], timeout=300)
        assert summary(p)["added"] == 2000, p.out
        assert leftovers(db) == [] and doc_count(db) == 2000
        def exchanged():
            try:
                return os.stat(db).st_ino != ino
            except OSError:
                return False
        landed = {"parts": 0, "merge": 0, "exchanged": 0}
        for phase, seen in (("parts", parts), ("merge", merging),
                            ("merge", merging), ("merge", merging),
                            ("exchanged", exchanged)):
            uuid, ino = db_uuid(db), os.stat(db).st_ino
            killed, hit = kill_when(cmd + ["--rebuild"], seen)
            landed[phase] += killed and hit
            check_db(db)
            assert doc_count(db) == 2000
            if parts():  # not exchanged: the old index
                assert db_uuid(db) == uuid
        p = run_indexer(["--db", db, src], timeout=300)
        assert summary(p)["unchanged"] == 2000, p.out
        assert leftovers(db) == []
        assert landed["parts"] == 1, landed
        print("     kills that landed, by phase: %s" % landed)


def db_uuid(db):
    out = subprocess.run(["xapian-delve", db], capture_output=True,
                         timeout=TIMEOUT, check=True).stdout.decode()
    m = re.search(r"^UUID = (\S+)$", out, re.M)
    assert m, out
    return m.group(1)


if __name__ == "__main__":
    run_all(globals())
