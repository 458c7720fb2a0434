"""A search-results page for a web site, backed by cglu-searchd.

Standard library only. `application` is a WSGI app: run it with
`python3 -m wsgiref.simple_server`-style servers, or behind any WSGI server.
One TCP connection to the daemon is kept and reused across requests (and
re-opened when it breaks); every call has a timeout.
"""
import html
import json
import os
import socket
import threading
import urllib.parse

DAEMON = os.environ.get("CGLU_SEARCHD", "127.0.0.1:7878")
TIMEOUT = 2.0  # seconds for connecting and for each answer


def one_line(text):
    """text with CR, LF and NUL turned into spaces: a newline in a visitor's
    text would end the request line and start another request."""
    return text.replace("\r", " ").replace("\n", " ").replace("\0", " ")


class SearchClient:
    """One reusable connection to cglu-searchd (thread-safe)."""

    def __init__(self, address=DAEMON, timeout=TIMEOUT):
        host, _, port = address.rpartition(":")
        self.address = (host, int(port))
        self.timeout = timeout
        self.sock = None
        self.reader = None
        self.lock = threading.Lock()

    def _connect(self):
        self.sock = socket.create_connection(self.address, self.timeout)
        self.sock.settimeout(self.timeout)
        self.reader = self.sock.makefile("rb")

    def _close(self):
        for f in (self.reader, self.sock):
            try:
                if f:
                    f.close()
            except OSError:
                pass
        self.sock = self.reader = None

    def request(self, line):
        """Send one request line, return the decoded JSON answer."""
        data = one_line(line).encode("utf-8") + b"\n"
        with self.lock:
            for attempt in (1, 2):  # a kept connection may have been closed
                try:
                    if self.sock is None:
                        self._connect()
                    self.sock.sendall(data)
                    answer = self.reader.readline()
                    if not answer:
                        raise ConnectionError("daemon closed the connection")
                    return json.loads(answer)
                except (OSError, ConnectionError, ValueError):
                    self._close()
                    if attempt == 2:
                        raise

    def search(self, query, limit=10, offset=0):
        # "--" ends the options: whatever the visitor typed ("limit=5 x",
        # "a=b") is searched for, never read as an option of the request.
        return self.request("SEARCH limit=%d offset=%d -- %s"
                            % (limit, offset, one_line(query)))


client = SearchClient()


def render(query, answer):
    """The results page. Snippets come HTML-escaped with <mark> from the
    daemon, so they are inserted as they are; everything else is escaped."""
    out = ["<!doctype html><meta charset=utf-8><title>Recherche</title>",
           "<form><input name=q value=\"%s\"><button>Chercher</button></form>"
           % html.escape(query)]
    if not answer.get("ok"):
        out.append("<p>La recherche a échoué : %s</p>"
                   % html.escape(answer.get("message", "")))
        return "".join(out)
    if answer.get("suggestion"):
        out.append("<p>Essayez : <a href=\"?q=%s\">%s</a></p>" % (
            urllib.parse.quote(answer["suggestion"]),
            html.escape(answer["suggestion"])))
    out.append("<p>%d résultat(s)</p><ol>" % answer["total"])
    for hit in answer["hits"]:
        out.append("<li><a href=\"%s\">%s</a><p>%s</p></li>" % (
            html.escape(hit["url"]), html.escape(hit["title"]), hit["snippet"]))
    out.append("</ol>")
    return "".join(out)


def application(environ, start_response):
    params = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    query = params.get("q", [""])[0].strip()
    status = "200 OK"
    if not query:
        body = render("", {"ok": True, "total": 0, "hits": []})
    else:
        try:
            body = render(query, client.search(query))
        except (OSError, ConnectionError, ValueError):
            status = "503 Service Unavailable"
            body = "<p>Le moteur de recherche ne répond pas.</p>"
    data = body.encode("utf-8")
    start_response(status, [("Content-Type", "text/html; charset=utf-8"),
                            ("Content-Length", str(len(data)))])
    return [data]


if __name__ == "__main__":
    from wsgiref.simple_server import make_server
    make_server("127.0.0.1", 8000, application).serve_forever()
