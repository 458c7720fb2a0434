#!/usr/bin/env python3
"""Synonyms end to end: a folder's .synonyms and --synonyms FILE read by
the real cglu-index, stored in the index, applied by the real daemon to
SEARCH (picked up without a restart); refused lines with their numbers and
the exit status docs/PROTOCOL.md gives; the file never a document."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, run_all  # noqa: E402
from daemon import (  # noqa: E402
    Daemon, check_db, corpus_ids, run_indexer, wait_until)

CORPUS = os.path.join(ROOT, "corpus")
REOPEN = 10  # seconds: the daemon looks every 100 ms


class Copy:
    """A temporary copy of the shipped corpus (src, with its .synonyms)
    and the path of its index (db); removed at the end."""

    def __enter__(self):
        self.tmp = tempfile.mkdtemp(prefix="cglu-syn-")
        self.src = os.path.join(self.tmp, "corpus")
        shutil.copytree(CORPUS, self.src)
        self.db = os.path.join(self.tmp, "db")
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    def index(self, *args, rc=0):
        return run_indexer(["--db", self.db] + list(args) + [self.src],
                           rc=rc, cwd=self.tmp)

    def synonyms(self, text):
        with open(os.path.join(self.src, ".synonyms"), "w",
                  encoding="utf-8") as f:
            f.write(text)


def search(conn, query):
    """(total, sorted ids) of SEARCH query."""
    r = conn.req("SEARCH limit=50 " + query)
    assert r["ok"], r
    return r["total"], sorted(h["id"] for h in r["hits"])


def test_shipped_file():
    """corpus/.synonyms: uclg finds what cglu finds, and so do the full
    names; the file itself is no document."""
    with Copy() as c:
        p = c.index("-v")
        assert ".synonyms" not in p.out + p.err, p.out + p.err
        check_db(c.db)
        with Daemon(c.db, check_exit=True) as d, d.conn() as k:
            cglu = search(k, "cglu")
            assert cglu[0] >= 5, cglu
            assert search(k, "uclg") == cglu
            assert search(k, "UCLG") == cglu
            for name in ("united cities and local governments",
                         "Ciudades y Gobiernos Locales Unidos",
                         "cités et gouvernements locaux unis"):
                assert search(k, name) == cglu, name
            # every id is a page of the corpus, never the file
            everything = search(k, "cglu OR gouvernements OR synonyms")[1]
            assert set(everything) <= set(corpus_ids()), everything
            assert not any(i.startswith(".") for i in everything)
            r = k.req("DOC .synonyms")
            assert not r["ok"], r
            # the synonyms' words are highlighted in snippets
            r = k.req("SEARCH uclg")
            assert any("<mark>" in h.get("snippet", "") for h in r["hits"]), r


def test_without_synonyms_fewer():
    """Without the file, uclg finds only the page that says it (what the
    issue saw); with it, the same as cglu."""
    with Copy() as c:
        os.unlink(os.path.join(c.src, ".synonyms"))
        c.index()
        with Daemon(c.db) as d, d.conn() as k:
            few = search(k, "uclg")
            assert few[0] < search(k, "cglu")[0], few


def test_removed_line_live():
    """Removing the line and indexing again (nothing else changed) takes
    the synonyms away; the running daemon sees it after its reopen, and
    sees them come back the same way."""
    with Copy() as c:
        c.index()
        with Daemon(c.db, check_exit=True) as d, d.conn() as k:
            cglu = search(k, "cglu")
            assert search(k, "uclg") == cglu
            c.synonyms("# nothing left\n")
            p = c.index()
            assert "0 added, 0 updated, 0 deleted" in p.out, p.out
            assert wait_until(lambda: search(k, "uclg")[0] < cglu[0],
                              REOPEN), search(k, "uclg")
            c.synonyms("CGLU, UCLG\n")
            c.index()
            assert wait_until(lambda: search(k, "uclg") == search(k, "cglu"),
                              REOPEN)


def test_unchanged_run_no_commit():
    """A second run over the same files and synonyms writes no revision."""
    with Copy() as c:
        c.index()
        before = revision(c.db)
        c.index()
        assert revision(c.db) == before


def revision(db):
    out = subprocess.run(["xapian-delve", db], capture_output=True,
                         timeout=30, check=True).stdout.decode()
    for line in out.splitlines():
        if line.startswith("revision = "):
            return int(line.split("=")[1])
    raise AssertionError(out)


def test_synonyms_option():
    """--synonyms FILE adds groups to the folder's; without it next time,
    they are gone; a FILE that cannot be read is a usage error (2) that
    leaves the index alone."""
    with Copy() as c:
        extra = os.path.join(c.tmp, "more.syn")
        with open(extra, "w", encoding="utf-8") as f:
            f.write("# more\nbarcelone, catalogne\n")
        c.index("--synonyms", extra)
        with Daemon(c.db) as d, d.conn() as k:
            barca = search(k, "barcelone")
            assert barca[0] > 0, barca
            assert search(k, "catalogne") == barca
            assert search(k, "uclg") == search(k, "cglu")  # the folder's too
            c.index()
            assert wait_until(lambda: search(k, "catalogne")[0] == 0, REOPEN)
        before = revision(c.db)
        p = c.index("--synonyms", os.path.join(c.tmp, "missing"), rc=2)
        assert "cannot read" in p.err and "missing" in p.err, p.err
        assert revision(c.db) == before
        p = run_indexer(["--db", c.db] + ["--synonyms", extra] * 17 +
                        [c.src], rc=2, cwd=c.tmp)
        assert "more than 16 times" in p.err, p.err


def test_bad_lines():
    """A refused line: FILE:LINE: message on stderr, exit 1, the other
    lines applied and the documents indexed."""
    with Copy() as c:
        c.synonyms("# comment\nCGLU, UCLG\nseul\n")
        with open(os.path.join(c.src, ".synonyms"), "ab") as f:
            f.write(b"bien, \xc3(mal\n")  # not UTF-8
        p = c.index(rc=1)
        name = os.path.join(c.src, ".synonyms")
        assert "%s:3: a group needs two different entries" % name in p.err, \
            p.err
        assert "%s:4: not valid UTF-8" % name in p.err, p.err
        assert "added" in p.out, p.out
        with Daemon(c.db) as d, d.conn() as k:
            assert search(k, "uclg") == search(k, "cglu")
            assert search(k, "cglu")[0] >= 5
        # the same refused lines again: exit 1 again, nothing to commit
        before = revision(c.db)
        c.index(rc=1)
        assert revision(c.db) == before
        # -q keeps errors
        p = c.index("-q", rc=1)
        assert ":3: " in p.err and p.out == "", (p.out, p.err)


def test_dry_run():
    """A dry run says it would replace the synonyms and writes nothing."""
    with Copy() as c:
        c.index()
        c.synonyms("CGLU, réseau\n")
        before = revision(c.db)
        p = c.index("--dry-run")
        assert "would replace the synonyms" in p.err, p.err
        assert revision(c.db) == before


run_all(globals())
