#!/usr/bin/env python3
"""Write a Sphinx xmlpipe2 stream of a corpus for bench/shards_index.sh.

Usage: bench/sphinx_source.py CORPUS_DIR OUT_XML

Every .txt, .html and .htm file under CORPUS_DIR (hidden names skipped, as
cglu-index and omindex skip them) becomes one document: its path as the
"path" field, its bytes as the "content" field, unchanged (HTML is left to
the index's html_strip, as the other indexers extract it themselves),
decoded as UTF-8 with invalid bytes replaced (cglu-index reads such a file
as Windows-1252) and with the characters XML 1.0 forbids dropped. Prints
"FILES BYTES" (the input's bytes, as bench/lib.sh's input_size counts
them)."""
import os
import re
import sys
from xml.sax.saxutils import escape

# Characters XML 1.0 cannot hold at all, even escaped.
BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EXTS = (".txt", ".html", ".htm")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: sphinx_source.py CORPUS_DIR OUT_XML")
    root, out = sys.argv[1], sys.argv[2]
    files = nbytes = 0
    with open(out, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<sphinx:docset>\n'
                '<sphinx:schema>\n<sphinx:field name="path"/>\n'
                '<sphinx:field name="content"/>\n</sphinx:schema>\n')
        for d, dirs, names in os.walk(root):
            dirs[:] = sorted(x for x in dirs if not x.startswith("."))
            for name in sorted(names):
                if name.startswith(".") or not name.lower().endswith(EXTS):
                    continue
                path = os.path.join(d, name)
                with open(path, "rb") as g:
                    raw = g.read()
                files += 1
                nbytes += len(raw)
                text = BAD_XML.sub(" ", raw.decode("utf-8", "replace"))
                if not name.lower().endswith((".html", ".htm")):
                    # html_strip reads every field: a text file's "<" and
                    # "&" as entities, which it decodes back
                    text = escape(text)
                rel = os.path.relpath(path, root)
                f.write('<sphinx:document id="%d">\n<path>%s</path>\n'
                        '<content>%s</content>\n</sphinx:document>\n'
                        % (files, escape(rel), escape(text)))
        f.write("</sphinx:docset>\n")
    print(files, nbytes)


if __name__ == "__main__":
    main()
