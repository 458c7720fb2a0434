#!/usr/bin/env python3
"""cglu-index --feed end to end: documents without files pushed as JSON
lines (from a file or standard input), added, replaced by id, skipped when
unchanged, deleted; a bad line said with its number while the others are
indexed (exit 1); feed and folder documents side by side, neither run
deleting the other's; searched by the real daemon like any page."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import prog, run_all  # noqa: E402
from daemon import Daemon, run_indexer  # noqa: E402


class Tmp:
    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="cglu-feed-")
        self.db = os.path.join(self.dir, "db")
        self.site = os.path.join(self.dir, "site")
        os.makedirs(self.site)
        with open(os.path.join(self.site, "page.md"), "w") as f:
            f.write("# Une page\n\nUne page du dossier sur les villes.\n")
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def feed(self, entries, name="feed.jsonl"):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            for e in entries:
                f.write(e if isinstance(e, str) else json.dumps(e))
                f.write("\n")
        return path

    def index(self, *args, rc=0, stdin=None):
        if stdin is None:
            return run_indexer(["--db", self.db] + list(args), rc=rc)
        cmd = [os.path.abspath(prog("cglu-index")), "--db", self.db] + \
            list(args)
        p = subprocess.run(cmd, input=stdin.encode(), capture_output=True,
                           timeout=60)
        p.out = p.stdout.decode()
        p.err = p.stderr.decode()
        assert p.returncode == rc, (p.returncode, p.err)
        return p


def summary(p):
    """{word: count} of the summary line."""
    line = p.out.strip().splitlines()[-1]
    words = line.replace(";", ",").split(",")
    out = {}
    for w in words:
        parts = w.split()
        if len(parts) >= 2 and parts[-2].isdigit():
            out[parts[-1]] = int(parts[-2])
    return out


NEWS = {"id": "news/1", "title": "Congrès de Lyon", "url": "https://ex.org/1",
        "text": "Lyon accueille le congrès mondial des villes.",
        "lang": "fr", "date": "2025-07-01T10:00:00Z",
        "tags": ["Congrès", "villes"], "section": "Actualités",
        "description": "Le congrès en une phrase."}
HTML = {"id": "news/2",
        "html": "<html lang='en'><head><title>Urban news</title>"
                "<meta name='description' content='News in English.'>"
                "</head><body><main><p>Mayors of many cities met."
                "</p></main></body></html>"}


def test_add_update_unchanged_delete():
    with Tmp() as t:
        f = t.feed([NEWS, HTML])
        p = t.index("--feed", f)
        assert summary(p)["added"] == 2, p.out
        with Daemon(t.db) as d, d.conn() as c:
            h = c.req("SEARCH lyon")["hits"]
            assert [x["id"] for x in h] == ["news/1"], h
            assert h[0]["title"] == "Congrès de Lyon" and \
                h[0]["url"] == "https://ex.org/1" and \
                h[0]["date"] == "2025-07-01" and h[0]["lang"] == "fr" and \
                h[0]["section"] == "actualités" and \
                h[0]["tags"] == ["congrès", "villes"], h
            # html extracted: its title, language and description
            h = c.req("SEARCH lang=en mayor")["hits"]
            assert [x["id"] for x in h] == ["news/2"], h
            assert h[0]["title"] == "Urban news" and h[0]["lang"] == "en"
            assert h[0]["section"] == "news", h  # the id's first segment
        # pushed again unchanged (another key order, blanks): skipped
        again = [json.dumps(dict(reversed(list(NEWS.items())))),
                 " " + json.dumps(HTML) + " "]
        p = t.index("--feed", t.feed(again))
        s = summary(p)
        assert s["unchanged"] == 2 and s["added"] == 0 and \
            s["updated"] == 0, p.out
        # one changed: replaced by id
        changed = dict(NEWS, title="Congrès de Marseille",
                       text="Marseille accueille le congrès.")
        p = t.index("--feed", t.feed([changed]))
        assert summary(p)["updated"] == 1, p.out
        with Daemon(t.db) as d, d.conn() as c:
            assert c.req("SEARCH lyon")["total"] == 0
            assert [x["id"] for x in c.req("SEARCH marseille")["hits"]] \
                == ["news/1"]
            assert c.req("STATS")["documents"] == 2
        # deleted, from standard input
        p = t.index("--feed", "-", stdin='{"id":"news/1","deleted":true}\n')
        assert summary(p)["deleted"] == 1, p.out
        p = t.index("--feed", "-", stdin='{"id":"news/1","deleted":true}\n')
        assert summary(p)["deleted"] == 0, p.out  # already gone: nothing
        with Daemon(t.db) as d, d.conn() as c:
            assert c.req("STATS")["documents"] == 1
            assert c.req("DOC news/1")["error"] == "not_found"


def test_bad_lines_said_the_rest_indexed():
    with Tmp() as t:
        f = t.feed([NEWS, '{"id":"x","titel":"typo","text":"a"}', "not json",
                    "", '{"id":"y","text":"b","date":"2025-02-30"}', HTML,
                    '{"text":"no id"}'])
        p = t.index("--feed", f, rc=1)
        assert "feed.jsonl: line 2: unknown key \"titel\"" in p.err, p.err
        assert "feed.jsonl: line 3: not valid JSON" in p.err, p.err
        assert "feed.jsonl: line 5: date" in p.err, p.err
        assert "feed.jsonl: line 7: " in p.err and "id" in p.err, p.err
        s = summary(p)
        assert s["added"] == 2 and s["failed"] == 4, p.out
        with Daemon(t.db) as d, d.conn() as c:
            assert c.req("STATS")["documents"] == 2
        # an unreadable feed is a usage error: the index is left alone
        p = t.index("--feed", os.path.join(t.dir, "nope.jsonl"), rc=2)
        assert "--feed: cannot open" in p.err, p.err
        p = t.index("--feed", "", rc=2)
        assert "--feed needs a file" in p.err, p.err


def test_feed_and_folders_side_by_side():
    with Tmp() as t:
        t.index(t.site)
        t.index("--feed", t.feed([NEWS]))
        # a folder run keeps the feed's documents, and says nothing of them
        p = t.index(t.site)
        assert summary(p)["deleted"] == 0, p.out
        assert "feed" not in p.err, p.err
        with Daemon(t.db) as d, d.conn() as c:
            ids = sorted(h["id"] for h in
                         c.req("SEARCH limit=50 villes")["hits"])
            assert ids == ["news/1", "page.md"], ids
        # a feed run keeps the folder's documents
        p = t.index("--feed", t.feed([HTML]))
        assert summary(p)["deleted"] == 0, p.out
        with Daemon(t.db) as d, d.conn() as c:
            assert c.req("STATS")["documents"] == 3
        # both in one run
        p = t.index("--feed", t.feed([NEWS, HTML]), t.site)
        s = summary(p)
        assert s["unchanged"] == 3 and s["deleted"] == 0, p.out
        # an entry whose body is now empty is no longer a document
        p = t.index("--feed", t.feed([dict(NEWS, text="")]))
        assert summary(p)["deleted"] == 1, (p.out, p.err)
        assert "skipped news/1" in p.err, p.err


def test_limits_and_ids():
    with Tmp() as t:
        t.index(t.site)
        long_desc = "Une phrase. " * 20000  # 240 KB: cut as a page's
        entries = [dict(NEWS, description=long_desc),
                   {"id": "https://ex.org/x", "text": "Une adresse pour id.",
                    "url": "https://ex.org/" + "a" * 3000},
                   {"id": "page.md", "text": "Le même id qu'un fichier."}]
        p = t.index("--feed", t.feed(entries), rc=1)
        assert "failed page.md" in p.err and "has that id" in p.err, p.err
        s = summary(p)
        assert s["added"] == 2 and s["failed"] == 1, p.out
        with Daemon(t.db) as d, d.conn() as c:
            z = c.req("SEARCH limit=50 snippet=1000 lyon")["hits"][0]
            assert z["id"] == "news/1", z
            r = c.req("SEARCH adresse")["hits"][0]
            assert r["id"] == "https://ex.org/x" and "section" not in r, r
            assert r["url"] == "https://ex.org/x", r  # the long url: none
            assert c.req("DOC page.md")["title"] == "Une page"
            assert c.req("STATS")["documents"] == 3


def test_rebuilds_keep_the_other_kind():
    with Tmp() as t:
        t.index(t.site)
        t.index("--feed", t.feed([NEWS, HTML]))
        # a folders' rebuild keeps the feed's documents, a feed's the
        # folders'; each deletes its own kind it did not see
        p = t.index("--rebuild", t.site)
        assert summary(p)["deleted"] == 0, p.out
        p = t.index("--rebuild", "--feed", t.feed([NEWS]))
        assert summary(p)["deleted"] == 1, p.out  # news/2
        with Daemon(t.db) as d, d.conn() as c:
            ids = sorted(h["id"] for h in
                         c.req("SEARCH limit=50 villes OR page")["hits"])
            assert ids == ["news/1", "page.md"], ids


if __name__ == "__main__":
    run_all(globals())
