"""Search behaviour through the protocol: French matching, query language,
ranking, snippets and escaping, and a live re-index picked up without a
restart while another connection keeps querying."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, proc_rss_mb, prog, run_all  # noqa: E402
from daemon import Daemon, build_index  # noqa: E402

TMP = tempfile.mkdtemp(prefix="cglu-search-")

# Each document's text; the tests below rely on what is (not) in them.
DOCS = {
    "gouv.txt": "---\ntitle: Les gouvernements locaux\n---\n"
                "Les Gouvernements locaux et les ÉLUS de la collectivité.\n",
    "elus.txt": "---\ntitle: Élections\n---\nLe vote des élus régionaux.\n",
    "unaccented.txt": "---\ntitle: Sans accents\n---\n"
                      "Le role des elus regionaux dans la cooperation.\n",
    "oeuvre.txt": "---\ntitle: Patrimoine\n---\n"
                  "Une œuvre d'art et l'autonomie qu'elle défend.\n",
    "dept.txt": "---\ntitle: Départements\n---\n"
                "Le département et la démocratie participative.\n",
    "coop.txt": "---\ntitle: Coopération\n---\n"
                "La coopération décentralisée entre villes jumelles.\n",
    "script.html": "<html><head><title>Sécurité</title></head><body>"
                   "<p>Un texte sur la sécurité: &lt;script&gt;alert(1)"
                   "&lt;/script&gt; & \"guillemets\" dans la page.</p></body></html>",
    "phrase-a.txt": "---\ntitle: A\n---\nLa voix unifiée des villes du monde.\n",
    "phrase-b.txt": "---\ntitle: B\n---\nLa voix des villes, une action unifiée.\n",
    "maire.txt": "---\ntitle: Maire\n---\nLe maire de la ville.\n",
    "mer.txt": "---\ntitle: Mer\n---\nLa mer et la vie.\n",
}


def make_corpus(path):
    os.makedirs(path, exist_ok=True)
    for name, text in DOCS.items():
        with open(os.path.join(path, name), "w", encoding="utf-8") as f:
            f.write(text)


SRC = os.path.join(TMP, "src")
make_corpus(SRC)
DB = build_index(SRC, os.path.join(TMP, "db"))


class Client:
    def __init__(self, d):
        self.sock = d.connect()
        self.f = self.sock.makefile("rb")

    def req(self, line):
        self.sock.sendall(line.encode("utf-8") + b"\n")
        return json.loads(self.f.readline())

    def ids(self, query):
        r = self.req("SEARCH " + query)
        assert r["ok"], r
        return [h["id"] for h in r["hits"]]

    def close(self):
        self.f.close()
        self.sock.close()


DAEMON = Daemon(DB)
C = Client(DAEMON)


def test_french_matching_table():
    # (query, document that must be found)
    table = [
        ("gouvernement", "gouv.txt"), ("GOUVERNEMENTS", "gouv.txt"),
        ("elus", "elus.txt"), ("élus", "unaccented.txt"), ("ÉLUS", "gouv.txt"),
        ("regional", "elus.txt"), ("régionaux", "unaccented.txt"),
        ("oeuvre", "oeuvre.txt"), ("ŒUVRE", "oeuvre.txt"),
        ("autonomie", "oeuvre.txt"), ("l'autonomie", "oeuvre.txt"),
        ("L’AUTONOMIE", "oeuvre.txt"), ("qu'elle défend", "oeuvre.txt"),
        ("departement", "dept.txt"), ("democratique", "dept.txt"),
        ("cooperation", "coop.txt"), ("coopération", "unaccented.txt"),
        ("collectivites", "gouv.txt"), ("décentralisées", "coop.txt"),
        ("DECENTRALISEES", "coop.txt"), ("jumelle", "coop.txt"),
    ]
    for q, doc in table:
        ids = C.ids(q)
        assert doc in ids, (q, doc, ids)
    # Must not match: maire/mer, ville/vie.
    assert "mer.txt" not in C.ids("maire")
    assert "maire.txt" not in C.ids("mer")
    assert "mer.txt" not in C.ids("ville")


def test_exact_accents_rank_first():
    assert C.ids("élus régionaux")[0] == "elus.txt"
    assert C.ids("elus regionaux")[0] == "unaccented.txt"


def test_phrase_and_proximity():
    assert C.ids('"voix unifiée"') == ["phrase-a.txt"]
    ids = C.ids("voix unifiée")
    assert ids[:2] == ["phrase-a.txt", "phrase-b.txt"], ids


def test_query_language():
    assert "coop.txt" not in C.ids("villes -jumelles")
    assert "phrase-a.txt" in C.ids("villes -jumelles")
    assert set(C.ids("maire OR mer")) == {"maire.txt", "mer.txt"}
    assert "coop.txt" in C.ids("décentral*")
    assert "coop.txt" in C.ids("decentral*")
    assert C.ids("title:patrimoine") == ["oeuvre.txt"]
    assert C.ids("title:autonomie") == []
    r = C.req("SEARCH xyzzyq maire")
    assert r.get("relaxed") is True and r["hits"][0]["id"] == "maire.txt"
    r = C.req("SEARCH mairre")
    assert r.get("suggestion") == "maire", r


def test_forgiving_input():
    for q in ['"voix unifiée', '"', "OR", "-", "*", "a*", "title:", "-\"\"",
              "!!! ??? ...", "((((", "\\", "é" * 3000, "mot " * 2000]:
        r = C.req("SEARCH " + q[:8000])
        assert r["ok"] is True, (q[:40], r)
        assert isinstance(r["hits"], list)


def test_snippet_marks_and_escaping():
    r = C.req("SEARCH gouvernement")
    s = r["hits"][0]["snippet"]
    assert "<mark>Gouvernements</mark>" in s, s
    r = C.req("SEARCH sécurité")
    hit = [h for h in r["hits"] if h["id"] == "script.html"][0]
    s = hit["snippet"]
    assert "<script>" not in s and "&lt;script&gt;" in s, s
    assert "&amp;" in s and "&quot;" in s, s
    assert s.count("<mark>") == s.count("</mark>") >= 1
    r = C.req("SEARCH snippet=0 sécurité")
    assert "snippet" not in r["hits"][0]


def test_title_only_match_gets_first_sentences():
    r = C.req("SEARCH patrimoine")
    s = r["hits"][0]["snippet"]
    assert s.startswith("Une œuvre d&#39;art") or s.startswith("Une œuvre"), s


def test_live_reindex_without_restart():
    """A re-index is served without a restart (the daemon looks every
    100 ms), with zero failed or malformed answers on a connection that
    keeps querying meanwhile."""
    errors = []
    stop = threading.Event()
    count = [0]

    def hammer():
        c = Client(DAEMON)
        try:
            deadline = time.time() + 60
            while not stop.is_set() and time.time() < deadline:
                r = c.req("SEARCH limit=5 villes")
                count[0] += 1
                if not r.get("ok") or not isinstance(r.get("hits"), list):
                    errors.append(r)
        except Exception as e:  # a malformed line or a dropped connection
            errors.append(repr(e))
        finally:
            c.close()

    t = threading.Thread(target=hammer)
    t.start()
    try:
        for round_ in range(3):
            word = "zanzibarique%d" % round_
            with open(os.path.join(SRC, "new%d.txt" % round_), "w") as f:
                f.write("Nouveau\n\nUne ville %s.\n" % word)
            p = subprocess.run([prog("cglu-index"), "-q", "--db", DB, SRC],
                               timeout=60)
            assert p.returncode == 0
            # the daemon looks every 100 ms; how late a loaded machine
            # runs it is not the daemon's: a wide bound, the delay printed
            committed = time.monotonic()
            while C.req("SEARCH " + word)["total"] != 1:
                assert time.monotonic() - committed < 30, \
                    "not visible after 30 s"
                time.sleep(0.02)
            print("     round %d served %.0f ms after the commit"
                  % (round_, (time.monotonic() - committed) * 1000))
        p = subprocess.run([prog("cglu-index"), "-q", "--rebuild", "--db", DB,
                            SRC], timeout=60)
        assert p.returncode == 0
    finally:
        stop.set()
        t.join(30)
    assert not errors, errors[:3]
    assert count[0] > 10, count[0]


def sanitized():
    """The daemon is an AddressSanitizer build (make test-asan)."""
    p = subprocess.run(["ldd", prog("cglu-searchd")], capture_output=True,
                       timeout=30)
    return b"libasan" in p.stdout


def test_answer_limit_and_memory_bound():
    """An answer larger than the per-answer limit is one whole too_large
    error line, never a JSON line with a hole; clients that pipeline big
    answers and never read cost a bounded amount each."""
    src = os.path.join(TMP, "big")
    os.makedirs(src, exist_ok=True)
    word = "mot%d lié, "
    with open(os.path.join(src, "big.txt"), "w", encoding="utf-8") as f:
        f.write("Gros\n\n" + "".join(word % i for i in range(20000)))
    with open(os.path.join(src, "mid.txt"), "w", encoding="utf-8") as f:
        f.write("Moyen\n\n" + "".join(word % i for i in range(4000)))
    db = build_index(src, os.path.join(TMP, "db-big"))
    # --max-output 256 KB: answers up to 64 KB (a quarter, at least 64 KB).
    with Daemon(db, "--max-output", "262144") as d:
        c = Client(d)
        r = c.req("DOC big.txt")  # about 200 KB of text
        assert r == {"ok": False, "error": "too_large",
                     "message": r.get("message")} and r["message"], r
        r = c.req("DOC mid.txt")  # about 40 KB: fits
        assert r["ok"] is True and len(r["text"]) > 30000
        c.close()
        base = proc_rss_mb(d.proc.pid)
        socks = []
        for _ in range(4):
            s_ = d.connect()
            s_.sendall(b"DOC mid.txt\n" * 200)
            socks.append(s_)
        time.sleep(2)
        grown = proc_rss_mb(d.proc.pid) - base
        # 4 clients x (2 x 256 KB + 64 KB) plus allocator slack; under
        # AddressSanitizer (quarantine, redzones) RSS says nothing about it.
        if not sanitized():
            assert grown < 16, "daemon grew %.1f MB" % grown
        print("     4 non-reading clients x 200 DOC of 40 KB: RSS +%.1f MB"
              % grown)
        c2 = Client(d)
        assert c2.req("PING")["pong"] is True
        c2.close()
        for s_ in socks:
            s_.close()


def test_client_refuses_a_request_too_long():
    p = subprocess.run([prog("cglu-search"), "--host", DAEMON.address,
                        "mission", "x" * 9000], capture_output=True,
                       timeout=30)
    assert p.returncode == 2, p
    assert b"longer than 8192" in p.stderr, p.stderr


def test_password_with_edge_spaces_refused():
    pw = os.path.join(TMP, "pw")
    with open(pw, "w") as f:
        f.write("secret \n")
    os.chmod(pw, 0o600)
    p = subprocess.run([prog("cglu-searchd"), "--db", DB, "--listen",
                        "127.0.0.1:0", "--password-file", pw],
                       capture_output=True, timeout=30)
    assert p.returncode == 2, p
    assert len(p.stderr.splitlines()) == 1 and b"space" in p.stderr, p.stderr


def test_shutdown_clean():
    """A daemon of its own (the shared one serves every test, in any order):
    SIGTERM after a search exits 0, logs its stop, and no sanitizer report."""
    d = Daemon(DB)
    c = Client(d)
    try:
        assert c.ids("gouvernements") == ["gouv.txt"]
    finally:
        c.close()
        rc = d.stop()
    log = d.text()
    os.unlink(d.logpath)
    assert rc == 0, log
    assert log.rstrip("\n").split("\n")[-1] == "info: stopped", log
    assert "Sanitizer" not in log and "runtime error" not in log, log


try:
    run_all(globals())
finally:
    C.close()
    DAEMON.stop()
    os.unlink(DAEMON.logpath)
    shutil.rmtree(TMP, ignore_errors=True)
