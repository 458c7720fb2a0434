"""The one cglu-searchd helper of the Python tests (integration and soak):
Daemon runs the real daemon on 127.0.0.1, port 0 (the port read from the
first line of its log), Conn is one TCP client of it. Every wait is
bounded; the daemon's log goes to a file, never to a pipe that nobody
reads (a daemon that logs more than a pipe holds would block). Also the
index helpers the tests share: cglu-index runs, xapian-check and
xapian-delve, generated folders of French-like text."""
import atexit
import copy
import errno
import glob
import json
import os
import random
import re
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from harness import (ROOT, after_each_test, proc_fds, proc_rss_mb, prog,
                     scope)

HOST = "127.0.0.1"
TIMEOUT = 30  # seconds: any one wait (start, stop, an answer)
MAX_ANSWER = 64 << 20  # bytes: an answer line longer than this is a bug


def build_index(src=None, db=None):
    """Index src (default: the shipped corpus) into db (default: a temp
    dir); returns the db path."""
    db = db or os.path.join(tempfile.mkdtemp(prefix="cglu-test-"), "db")
    run_indexer(["-q", "--db", db, src or os.path.join(ROOT, "corpus")])
    return db


def remove_db(db):
    shutil.rmtree(os.path.dirname(db), ignore_errors=True)

def corpus_ids():
    """The ids of the shipped corpus's pages: their paths under corpus/
    (its subfolders en/ and es/ too), hidden files (.synonyms) left out."""
    corpus = os.path.join(ROOT, "corpus")
    ids = []
    for dirpath, dirs, files in os.walk(corpus):
        dirs[:] = [x for x in dirs if not x.startswith(".")]
        ids += [os.path.relpath(os.path.join(dirpath, f), corpus)
                for f in files if not f.startswith(".")]
    return sorted(ids)


def run_indexer(args, rc=0, cwd=None, env=None, timeout=120):
    """cglu-index with args; p.out and p.err are its output as text. Its
    exit status is checked when rc is not None."""
    cmd = [os.path.abspath(prog("cglu-index"))] + list(args)
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=timeout,
                       env=env)
    p.out = p.stdout.decode("utf-8", "replace")
    p.err = p.stderr.decode("utf-8", "replace")
    if rc is not None:
        assert p.returncode == rc, "%s: exit %d, want %d\nstdout: %s\n" \
            "stderr: %s" % (" ".join(cmd), p.returncode, rc, p.out, p.err)
    return p


def check_db(db, copy=False):
    """The index passes xapian-check; copy: check a copy (xapian-check
    opens the tables read/write, which a read-only file system refuses)."""
    if copy:
        dst = os.path.join(tempfile.mkdtemp(prefix="cglu-check-"), "db")
        try:
            shutil.copytree(db, dst)
            return check_db(dst)
        finally:
            shutil.rmtree(os.path.dirname(dst), ignore_errors=True)
    p = subprocess.run(["xapian-check", db], capture_output=True,
                       timeout=TIMEOUT)
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0 and "No errors found" in out, \
        "xapian-check %s: exit %d\n%s%s" % (
            db, p.returncode, out, p.stderr.decode(errors="replace"))


def db_info(db):
    """(revision, documents) from xapian-delve's summary."""
    out = subprocess.run(["xapian-delve", db], capture_output=True,
                         timeout=TIMEOUT, check=True).stdout.decode()
    rev = re.search(r"^revision = (\d+)$", out, re.M)
    n = re.search(r"^number of documents = (\d+)$", out, re.M)
    assert rev and n, out
    return int(rev.group(1)), int(n.group(1))


# A small French vocabulary: generated documents reuse it, as real text
# does (a vocabulary of random words makes Xapian's spelling table, and so
# the run, much slower than real documents would).
WORDS = ("le la les de des du un une et en à au aux pour par sur dans "
         "ville région commune développement économie publique local "
         "gouvernement coopération démocratie autonomie association réseau "
         "mondial action politique citoyen territoire service culture "
         "éducation santé habitant quartier mairie budget transport "
         "logement").split()


def gen_folder(path, nfiles, nwords, seed, vocab=WORDS, cum_weights=None,
               extra=None, every=10):
    """nfiles .txt files "Document numéro I" of nwords words of vocab
    (drawn by cum_weights, else evenly) in 20 subfolders; extra (a word)
    goes into every every-th file. Returns the number of files holding
    extra."""
    r = random.Random(seed)
    marked = 0
    for i in range(nfiles):
        if cum_weights:
            words = r.choices(vocab, cum_weights=cum_weights, k=nwords)
        else:
            words = [r.choice(vocab) for _ in range(nwords)]
        if extra and i % every == 0:
            words.append(extra)
            marked += 1
        sub = os.path.join(path, "d%02d" % (i % 20))
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, "f%04d.txt" % i), "w",
                  encoding="utf-8") as f:
            f.write("Document numéro %d\n\n%s\n" % (i, " ".join(words)))
    return marked


def free_port():
    """A port of 127.0.0.1 free now (for programs that take no port 0)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def index_into(src, db, *args):
    """cglu-index -q --db db args src, which must succeed."""
    p = subprocess.run([os.path.abspath(prog("cglu-index")), "-q", "--db",
                        db] + list(args) + [src],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p


SUMMARY = re.compile(r"(\d+) files: (\d+) added, (\d+) updated, (\d+) "
                     r"deleted, (\d+) unchanged, (\d+) skipped, (\d+) failed")


def run_summary(p):
    """The counts of cglu-index's summary line."""
    m = SUMMARY.search(p.out)
    assert m, p.out
    keys = ("files", "added", "updated", "deleted", "unchanged", "skipped",
            "failed")
    return dict(zip(keys, map(int, m.groups())))


def doc_count(db):
    """Documents of db, a stub too (xapian-delve has no revision for it)."""
    out = subprocess.run(["xapian-delve", db], capture_output=True,
                         timeout=TIMEOUT, check=True).stdout.decode()
    m = re.search(r"^number of documents = (\d+)$", out, re.M)
    assert m, out
    return int(m.group(1))


def page_count(folder):
    """Files of folder and below, hidden ones left out (as the walk)."""
    n = 0
    for _, dirs, files in os.walk(folder):
        dirs[:] = [x for x in dirs if not x.startswith(".")]
        n += sum(1 for f in files if not f.startswith("."))
    return n


def same_answers(a, b, lines, one_db=False):
    """a and b answer lines alike. Xapian orders pages of equal score by
    document number, which differ between two builds (one index and
    shards, one writer and merged parts): pages of equal score compare as
    a set (a paged request's window may cut such a group: there its scores
    compare). A wildcard's expansion is weighed shard by shard (Xapian
    1.4, docs/SCALING.md): against shards its scores differ, its pages and
    snippets must not (a paged one: its total); one_db (both one database)
    compares its scores too."""
    assert len(a) == len(b) == len(lines)
    for line, x, y in zip(lines, copy.deepcopy(a), copy.deepcopy(b)):
        paged = "offset=" in line
        hx, hy = x.pop("hits", []), y.pop("hits", [])
        assert x == y, (line, x, y)
        if "*" in line and not one_db:
            if not paged:
                for h in hx + hy:
                    h.pop("score")
                    h.pop("rank")
                assert sorted(hx, key=lambda h: h["id"]) == \
                    sorted(hy, key=lambda h: h["id"]), (line, hx, hy)
            continue
        assert [h["score"] for h in hx] == [h["score"] for h in hy], \
            (line, hx, hy)
        for h in hx + hy:
            h.pop("rank")
        scores = [h["score"] for h in hx]
        more = x.get("total", 0) > len(hx) + (x.get("offset") or 0)
        for sc in set(scores):
            gx = sorted((h for h in hx if h["score"] == sc),
                        key=lambda h: h["id"])
            gy = sorted((h for h in hy if h["score"] == sc),
                        key=lambda h: h["id"])
            if (paged and sc == scores[0]) or \
                    ((paged or more) and sc == scores[-1]):
                continue  # a group the window may cut: scores compared
            assert gx == gy, (line, gx, gy)


def unreadable_file():
    """A regular file that even root cannot open for reading: a write-only
    sysfs attribute (kernfs refuses O_RDONLY when there is no show()).
    Opening one for reading has no effect. None when there is none."""
    cands = ["/sys/class/zram-control/hot_remove", "/sys/bus/pci/rescan"]
    cands += sorted(glob.glob("/sys/devices/pci*/*/rescan"))[:5]
    cands += sorted(glob.glob("/sys/module/*/uevent"))[:20]
    for c in cands:
        try:
            st = os.stat(c)
        except OSError:
            continue
        if not (st.st_mode & 0o170000 == 0o100000 and st.st_size > 0
                and st.st_mode & 0o444 == 0):
            continue
        try:
            fd = os.open(c, os.O_RDONLY)
        except OSError as e:
            if e.errno in (errno.EACCES, errno.EPERM):
                return c
            continue
        os.close(fd)
    return None


def wait_until(pred, timeout=TIMEOUT, step=0.01):
    """Poll pred every step seconds for at most timeout seconds; its last
    value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def asan_env(quarantine_mb):
    """The environment with a small AddressSanitizer quarantine, so that
    the RSS of an ASan build shows what the daemon really holds."""
    return dict(os.environ, ASAN_OPTIONS="quarantine_size_mb=%d:" %
                quarantine_mb + os.environ.get("ASAN_OPTIONS", ""))


PONG = b'{"ok":true,"pong":true}\n'


def ping_each(socks, timeout=TIMEOUT):
    """PING on every connected socket of socks at once (they are left
    non-blocking) and read the answers together: each must be exactly a
    pong. Returns how many were answered within timeout."""
    sel = selectors.DefaultSelector()
    try:
        for s in socks:
            s.sendall(b"PING\n")
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, [b""])
        done, deadline = 0, time.monotonic() + timeout
        while done < len(socks) and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                chunk = key.fileobj.recv(100)
                assert chunk, "closed by the server"
                key.data[0] += chunk
                if key.data[0].endswith(b"\n"):
                    assert key.data[0] == PONG, key.data[0]
                    sel.unregister(key.fileobj)
                    done += 1
        return done
    finally:
        sel.close()


class ConnectionClosed(AssertionError):
    """The server closed the connection before a whole answer line."""


class Conn:
    """One TCP client of the daemon: sends lines, reads answer lines
    (bytes or JSON), every wait bounded by timeout. A context manager."""

    def __init__(self, port, timeout=TIMEOUT):
        self.timeout = timeout
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.buf = b""  # received, not read yet

    def send(self, data):
        """Send str (as UTF-8) or bytes as they are."""
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def line(self, limit=MAX_ANSWER):
        """The next answer line, without its "\\n"."""
        while b"\n" not in self.buf:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionClosed("connection closed, got %r"
                                       % self.buf[:200])
            self.buf += chunk
            assert len(self.buf) < limit, "answer line too long"
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def json(self):
        """The next answer, decoded. Strict: it must be UTF-8 and JSON
        whatever was sent."""
        return json.loads(self.line().decode("utf-8"))

    def req(self, text):
        """Send one request line (str or bytes), return its answer."""
        self.send(text + ("\n" if isinstance(text, str) else b"\n"))
        return self.json()

    def answers(self, lines):
        """The answer to each request line, each asserted ok, without its
        took_ms (so that two runs' answers compare)."""
        out = []
        for line in lines:
            a = self.req(line)
            assert a["ok"] is True, (line, a)
            a.pop("took_ms", None)
            out.append(a)
        return out

    def ids(self, query):
        """The ids of the hits of SEARCH query, in rank order."""
        r = self.req("SEARCH " + query)
        assert r["ok"], r
        return [h["id"] for h in r["hits"]]

    def received_now(self, bufsize=1 << 16):
        """Move what has arrived by now to buf, without waiting; True when
        the server has closed. The socket is left as it was (every wait
        bounded by timeout), so line() and json() can follow."""
        self.sock.setblocking(False)
        try:
            while True:
                chunk = self.sock.recv(bufsize)
                if not chunk:
                    return True
                self.buf += chunk
        except BlockingIOError:
            return False
        finally:
            self.sock.settimeout(self.timeout)

    def closed(self, timeout=TIMEOUT):
        """True when the server closes (EOF or reset) within timeout; what
        comes before goes to buf."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    return True
                self.buf += chunk
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        finally:
            self.sock.settimeout(self.timeout)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


# ---- the daemon --------------------------------------------------------

_live = []      # every Daemon not closed yet
_logdir = []    # the folder of the logs, made on first use


def _logs():
    if not _logdir:
        _logdir.append(tempfile.mkdtemp(prefix="cglu-searchd-logs-"))
    return _logdir[0]


class Daemon:
    """cglu-searchd --db db --listen 127.0.0.1:0 args, started and
    listening when the constructor returns.

    As a context manager it is stopped (SIGTERM) at the end of the block;
    then, when the block raised nothing, check_exit asserts exit status 0
    and no sanitizer report, and check_log that the log ends with
    "info: stopped" and that every line after the first is "info: ",
    "warn: " or "error: " something. A daemon a test leaves running is
    stopped after that test; any left at exit are killed."""

    def __init__(self, db, *args, env=None, preexec=None, binary=None,
                 check_exit=False, check_log=False, timeout=TIMEOUT):
        self.check_exit, self.check_log = check_exit, check_log
        self.args = list(args)
        self.killed = False
        self.owner = scope()
        fd, self.logpath = tempfile.mkstemp(dir=_logs(), suffix=".log")
        self.logfile = os.fdopen(fd, "wb")
        self.proc = subprocess.Popen(
            [os.path.abspath(binary or prog("cglu-searchd")), "--db", db,
             "--listen", HOST + ":0"] + list(args),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.logfile, preexec_fn=preexec, env=env)
        _live.append(self)
        deadline = time.monotonic() + timeout
        while not self.log():
            if self.proc.poll() is not None:
                self._fail("daemon exited %d" % self.proc.returncode)
            if time.monotonic() > deadline:
                self._fail("daemon silent for %d s" % timeout)
            time.sleep(0.01)
        first = self.log()[0]
        m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)", first)
        if not m or int(m.group(1)) == 0:
            self._fail("unexpected first log line %r" % first)
        self.port = int(m.group(1))
        self.address = "%s:%d" % (HOST, self.port)

    def _fail(self, why):
        """Start-up failed: stop it, raise with its log."""
        log = self.text()
        self.close()
        raise AssertionError("%s: %s" % (why, log[-3000:]))

    # -- its log

    def text(self):
        """The daemon's log so far ("" once closed)."""
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def log(self):
        """The complete lines of its log so far."""
        return self.text().split("\n")[:-1]

    def wait_log(self, pattern, timeout=TIMEOUT):
        """Wait until a log line matches pattern (re.search)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(re.search(pattern, line) for line in self.log()):
                return
            time.sleep(0.02)
        raise AssertionError("no log line matching %r in:\n%s"
                             % (pattern, self.text()))

    # -- clients and figures

    def conn(self, timeout=TIMEOUT):
        return Conn(self.port, timeout)

    def stats(self):
        """A STATS answer, on a connection of its own."""
        with self.conn() as c:
            return c.req("STATS")

    def rss_mb(self):
        return proc_rss_mb(self.proc.pid)

    def nfds(self):
        return proc_fds(self.proc.pid)

    # -- signals and stopping

    def send_signal(self, sig):
        """Send sig, if it still runs."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=TIMEOUT):
        """Send sig (if it still runs), wait at most timeout, then SIGKILL
        (killed is set); returns the exit status."""
        self.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.killed = True
            self.proc.kill()
            return self.proc.wait()

    def close(self):
        """Stop it (if it still runs) and remove its log; the status."""
        rc = self.stop()
        if not self.logfile.closed:
            self.logfile.close()
        try:
            os.unlink(self.logpath)
        except FileNotFoundError:
            pass
        if self in _live:
            _live.remove(self)
        return rc

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        rc = self.stop()
        log = self.text()
        self.close()
        if exc_type is None and self.check_exit:
            tail = log[-3000:]
            assert not self.killed, \
                "daemon did not stop in %d s: killed\n%s" % (TIMEOUT, tail)
            assert rc == 0, "daemon exit %d:\n%s" % (rc, tail)
            assert "Sanitizer" not in log and "runtime error" not in log, \
                tail
        if exc_type is None and self.check_log:
            lines = log.split("\n")[:-1]
            assert lines[-1] == "info: stopped", lines[-3:]
            rest = lines[1:]
            # with --http, "http on HOST:PORT" comes right after the first
            if rest and rest[0].startswith("http on "):
                assert "--http" in self.args, rest[0]
                rest = rest[1:]
            for line in rest:
                assert re.match(r"(info|warn|error): \S", line), line
        return False


def _stop_left_by(test):
    """After each test: stop and remove the daemons it left."""
    for d in [d for d in _live if d.owner == test]:
        if d.proc.poll() is None:
            print("     %s left a daemon running: stopped" % test)
        try:
            d.close()
        except Exception as e:  # noqa: BLE001 (never hide the test's result)
            print("     stopping a daemon left by %s: %r" % (test, e))


def _at_exit():
    for d in list(_live):
        d.stop(signal.SIGKILL, 5)
        _live.remove(d)
    if _logdir:
        shutil.rmtree(_logdir[0], ignore_errors=True)


after_each_test(_stop_left_by)
atexit.register(_at_exit)


def send_until_blocked(conn, chunk, most, seconds):
    """Send chunk(k) (bytes for round k) on conn, with a 2-s send timeout,
    until the daemon stops reading (a send times out), or most rounds or
    seconds have passed: (rounds sent, blocked)."""
    conn.sock.settimeout(2)
    sent, deadline = 0, time.monotonic() + seconds
    while sent < most and time.monotonic() < deadline:
        try:
            conn.sock.sendall(chunk(sent))
        except socket.timeout:
            return sent, True  # the daemon stopped reading from us
        sent += 1
    return sent, False


class HttpDaemon(Daemon):
    """Daemon started with --http 127.0.0.1:0 and args: the HTTP port is
    read from the second log line, which must be exactly "http on
    127.0.0.1:PORT". At the end of a with block (when it raised nothing):
    exit status 0, no sanitizer report, and a log of "listening on",
    "http on", then "info: ", "warn: " or "error: " lines ending with
    "info: stopped"."""

    def __init__(self, db, *args, **kw):
        super().__init__(db, "--http", HOST + ":0", *args, check_exit=True,
                         **kw)
        deadline = time.monotonic() + TIMEOUT
        while len(self.log()) < 2:
            if self.proc.poll() is not None:
                self._fail("daemon exited %d" % self.proc.returncode)
            if time.monotonic() > deadline:
                self._fail("no second log line in %d s" % TIMEOUT)
            time.sleep(0.01)
        m = re.fullmatch(r"http on 127\.0\.0\.1:(\d+)", self.log()[1])
        if not m or int(m.group(1)) in (0, self.port):
            self._fail("second log line %r" % self.log()[1])
        self.http_port = int(m.group(1))

    # The raw HTTP client class http() makes: test_http.py defines it
    # (Http) and sets it here.
    client = None

    def http(self, timeout=TIMEOUT):
        """A raw HTTP connection to the HTTP listener."""
        assert self.client is not None, "HttpDaemon.client is not set"
        return self.client(self.http_port, timeout)

    def __exit__(self, exc_type, *exc):
        self.stop()
        log = self.text()
        super().__exit__(exc_type, *exc)  # the exit status
        if exc_type is None:
            lines = log.split("\n")[:-1]
            assert lines[-1] == "info: stopped", lines[-3:]
            assert lines[1].startswith("http on "), lines[:2]
            for line in lines[2:]:
                assert re.match(r"(info|warn|error): \S", line), line
        return False


class FakeServer:
    """A server of one connection on 127.0.0.1, port 0, in a thread: it
    accepts one client, reads its request line (kept in request), sends
    answer (bytes, as they are; None: nothing) and closes. Every wait is
    bounded; the end of the with block joins the thread."""

    def __init__(self, answer):
        self.answer, self.request, self.error = answer, None, None
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(1)
        self.sock.settimeout(TIMEOUT)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
            with conn:
                conn.settimeout(TIMEOUT)
                buf = b""
                while b"\n" not in buf and len(buf) < 1 << 20:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
                self.request = buf
                if self.answer is not None:
                    conn.sendall(self.answer)
        except Exception as e:  # noqa: BLE001 (raised in the test's thread)
            self.error = e

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        self.thread.join(TIMEOUT)
        self.sock.close()
        if exc_type is None:
            assert not self.thread.is_alive(), "fake server still waiting"
            if self.error is not None:
                raise self.error
        return False
