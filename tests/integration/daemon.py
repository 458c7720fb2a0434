"""Start a real cglu-index + cglu-searchd pair on 127.0.0.1:0 for tests."""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

from harness import ROOT, prog


def build_index(src=None, db=None):
    """Index src (default: the shipped corpus) into db (default: a temp
    dir); returns the db path."""
    db = db or os.path.join(tempfile.mkdtemp(prefix="cglu-test-"), "db")
    subprocess.run([prog("cglu-index"), "-q", "--db", db,
                    src or os.path.join(ROOT, "corpus")],
                   check=True, timeout=120)
    return db


class Daemon:
    """cglu-searchd on a free loopback port; use as a context manager. Its
    log goes to a file, never to a pipe that nobody reads (a daemon that
    logs more than a pipe holds would block)."""

    def __init__(self, db, *args, timeout=30):
        fd, self.logpath = tempfile.mkstemp(prefix="cglu-searchd-",
                                            suffix=".log")
        self.log = os.fdopen(fd, "wb")
        self.proc = subprocess.Popen(
            [prog("cglu-searchd"), "--db", db, "--listen", "127.0.0.1:0"]
            + list(args), stdin=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + timeout
        while "\n" not in self.text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("daemon did not start: %r"
                                     % self.text())
            time.sleep(0.01)
        line = self.text().split("\n", 1)[0]
        m = re.match(r"^listening on 127\.0\.0\.1:(\d+)$", line.strip())
        if not m:
            self.stop()
            raise AssertionError("unexpected first log line: %r" % line)
        self.port = int(m.group(1))
        self.address = "127.0.0.1:%d" % self.port

    def text(self):
        """The daemon's log so far."""
        with open(self.logpath, "rb") as f:
            return f.read().decode(errors="replace")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        os.unlink(self.logpath)

    def stop(self):
        """SIGTERM (SIGKILL after 10 s); returns the exit status. Once."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()
        return self.proc.returncode

    def connect(self, timeout=10):
        s = socket.create_connection(("127.0.0.1", self.port), timeout)
        s.settimeout(timeout)
        return s


def remove_db(db):
    shutil.rmtree(os.path.dirname(db), ignore_errors=True)
