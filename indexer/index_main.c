/* cglu-index: build or update the search index from folders of documents.
 * Exit status: 0 all went well, 1 some files failed or some lines of a
 * synonyms file were refused (the rest is committed), 2 usage or fatal
 * error (the index keeps its last committed revision). */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/xapian_c.h"
#include "common/index_meta.h"
#include "common/lang.h"
#include "common/schema.h"
#include "indexer/batch.h"
#include "indexer/extract.h"
#include "indexer/shardset.h"
#include "indexer/sync.h"

/* Writers of a full build of one database (--writers), on a machine of
 * two cores or more: docs/BENCHMARKS.md, "Parallel writers, merged and
 * sharded builds". One core gets one writer: two would take turns, then
 * pay the merge. */
#define INDEX_DEFAULT_WRITERS 2

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void log_line(const char *line, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "cglu-index: %s\n", line);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cglu-index [options] DIR...\n"
            "       cglu-index [options] --feed FILE [DIR...]\n"
            "Index the .txt, .md and .html files of DIR (and below) into "
            "the search index.\n\n"
            "  -d, --db PATH          index folder (default %s)\n"
            "      --lang NAME        language of documents that declare "
            "none (front\n"
            "                         matter lang:, <html lang>): a code or "
            "name,\n"
            "                         fr, en, es, french... (default %s)\n"
            "      --lang-path        a first folder named after a language "
            "(en/, es/)\n"
            "                         gives the language of the documents "
            "below it\n"
            "      --rebuild          start from an empty index (in place: "
            "readers\n                         never see it half-built)\n"
            "  -n, --dry-run          report what would change, write "
            "nothing\n"
            "      --compact          compact the index after any run that "
            "changes it\n"
            "                         (by default only after a full build: "
            "an empty\n"
            "                         index or --rebuild)\n"
            "      --no-compact       never compact\n"
            "      --shards N         write N databases (1 to %d) under "
            "--db PATH,\n"
            "                         PATH/shard-00.., one writer thread "
            "each, and\n"
            "                         PATH/XAPIANDB listing them: PATH "
            "opens as one\n"
            "                         index; later runs keep N (another "
            "N needs\n"
            "                         --rebuild; not with --feed; "
            "docs/SCALING.md)\n"
            "      --writers N        a full build (a new index or "
            "--rebuild) of one\n"
            "                         database by N writer threads (1 to "
            "%d), their\n"
            "                         parts merged into it by one "
            "compaction (default\n"
            "                         %d, 1 on one core; each writer's "
            "--batch-memory\n"
            "                         is MB / N; not with --shards)\n"
            "      --max-file-size MB skip larger files (default 50)\n"
            "      --batch-memory MB  commit once a batch holds MB of "
            "memory (default %zu;\n"
            "                         the peak RSS is 20 to 65 MB more "
            "a writer; with\n"
            "                         --shards N or --writers N, each "
            "writer's bound is\n"
            "                         MB / N)\n"
            "      --batch-size MB    also commit every MB of input "
            "(default: no bound)\n"
            "      --batch-seconds S  commit a batch S seconds old, so "
            "that searches see\n"
            "                         a long run's work (default %d)\n"
            "      --changesets N     keep the last N commits' changesets "
            "for\n"
            "                         xapian-replicate (docs/SCALING.md); "
            "kept by later\n"
            "                         runs (default 0: none)\n"
            "      --base-url URL     url of a page without its own (front "
            "matter url,\n"
            "                         canonical link): URL + its id, "
            "percent-encoded;\n"
            "                         kept for the folder by later runs; "
            "\"\" removes it\n"
            "      --feed FILE        documents without files: JSON lines "
            "{\"id\", \"title\",\n"
            "                         \"url\", \"text\" or \"html\", "
            "\"lang\", \"date\", \"tags\",\n"
            "                         \"section\", \"description\"} or "
            "{\"id\", \"deleted\":true};\n"
            "                         - for standard input; replaced by id, "
            "unchanged\n"
            "                         ones skipped; folder runs never "
            "delete them\n"
            "      --synonyms FILE    synonym groups to add to those of "
            "each DIR/.synonyms\n"
            "                         (repeatable, up to %d files)\n"
            "      --follow-symlinks  also follow links that lead outside "
            "DIR (by\n"
            "                         default they are skipped: nothing "
            "from elsewhere\n"
            "                         is published)\n"
            "  -q, --quiet            print errors only (no summary, no "
            "skipped files)\n"
            "  -v, --verbose          one line per changed or skipped "
            "file (files of\n"
            "                         other types included)\n"
            "  -h, --help             this help\n"
            "  -V, --version          print the version\n\n"
            "An id is the file's path in DIR; when the index holds "
            "several folders,\nit starts with the end of the folder's "
            "path (\"fr/index.txt\", \"en/index.txt\").\n"
            "A page whose front matter says \"draft: true\" or "
            "\"published: false\", or\nwith <meta name=\"robots\" "
            "content=\"noindex\">, is left out.\n"
            "Synonyms: one group per line, entries separated by commas "
            "(\"CGLU, UCLG,\n"
            "Cités et Gouvernements Locaux Unis\"), '#' starts a comment; "
            "a query's word\nor words of a group also find the others. A "
            "refused line is said as\nFILE:LINE: message and skipped.\n\n"
            "Exit status: 0 success, 1 some files or feed lines failed or "
            "synonym lines\nwere refused (the rest is committed), 2 usage "
            "or fatal error (the index\nkeeps its last committed "
            "revision).\n",
            SCHEMA_DEFAULT_DB, INDEX_META_DEFAULT_LANG, SYNC_MAX_SHARDS,
            SYNC_MAX_WRITERS, INDEX_DEFAULT_WRITERS, BATCH_DEFAULT_MEMORY >> 20,
            BATCH_DEFAULT_SECONDS, SYNC_MAX_SYNONYM_FILES);
}

/* Largest --max-file-size, --batch-memory and --batch-size, in MB (1 TB). */
#define MAX_MB (1024 * 1024)

/* --NAME's value: a number of MB from 1 to MAX_MB, digits only
 * (common/cli's rule), into *out in bytes; -1 after the message. */
static int parse_mb(const char *name, const char *s, size_t *out)
{
    unsigned long long v;
    if (cli_uint(s, 1, MAX_MB, 0, &v) != 0) {
        fprintf(stderr, "cglu-index: --%s takes a number of MB from 1 to %d\n",
                name, MAX_MB);
        return -1;
    }
    *out = (size_t)v << 20;
    return 0;
}

/* The shards to write at db: *n 0 for one database, else their number
 * (the stub's, or --shards given). 0, or -1 after the message (usage). */
static int pick_shards(const char *db, unsigned given, int rebuild, unsigned *n)
{
    char why[PATH_MAX + 128];
    unsigned have = 0;
    *n = 0;
    switch (shardset_probe(db, &have, why, sizeof why)) {
    case SHARDSET_ERR:
        fprintf(stderr, "cglu-index: %s\n", why);
        return -1;
    case SHARDSET_STUB_OK:
        if (given && given != have && !rebuild) {
            fprintf(stderr,
                    "cglu-index: index %s has %u shard%s: rerun with "
                    "--rebuild to make %u\n",
                    db, have, have == 1 ? "" : "s", given);
            return -1;
        }
        *n = given ? given : have;
        return 0;
    case SHARDSET_PLAIN:
        if (given) {
            fprintf(stderr,
                    "cglu-index: index %s is one database, not shards: "
                    "--shards cannot split it (index into another --db)\n",
                    db);
            return -1;
        }
        return 0;
    case SHARDSET_UNFINISHED:
        if (!given) {
            fprintf(stderr,
                    "cglu-index: index %s: the first run of its shards did "
                    "not finish: run it again with --shards N\n",
                    db);
            return -1;
        }
        *n = given;
        return 0;
    case SHARDSET_NONE:
        *n = given;
        return 0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"lang", required_argument, NULL, 'L'},
        {"lang-path", no_argument, NULL, 'P'},
        {"feed", required_argument, NULL, 'f'},
        {"rebuild", no_argument, NULL, 'R'},
        {"dry-run", no_argument, NULL, 'n'},
        {"compact", no_argument, NULL, 'C'},
        {"no-compact", no_argument, NULL, 'N'},
        {"shards", required_argument, NULL, 'H'},
        {"writers", required_argument, NULL, 'W'},
        {"max-file-size", required_argument, NULL, 'M'},
        {"batch-memory", required_argument, NULL, 'G'},
        {"batch-size", required_argument, NULL, 'B'},
        {"batch-seconds", required_argument, NULL, 'T'},
        {"changesets", required_argument, NULL, 'K'},
        {"base-url", required_argument, NULL, 'U'},
        {"follow-symlinks", no_argument, NULL, 'F'},
        {"synonyms", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    sync_options opt = {
        .db_path = SCHEMA_DEFAULT_DB,
        .lang = INDEX_META_DEFAULT_LANG,
        .stop = &stop_flag,
        .log = log_line,
    };
    const char *synfiles[SYNC_MAX_SYNONYM_FILES];
    int quiet = 0, c;
    unsigned shards_given = 0; /* --shards N; 0: not given */
    int writers_given = 0;
    opt.writers = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? INDEX_DEFAULT_WRITERS : 1;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "d:nqvhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            opt.db_path = optarg;
            break;
        case 'L':
            if (!lang_find(optarg, strlen(optarg))) {
                fprintf(stderr,
                        "cglu-index: --lang %s: unknown language (a code or "
                        "name libstemmer has: fr, en, es, french...)\n",
                        optarg);
                return 2;
            }
            opt.lang = optarg;
            break;
        case 'P':
            opt.lang_path = 1;
            break;
        case 'f':
            if (optarg[0] == '\0') {
                fprintf(stderr, "cglu-index: --feed needs a file (- for "
                                "standard input)\n");
                return 2;
            }
            opt.feed = optarg;
            break;
        case 'R':
            opt.rebuild = 1;
            break;
        case 'C':
            opt.compact = SYNC_COMPACT_ALWAYS;
            break;
        case 'N':
            opt.compact = SYNC_COMPACT_NEVER;
            break;
        case 'H': {
            unsigned long long v;
            if (cli_uint(optarg, 1, SYNC_MAX_SHARDS, 0, &v) != 0) {
                fprintf(stderr,
                        "cglu-index: --shards takes a number from 1 to %d\n",
                        SYNC_MAX_SHARDS);
                return 2;
            }
            shards_given = (unsigned)v;
            break;
        }
        case 'W': {
            unsigned long long v;
            if (cli_uint(optarg, 1, SYNC_MAX_WRITERS, 0, &v) != 0) {
                fprintf(stderr,
                        "cglu-index: --writers takes a number from 1 to %d\n",
                        SYNC_MAX_WRITERS);
                return 2;
            }
            opt.writers = (unsigned)v;
            writers_given = 1;
            break;
        }
        case 'n':
            opt.dry_run = 1;
            break;
        case 'M':
            if (parse_mb("max-file-size", optarg, &opt.max_file_size) != 0)
                return 2;
            break;
        case 'G':
            if (parse_mb("batch-memory", optarg, &opt.batch_memory) != 0)
                return 2;
            break;
        case 'B':
            if (parse_mb("batch-size", optarg, &opt.batch_bytes) != 0)
                return 2;
            break;
        case 'T': {
            unsigned long long v;
            if (cli_uint(optarg, 1, BATCH_MAX_SECONDS, 0, &v) != 0) {
                fprintf(stderr,
                        "cglu-index: --batch-seconds takes a number of "
                        "seconds from 1 to %d\n",
                        BATCH_MAX_SECONDS);
                return 2;
            }
            opt.batch_seconds = (unsigned)v;
            break;
        }
        case 'K': {
            unsigned long long v;
            if (cli_uint(optarg, 0, XC_MAX_CHANGESETS, 0, &v) != 0) {
                fprintf(stderr,
                        "cglu-index: --changesets takes a number from 0 to "
                        "%d\n",
                        XC_MAX_CHANGESETS);
                return 2;
            }
            opt.changesets = (unsigned)v;
            opt.changesets_given = 1;
            break;
        }
        case 'U':
            opt.base_url = optarg;
            break;
        case 'F':
            opt.follow_links = 1;
            break;
        case 'S':
            if (opt.nsynonym_files == SYNC_MAX_SYNONYM_FILES) {
                fprintf(stderr,
                        "cglu-index: --synonyms given more than %d times\n",
                        SYNC_MAX_SYNONYM_FILES);
                return 2;
            }
            if (optarg[0] == '\0') {
                fprintf(stderr, "cglu-index: --synonyms needs a file\n");
                return 2;
            }
            synfiles[opt.nsynonym_files++] = optarg;
            opt.synonym_files = synfiles;
            break;
        case 'q':
            quiet = 1;
            opt.quiet = 1;
            break;
        case 'v':
            opt.verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            return cli_version("cglu-index");
        default:
            if (optopt)
                fprintf(stderr, "cglu-index: option -%c: %s (see --help)\n",
                        optopt,
                        strchr("dMBGTLUSfHKW", optopt) ? "needs a value"
                                                       : "unknown option");
            else
                fprintf(stderr,
                        "cglu-index: unknown option %s (see "
                        "--help)\n",
                        argv[optind - 1]);
            return 2;
        }
    }
    if (optind >= argc && !opt.feed) {
        fprintf(stderr, "cglu-index: no folder given (usage: cglu-index "
                        "[options] DIR... or --feed FILE)\n");
        return 2;
    }
    if (opt.db_path[0] == '\0') {
        fprintf(stderr, "cglu-index: --db needs a path\n");
        return 2;
    }
    opt.progress = !quiet && isatty(STDERR_FILENO);
    unsigned nshards = 0; /* 0: one database at PATH */
    if (pick_shards(opt.db_path, shards_given, opt.rebuild, &nshards) != 0)
        return 2;
    if (nshards > 0 && writers_given) {
        fprintf(stderr, "cglu-index: --writers is for an index of one "
                        "database: with --shards, each shard has one "
                        "writer\n");
        return 2;
    }
    if (nshards > 0)
        opt.writers = 0;
    if (nshards > 0 && opt.feed) {
        fprintf(stderr, "cglu-index: --feed cannot write an index of "
                        "several shards (yet: docs/SCALING.md)\n");
        return 2;
    }
    if (nshards > 0) {
        /* Xapian's environment, set here once: the writer threads only
         * read it (setenv is not thread-safe). The shards keep one
         * count: shard 0's when none is given. */
        if (!opt.changesets_given) {
            char p0[PATH_MAX];
            if (shardset_path(opt.db_path, 0, p0, sizeof p0) == 0)
                opt.changesets = sync_stored_changesets(p0);
            opt.changesets_given = 1;
        }
        xc_set_max_changesets(opt.changesets);
        xc_writer_env();
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    extract_init(); /* libxml2's, in this thread before any other */
    sync_report rep;
    char err[1200];
    const char *const *roots = (const char *const *)argv + optind;
    size_t nroots = (size_t)(argc - optind);
    sync_status st =
        nshards > 0
            ? shardset_run(&opt, nshards, roots, nroots, &rep, err, sizeof err)
            : sync_run(&opt, roots, nroots, &rep, err, sizeof err);
    extract_cleanup();
    if (st == SYNC_ERR_FATAL || st == SYNC_ERR_INTERRUPTED) {
        fprintf(stderr, "cglu-index: %s\n", err);
        return 2;
    }
    if (!quiet) {
        double mb = (double)rep.bytes / 1e6;
        printf("%s%lu files: %lu added, %lu updated, %lu deleted, %lu "
               "unchanged, %lu skipped, %lu failed; %.1f MB in %.2f s "
               "(%.1f MB/s)\n",
               opt.dry_run ? "dry run, would index " : "indexed ", rep.files,
               rep.added, rep.updated, rep.deleted, rep.unchanged, rep.skipped,
               rep.failed, mb, rep.seconds,
               rep.seconds > 0 ? mb / rep.seconds : 0.0);
    }
    return st == SYNC_PARTIAL ? 1 : 0;
}
