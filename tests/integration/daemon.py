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
    """cglu-searchd on a free loopback port; use as a context manager."""

    def __init__(self, db, *args):
        self.proc = subprocess.Popen(
            [prog("cglu-searchd"), "--db", db, "--listen", "127.0.0.1:0"]
            + list(args), stderr=subprocess.PIPE)
        line = self.proc.stderr.readline().decode()
        m = re.match(r"^listening on 127\.0\.0\.1:(\d+)$", line.strip())
        if not m:
            self.proc.kill()
            raise AssertionError("unexpected first log line: %r" % line)
        self.port = int(m.group(1))
        self.address = "127.0.0.1:%d" % self.port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()

    def connect(self, timeout=10):
        s = socket.create_connection(("127.0.0.1", self.port), timeout)
        s.settimeout(timeout)
        return s


def remove_db(db):
    shutil.rmtree(os.path.dirname(db), ignore_errors=True)
