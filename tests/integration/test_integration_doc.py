"""docs/INTEGRATION.md: its Python and PHP examples run against a real
daemon, and the document shows them exactly as they are in docs/examples."""
import importlib.util
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, run_all  # noqa: E402
from daemon import Daemon, build_index, remove_db  # noqa: E402

EX = os.path.join(ROOT, "docs", "examples")


def load_example(address):
    """The example module, reading CGLU_SEARCHD=address when loaded (the
    environment is given back as it was: no test sees another's)."""
    old = os.environ.get("CGLU_SEARCHD")
    os.environ["CGLU_SEARCHD"] = address
    try:
        spec = importlib.util.spec_from_file_location(
            "search_site", os.path.join(EX, "search_site.py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        if old is None:
            del os.environ["CGLU_SEARCHD"]
        else:
            os.environ["CGLU_SEARCHD"] = old
    return mod


def call(app, query):
    environ = {"QUERY_STRING": "q=" + query, "REQUEST_METHOD": "GET"}
    got = {}

    def start_response(status, headers):
        got["status"] = status
        got["headers"] = dict(headers)
    body = b"".join(app(environ, start_response)).decode("utf-8")
    return got["status"], body


def test_doc_shows_the_examples_verbatim():
    doc = open(os.path.join(ROOT, "docs", "INTEGRATION.md"), encoding="utf-8").read()
    for name, lang in (("search_site.py", "python"), ("search_site.php", "php")):
        code = open(os.path.join(EX, name), encoding="utf-8").read().rstrip("\n")
        assert "```%s\n%s\n```" % (lang, code) in doc, name


def test_python_example_against_daemon():
    db = build_index()
    try:
        with Daemon(db) as d:
            site = load_example(d.address)
            status, body = call(site.application, "gouvernement%20local")
            assert status == "200 OK", status
            assert "<mark>" in body and "</mark>" in body, body[:500]
            assert "Objectifs de CGLU" in body
            sock = site.client.sock
            status, body = call(site.application, "%C3%A9lus%20d%C3%A9mocratie")
            assert status == "200 OK"
            assert site.client.sock is sock, "connection was not reused"
            # Markup typed by the user comes back escaped, never raw.
            status, body = call(site.application, "%3Cscript%3Ealert(1)%3C/script%3E")
            assert "<script>alert" not in body and "&lt;script&gt;" in body
        # Daemon gone: a clean 503, not an exception.
        status, body = call(site.application, "cglu")
        assert status.startswith("503"), status
    finally:
        remove_db(db)


def test_php_example_against_daemon():
    php = shutil.which("php")
    assert php, "php-cli is not installed (scripts/deps.sh installs it)"
    db = build_index()
    try:
        with Daemon(db) as d:
            env = dict(os.environ, CGLU_SEARCHD=d.address)
            code = ('$_GET["q"] = "coopération internationale"; '
                    'include "%s";' % os.path.join(EX, "search_site.php"))
            out = subprocess.run([php, "-r", code], env=env, timeout=30,
                                 capture_output=True, check=True).stdout.decode()
            assert re.search(r"<mark>coopération</mark>", out), out[:800]
            assert "La mission de CGLU" in out
    finally:
        remove_db(db)


run_all(globals())
