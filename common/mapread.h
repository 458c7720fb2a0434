/* mapread: Xapian's index reads served from memory maps instead of one
 * pread() system call per B-tree block.
 *
 * Why: Glass (Xapian 1.4) has no memory map and no block cache of its own:
 * every block a search touches is a pread() of 8 KB. A SEARCH on large-fr
 * made 62 of them without snippets and 125 with (strace), about a quarter
 * of the daemon's CPU in system calls on this VM (docs/BENCHMARKS.md,
 * issue #15). With mapread on, a table file Xapian opens for reading
 * (NAME.glass, read-only) is also mapped (PROT_READ, MAP_SHARED), and a
 * pread() of that descriptor inside the mapped length is a memcpy from the
 * map: the same bytes, since a shared map and pread() both read the page
 * cache. Anything else falls through to the system call unchanged: other
 * files, writers, reads past the length mapped at open (a file the
 * indexer has grown since), descriptors past MAPREAD_MAX_FD.
 *
 * How: this module defines open(), close(), dup2(), dup3() and pread(),
 * which a program linking it uses instead of the C library's (libxapian's
 * calls resolve to the program's definitions first). It is not in the
 * project's library: the Makefile links it into the daemon, match_bench
 * and its test only (EXTRA_*), never into the indexer or the client.
 * - A map lives as long as its descriptor: close() unmaps before it
 *   closes, dup2()/dup3() before they replace a descriptor, and open()
 *   drops any map still named by the number it returns (freed another
 *   way, close_range), so a number reused for another file is never read
 *   through an old map. Each descriptor is read by the one thread that
 *   owns its Xapian handle (engine contexts are per thread).
 * - A file truncated under a map (Xapian and cglu-index grow table files
 *   or write new ones; the one truncation, cglu-index re-creating an index
 *   whose first run was cut before any commit, meets no reader) raises
 *   SIGBUS on the copy of a page past its new end: the copy is guarded, and
 *   the read falls back to pread(), which reports the short file to Xapian
 *   as usual. Bytes between the new end and the end of its page read as
 *   zeros, as a map gives them. A SIGBUS elsewhere keeps its default
 *   action. */
#ifndef CGLU_COMMON_MAPREAD_H
#define CGLU_COMMON_MAPREAD_H

#include <stddef.h>

/* Descriptors from this number on are never mapped (their reads are
 * system calls); the table of maps is sized by it. */
#define MAPREAD_MAX_FD 65536

typedef struct {
    unsigned long maps;     /* files mapped (opened) so far */
    unsigned long hits;     /* reads served from a map */
    unsigned long misses;   /* reads of a mapped file past its map */
    unsigned long fallback; /* copies stopped by SIGBUS */
} mapread_stats;

/* Map table files opened from now on. Call once, before any thread is
 * started and before the index is opened; installs the SIGBUS guard.
 * 0 on success, -1 when the guard cannot be installed (errno set; reads
 * then stay system calls). */
int mapread_enable(void);

/* Counters since start (approximate under threads). */
void mapread_get_stats(mapread_stats *out);

#endif
