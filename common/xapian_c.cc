/* xapian_c: the C wrapper over Xapian 1.4 (no C++ exception leaves here). */
#include "common/xapian_c.h"

extern "C" {
#include "common/clock.h"  /* the programs' one monotonic clock */
#include "common/schema.h" /* its one hash; a C header */
}

#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <sys/stat.h>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

/* Reopen-and-rerun rounds after a DatabaseModifiedError: a reader falls
 * this far behind only when a writer commits in a tight loop, and then
 * reporting XC_ERR_MODIFIED beats spinning. */
static const int XC_RETRY_MAX = 5;

/* Messages longer than this are truncated: they are for humans and logs. */
#define XC_ERRMSG_MAX 512

/* One line of a stub read here (one with remote shards, xapian_c.h). */
struct xc_shard {
    std::string name;  /* "HOST:PORT", or the path as the stub gives it */
    std::string path;  /* a local shard's, resolved */
    std::string host;  /* a remote shard's */
    unsigned port = 0; /* non-zero: remote */
    Xapian::Database db;
    bool up = false;
    Xapian::rev rev = 0;       /* remote: SCHEMA_M_REVISION, as last read */
    Xapian::doccount docs = 0; /* as last seen */
    double retry_at = 0;       /* down: when to try again */
    std::string why;           /* down: the last failure */
    std::string uuid;          /* as last seen: a rebuilt shard has another */
};

struct xc_db {
    Xapian::Database rdb; /* the reader (unused by a writer) */
    /* a stub with remote shards: each one, and whether reads may leave
     * down ones out (rdb holds the up ones) */
    std::vector<xc_shard> shards;
    bool partial_ok = false;
    /* with remote shards: their spelling words and synonyms, read from
     * SCHEMA_DICTIONARY (has_dict 0: none) */
    Xapian::Database dict;
    bool has_dict = false;
    dev_t dict_dev = 0; /* the dictionary folder open: another one put */
    ino_t dict_ino = 0; /* in its place is opened afresh */
    /* a read since xc_clear_error ran without a down shard */
    bool partial_seen = false;
    /* where spelling words and synonyms are read */
    Xapian::Database &lexicon()
    {
        return has_dict ? dict : cur();
    }
    Xapian::WritableDatabase wdb; /* the writer (unused by a reader) */
    bool writer = false;
    bool in_txn = false; /* a writer's transaction is open */
    std::string path;
    /* BM25 parameters (xc_set_bm25); Xapian's defaults until set */
    double k1 = 1, k2 = 0, k3 = 1, b = 0.5, min_normlen = 0.5;
    char errmsg[XC_ERRMSG_MAX] = "";
    xc_status last = XC_OK; /* of the last failure (xc_last_status) */

    Xapian::Database &cur()
    {
        return writer ? wdb : rdb;
    }
};

struct xc_doc {
    Xapian::Document doc;
};

/* q is the query as built. A tree with XC_Q_PROXIMITY bonuses (prox) is
 * searched as base AND_MAYBE bonus: base is q without them (the same
 * matches), bonus the OR of its positional bonuses, each with the scale
 * of its branch. Xapian 1.4.22 misweighs a phrase bonus that sits under
 * an AND or a FILTER (some pages get it without their positions earning
 * it, docs/BENCHMARKS.md, issue #15); at the top it weighs it right. The
 * trees share their subtrees (Xapian counts references). */
struct xc_query {
    Xapian::Query q;
    Xapian::Query base;
    Xapian::Query bonus;
    bool prox;
    explicit xc_query(const Xapian::Query &query)
        : q(query), base(), bonus(), prox(false)
    {
    }
    const Xapian::Query &plain() const
    {
        return prox ? base : q;
    }
    Xapian::Query searched() const
    {
        return prox ? Xapian::Query(Xapian::Query::OP_AND_MAYBE, base, bonus)
                    : q;
    }
};

struct xc_hit {
    uint32_t docid;
    double weight;
    std::string data; /* owned copy: the MSet it came from is gone */
    std::vector<std::string> values; /* xc_search_values only */
};

/* One facet's counts (xc_search_opt.facets). */
struct xc_facet {
    std::map<std::string, uint32_t> counts;
    bool truncated = false;
};

struct xc_mset {
    std::vector<xc_hit> hits;
    uint32_t estimated = 0;
    std::vector<xc_facet> facets;
};

/* Counts the values of some slots over every document the match sees. */
class FacetSpy : public Xapian::MatchSpy
{
  public:
    FacetSpy(const unsigned *slots, size_t n, char sep,
             std::vector<xc_facet> *out)
        : slots_(slots, slots + n), sep_(sep), out_(out)
    {
    }
    void operator()(const Xapian::Document &doc, double) override
    {
        for (size_t k = 0; k < slots_.size(); k++)
            add_parts(k, doc.get_value(slots_[k]), 1);
    }

    /* Slot k's counts from Xapian's spy: a value held by n documents adds
     * n to each of its parts. */
    void add_counts(const Xapian::ValueCountMatchSpy &vc, size_t k)
    {
        for (Xapian::TermIterator it = vc.values_begin(); it != vc.values_end();
             ++it)
            add_parts(k, *it, it.get_termfreq());
    }

  private:
    /* Each part of v between separators counts n more in slot k. */
    void add_parts(size_t k, const std::string &v, uint32_t n)
    {
        size_t start = 0;
        while (start <= v.size()) {
            size_t end = sep_ ? v.find(sep_, start) : std::string::npos;
            if (end == std::string::npos)
                end = v.size();
            if (end > start)
                add((*out_)[k], v.substr(start, end - start), n);
            start = end + 1;
        }
    }
    static void add(xc_facet &f, const std::string &v, uint32_t n)
    {
        auto it = f.counts.find(v);
        if (it != f.counts.end())
            it->second += n;
        else if (f.counts.size() < XC_MAX_FACET_VALUES)
            f.counts.emplace(v, n);
        else
            f.truncated = true;
    }
    std::vector<unsigned> slots_;
    char sep_;
    std::vector<xc_facet> *out_;
};

/* ---- errors ------------------------------------------------------------ */

/* A read that needs a shard that is down (XC_ERR_SHARD); what() names it. */
class ShardError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/* The errno text Xapian attached to e, "" when none; never throws. */
static const char *errno_text(const Xapian::Error &e) noexcept
{
    try {
        const char *s = e.get_error_string();
        return s ? s : "";
    } catch (...) {
        return "";
    }
}

/* Disk full or read-only file system: Xapian reports both as a plain
 * DatabaseError, so the message is all there is to go on. */
static bool is_io(const Xapian::Error &e) noexcept
{
    static const char *const needles[] = {"ENOSPC", "EROFS", "No space",
                                          "Read-only"};
    const char *msg = e.get_msg().c_str();
    const char *es = errno_text(e);
    for (const char *n : needles)
        if (strstr(msg, n) || strstr(es, n))
            return true;
    return false;
}

/* "WHAT PATH: LABEL: xapian message (errno text)" into buf (may be NULL). */
static void put_xapian(char *buf, size_t len, const char *what,
                       const char *path, const char *label,
                       const Xapian::Error &e) noexcept
{
    if (!buf || len == 0)
        return;
    const char *es = errno_text(e);
    snprintf(buf, len, "%s %s: %s: %s%s%s%s", what, path, label,
             e.get_msg().c_str(), *es ? " (" : "", es, *es ? ")" : "");
}

static void put_plain(char *buf, size_t len, const char *what, const char *path,
                      const char *reason) noexcept
{
    if (buf && len > 0)
        snprintf(buf, len, "%s %s: %s", what, path, reason);
}

/* Map the exception being handled to a status and a message. Must be
 * called from inside a catch block: it rethrows to see the type, so every
 * entry point shares one ordered list of handlers. */
static xc_status classify(char *buf, size_t len, const char *what,
                          const char *path) noexcept
{
    try {
        throw;
    } catch (const Xapian::DatabaseLockError &e) {
        /* Xapian raises it for any failure to take the lock: only
         * "already locked" is another writer (read-only disks are not). */
        bool held = e.get_msg().find("already locked") != std::string::npos;
        put_xapian(buf, len, what, path,
                   held ? "locked by another writer"
                        : "cannot take the write lock",
                   e);
        return XC_ERR_LOCK;
    } catch (const Xapian::DatabaseVersionError &e) {
        /* before DatabaseOpeningError, of which it is a subclass */
        put_xapian(buf, len, what, path, "unsupported format version", e);
        return XC_ERR_CORRUPT;
    } catch (const Xapian::DatabaseNotFoundError &e) {
        put_xapian(buf, len, what, path, "no such database", e);
        return XC_ERR_OPEN;
    } catch (const Xapian::DatabaseOpeningError &e) {
        put_xapian(buf, len, what, path, "cannot be opened", e);
        return XC_ERR_OPEN;
    } catch (const Xapian::DatabaseCreateError &e) {
        put_xapian(buf, len, what, path, "cannot be created", e);
        return XC_ERR_OPEN;
    } catch (const Xapian::DatabaseCorruptError &e) {
        put_xapian(buf, len, what, path, "corrupt", e);
        return XC_ERR_CORRUPT;
    } catch (const Xapian::DatabaseModifiedError &e) {
        put_xapian(buf, len, what, path, "modified too often while reading", e);
        return XC_ERR_MODIFIED;
    } catch (const Xapian::DocNotFoundError &e) {
        put_xapian(buf, len, what, path, "no such document", e);
        return XC_ERR_NOTFOUND;
    } catch (const Xapian::DatabaseError &e) {
        if (is_io(e)) {
            put_xapian(buf, len, what, path, "I/O error", e);
            return XC_ERR_IO;
        }
        put_xapian(buf, len, what, path, e.get_type(), e);
        return XC_ERR_XAPIAN;
    } catch (const Xapian::Error &e) {
        put_xapian(buf, len, what, path, e.get_type(), e);
        return XC_ERR_XAPIAN;
    } catch (const ShardError &e) {
        put_plain(buf, len, what, path, e.what());
        return XC_ERR_SHARD;
    } catch (const std::bad_alloc &) {
        put_plain(buf, len, what, path, "out of memory");
        return XC_ERR_NOMEM;
    } catch (const std::exception &e) {
        put_plain(buf, len, what, path, e.what());
        return XC_ERR_XAPIAN;
    } catch (...) {
        put_plain(buf, len, what, path, "unknown C++ exception");
        return XC_ERR_XAPIAN;
    }
}

/* Record the exception being handled on db; call only from a catch. */
static void shards_lost(xc_db *db, const Xapian::NetworkError &e) noexcept;

static xc_status fail(xc_db *db, const char *what) noexcept
{
    db->last = classify(db->errmsg, sizeof db->errmsg, what, db->path.c_str());
    /* a read outside rerun() (a hit's positions or text) that failed on
     * the network: the shard is down, and the failure is the shard's */
    if (db->last == XC_ERR_XAPIAN && !db->shards.empty()) {
        try {
            std::rethrow_exception(std::current_exception());
        } catch (const Xapian::NetworkError &e) {
            shards_lost(db, e);
            db->last = XC_ERR_SHARD;
        } catch (...) {
        }
    }
    return db->last;
}

static xc_status arg_error(xc_db *db, const char *reason) noexcept
{
    put_plain(db->errmsg, sizeof db->errmsg, "bad argument for index",
              db->path.c_str(), reason);
    return XC_ERR_ARG;
}

/* A term-like key: present, not empty, within glass's key limit. */
static bool key_ok(const char *s, size_t len)
{
    return s && len > 0 && len <= XC_MAX_TERM;
}

static bool cstr_key_ok(const char *s)
{
    return s && key_ok(s, strnlen(s, XC_MAX_TERM + 1));
}

static bool need_writer(xc_db *db)
{
    if (db->writer)
        return true;
    put_plain(db->errmsg, sizeof db->errmsg, "cannot write index",
              db->path.c_str(), "opened read-only");
    return false;
}

/* malloc'd NUL-terminated copy of s (which may hold NULs), NULL if OOM. */
static char *dup_string(const std::string &s)
{
    char *p = static_cast<char *>(malloc(s.size() + 1));
    if (p) {
        memcpy(p, s.data(), s.size());
        p[s.size()] = '\0';
    }
    return p;
}

/* Shard k of d as a database of its own. Database(Internal *) is public
 * in Xapian 1.4's header (marked internal): it is how one sub-database of
 * a stub is asked what only a single database answers (its revision). */
static Xapian::Database shard_of(const Xapian::Database &d, size_t k)
{
    return Xapian::Database(d.internal[k].get());
}

/* The revision of d: Xapian's for one database; for several shards (a
 * stub), the sum of theirs, since get_revision() throws for more than one
 * sub-database (xapian_c.h). */
static Xapian::rev rev_of(const Xapian::Database &d)
{
    if (d.size() <= 1)
        return d.get_revision();
    Xapian::rev sum = 0;
    for (size_t k = 0; k < d.size(); k++)
        sum += shard_of(d, k).get_revision();
    return sum;
}

/* ---- remote shards ------------------------------------------------------ */

static std::atomic<unsigned> remote_timeout{XC_REMOTE_TIMEOUT_MS};

void xc_set_remote_timeout(unsigned ms)
{
    if (ms >= 1 && ms <= XC_REMOTE_TIMEOUT_MAX)
        remote_timeout = ms;
}

/* The revision d's indexer wrote at its last commit (SCHEMA_M_REVISION,
 * xc_commit), 0 when it wrote none. */
static Xapian::rev stored_rev(const Xapian::Database &d)
{
    return strtoull(d.get_metadata(SCHEMA_M_REVISION).c_str(), NULL, 10);
}

/* Shard s's revision: a local one's own; a remote one's as its indexer
 * wrote it (Xapian's remote backend gives none). */
static Xapian::rev shard_rev(const xc_shard &s)
{
    return s.port ? stored_rev(s.db) : s.db.get_revision();
}

/* The dictionary of db's stub with remote shards: beside it. */
static std::string dict_path(const xc_db *db)
{
    return db->path + "/" SCHEMA_DICTIONARY;
}

/* The message of a Xapian error, with its errno text when it has one. */
static std::string error_text(const Xapian::Error &e)
{
    const char *es = errno_text(e);
    return *es ? e.get_msg() + " (" + es + ")" : e.get_msg();
}

static void shard_down(xc_shard &s, const std::string &why)
{
    s.up = false;
    s.why = why;
    s.retry_at = clock_now() + XC_REMOTE_RETRY_MS / 1000.0;
    s.db = Xapian::Database(); /* its connection may be mid-message */
}

/* Remote shards that failed to open lately, by name: the failure's time
 * and why. A daemon opens a handle per worker, one after the other; a
 * handle opened within XC_REMOTE_RETRY_MS of a failure takes that shard
 * as down at once instead of waiting out the timeout again (a shard that
 * hangs cost the daemon's start a timeout per handle). Retries of open
 * handles (the watch's) always connect. */
static std::mutex failed_mu;
static std::map<std::string, std::pair<double, std::string>> failed_at;

/* Shard s failed lately (at_open only): marked down with that failure. */
static bool failed_lately(xc_shard &s)
{
    std::lock_guard<std::mutex> lock(failed_mu);
    auto it = failed_at.find(s.name);
    if (it == failed_at.end() ||
        clock_now() - it->second.first >= XC_REMOTE_RETRY_MS / 1000.0)
        return false;
    shard_down(s, it->second.second);
    return true;
}

/* (Re)connect shard s: up, or down with the reason. Out of memory is
 * thrown; anything else is the shard's failure. at_open: a new handle's
 * first try, which a recent failure spares (failed_lately). */
static void shard_try(xc_shard &s, bool at_open = false)
{
    if (at_open && s.port && failed_lately(s))
        return;
    try {
        unsigned t = remote_timeout;
        if (s.port)
            s.db = Xapian::Remote::open(s.host, s.port, t, t);
        else
            s.db = Xapian::Database(s.path);
        s.docs = s.db.get_doccount();
        s.rev = shard_rev(s);
        s.uuid = s.db.get_uuid();
        s.up = true;
        s.why.clear();
        if (s.port) {
            std::lock_guard<std::mutex> lock(failed_mu);
            failed_at.erase(s.name);
        }
    } catch (const Xapian::Error &e) {
        shard_down(s, error_text(e));
        if (s.port) {
            std::lock_guard<std::mutex> lock(failed_mu);
            failed_at[s.name] = {clock_now(), s.why};
        }
    }
}

/* rdb: the shards that are up, in the stub's order. */
static void shards_join(xc_db *db)
{
    Xapian::Database d;
    for (const xc_shard &s : db->shards)
        if (s.up)
            d.add_database(s.db);
    db->rdb = d;
}

/* "shard A is unavailable: WHY" for the down shards ("" when none). */
static std::string down_text(const xc_db *db)
{
    std::string names, why;
    size_t n = 0;
    for (const xc_shard &s : db->shards)
        if (!s.up) {
            names += (n++ ? ", " : "") + s.name;
            if (why.empty())
                why = s.why;
        }
    if (n == 0)
        return "";
    return (n == 1 ? "shard " + names + " is unavailable: "
                   : "shards " + names + " are unavailable: ") +
           why;
}

/* Before a read: it may go on with every shard up, or with the others
 * when db allows it (then it is partial). Down shards are tried again by
 * xc_reopen, not here: one that hangs would hold every read up to the
 * timeout. */
static void shards_ready(xc_db *db)
{
    bool any_up = false, all_up = true;
    for (const xc_shard &s : db->shards) {
        any_up |= s.up;
        all_up &= s.up;
    }
    if (!all_up && (!db->partial_ok || !any_up))
        throw ShardError(down_text(db));
    db->partial_seen |= !all_up;
}

/* Read round round failed on the network. The shard e names is
 * connected afresh on a first failure (xapian-tcpsrv closes a connection
 * idle past its --idle-timeout), and is down when it fails again or was
 * too slow. Every other remote shard is connected afresh too (an aborted
 * read may have left a reply unread on its connection), and is down if
 * it cannot be. False when it recurs with no shard down: not a shard's
 * failure (the caller throws e again). */
static bool shards_failed(xc_db *db, const Xapian::NetworkError &e, int round)
{
    const std::string &ctx = e.get_context();
    /* Xapian's errors have no virtual table: their type is a name */
    const bool slow = strcmp(e.get_type(), "NetworkTimeoutError") == 0;
    bool down = false;
    for (xc_shard &s : db->shards) {
        if (!s.port || !s.up)
            continue;
        /* Xapian's context: "remote:tcp(HOST:PORT)" */
        bool named = ctx.find("(" + s.host + ":" + std::to_string(s.port) +
                              ")") != std::string::npos;
        if (named && (slow || round > 0))
            shard_down(s, error_text(e));
        else
            shard_try(s);
        down |= !s.up;
    }
    shards_join(db);
    return down || round == 0;
}

/* shards_failed() as a read's last round, which throws nothing. */
static void shards_lost(xc_db *db, const Xapian::NetworkError &e) noexcept
{
    try {
        shards_failed(db, e, 1);
    } catch (...) { /* out of memory while reconnecting: nothing to do */
    }
}

/* rerun() for a stub with remote shards: a shard that fails a read is
 * left out (the read runs again without it, if db allows partial reads;
 * else ShardError names it). */
template <typename F> static void rerun_shards(xc_db *db, F &&op)
{
    for (int round = 0;; round++) {
        shards_ready(db);
        try {
            op();
            return;
        } catch (const Xapian::NetworkError &e) {
            if (!shards_failed(db, e, round))
                throw; /* it recurs with every shard up: not a shard's */
            if (round == XC_RETRY_MAX)
                throw ShardError(down_text(db));
        } catch (const Xapian::DatabaseModifiedError &) {
            if (round == XC_RETRY_MAX)
                throw;
            /* the dictionary is updated in place: it may be the one that
             * moved on (opened afresh: see shards_reopen) */
            if (db->has_dict)
                db->dict = Xapian::Database(dict_path(db));
            try {
                db->rdb.reopen();
            } catch (const Xapian::NetworkError &e) {
                if (!shards_failed(db, e, round))
                    throw;
            }
        }
    }
}

/* The stub of index folder path (its XAPIANDB) when it lists a remote
 * shard, read into out (else false: Xapian opens the folder). Lines:
 * "remote HOST:PORT", or "auto|glass|chert|honey PATH" (relative to the
 * folder); blank and # lines are skipped. Throws ShardError on a line it
 * cannot use. */
static bool read_stub(const std::string &path, std::vector<xc_shard> &out)
{
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
        return false; /* Xapian says why */
    /* a folder's XAPIANDB, or a stub file itself (paths relative to the
     * folder it is in); a single-file database is binary: Xapian's */
    bool file = S_ISREG(st.st_mode);
    size_t slash = path.rfind('/');
    const std::string stub = file ? path : path + "/XAPIANDB";
    const std::string dir = !file ? path
                            : slash == std::string::npos
                                ? "."
                                : path.substr(0, slash);
    std::ifstream in(stub, std::ios::binary);
    if (!in)
        return false;
    char head[4096];
    in.read(head, sizeof head);
    if (memchr(head, '\0', static_cast<size_t>(in.gcount())))
        return false;
    in.clear();
    in.seekg(0);
    std::vector<xc_shard> shards;
    bool remote = false;
    std::string line;
    for (unsigned no = 1; std::getline(in, line); no++) {
        size_t b = line.find_first_not_of(" \t\r");
        if (b == std::string::npos || line[b] == '#')
            continue;
        size_t sp = line.find_first_of(" \t", b);
        std::string type = line.substr(
            b, sp == std::string::npos ? std::string::npos : sp - b);
        std::string arg;
        if (sp != std::string::npos) {
            size_t a = line.find_first_not_of(" \t", sp);
            size_t e = line.find_last_not_of(" \t\r");
            if (a != std::string::npos)
                arg = line.substr(a, e - a + 1);
        }
        /* "STUB line N: A\"B\"C": why the line cannot be used */
        auto bad = [&](const char *a, const std::string &b, const char *c) {
            std::string m = stub;
            m.append(" line ").append(std::to_string(no)).append(": ");
            m.append(a).append("\"").append(b).append("\"").append(c);
            return ShardError(m);
        };
        if (arg.empty())
            throw bad("", type, " names nothing");
        if (shards.size() == XC_MAX_STUB_SHARDS)
            throw bad("", arg,
                      std::string(" is one shard too many: a stub lists at "
                                  "most ")
                          .append(std::to_string(XC_MAX_STUB_SHARDS))
                          .append(" shards")
                          .c_str());
        xc_shard s;
        s.name = arg;
        if (type == "remote") {
            size_t colon = arg.rfind(':');
            char *end = NULL;
            unsigned long port =
                colon == std::string::npos
                    ? 0
                    : strtoul(arg.c_str() + colon + 1, &end, 10);
            if (colon == 0 || colon == std::string::npos || !end || *end ||
                port == 0 || port > 65535 || end == arg.c_str() + colon + 1)
                throw bad("a remote shard is HOST:PORT (xapian-tcpsrv), not ",
                          arg, "");
            s.host = arg.substr(0, colon);
            if (s.host.find(':') != std::string::npos || s.host[0] == '[')
                throw bad("", arg,
                          ": Xapian 1.4 reaches remote shards over IPv4 only");
            s.port = static_cast<unsigned>(port);
            remote = true;
        } else if (type == "auto" || type == "glass" || type == "chert" ||
                   type == "honey") {
            s.path =
                arg[0] == '/' ? arg : std::string(dir).append("/").append(arg);
        } else {
            throw bad("unknown database type ", type, "");
        }
        shards.push_back(std::move(s));
    }
    if (!remote)
        return false;
    out = std::move(shards);
    return true;
}

/* The dictionary beside a stub with remote shards, if there is one and
 * it opens (none: no spelling nor synonyms). True when another one than
 * the open one was opened. */
static bool open_dictionary(xc_db *db)
{
    std::string p = dict_path(db);
    struct stat st;
    if (stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
        (db->has_dict && st.st_dev == db->dict_dev &&
         st.st_ino == db->dict_ino))
        return false;
    try {
        db->dict = Xapian::Database(p);
    } catch (const Xapian::DatabaseError &) {
        return false; /* half copied, or being replaced: the last one */
    }
    db->has_dict = true;
    db->dict_dev = st.st_dev;
    db->dict_ino = st.st_ino;
    return true;
}

/* "rev,rev,...": what a dictionary is made from. */
static std::string dict_source(const std::vector<Xapian::Database> &dbs)
{
    std::string s;
    for (const Xapian::Database &d : dbs)
        s += d.get_uuid() + ":" + std::to_string(d.get_revision()) + ",";
    return s;
}

/* Bring the spelling table of w to want (word: frequency): only the
 * differences are written (none when a rebuild left the words as they
 * were). The current list is read whole first: w is not read while it is
 * being written. */
static void spelling_to(Xapian::WritableDatabase &w,
                        std::map<std::string, Xapian::termcount> &want)
{
    std::vector<std::pair<std::string, Xapian::termcount>> have;
    for (Xapian::TermIterator it = w.spellings_begin(); it != w.spellings_end();
         ++it)
        have.emplace_back(*it, it.get_termfreq());
    for (const auto &h : have) {
        auto it = want.find(h.first);
        Xapian::termcount f = it == want.end() ? 0 : it->second;
        if (f > h.second)
            w.add_spelling(h.first, f - h.second);
        else if (f < h.second)
            w.remove_spelling(h.first, h.second - f);
        if (it != want.end())
            want.erase(it);
    }
    for (const auto &x : want)
        w.add_spelling(x.first, x.second);
}

/* The synonyms of w made those of want (key, synonym), as above. */
static void synonyms_to(Xapian::WritableDatabase &w,
                        std::set<std::pair<std::string, std::string>> &want)
{
    std::vector<std::pair<std::string, std::string>> gone;
    for (Xapian::TermIterator k = w.synonym_keys_begin();
         k != w.synonym_keys_end(); ++k)
        for (Xapian::TermIterator v = w.synonyms_begin(*k);
             v != w.synonyms_end(*k); ++v)
            if (want.erase({*k, *v}) == 0)
                gone.emplace_back(*k, *v);
    for (const auto &g : gone)
        w.remove_synonym(g.first, g.second);
    for (const auto &x : want)
        w.add_synonym(x.first, x.second);
}

xc_status xc_dictionary_build(const char *const *srcs, size_t n,
                              const char *path, int *same, char *err,
                              size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (same)
        *same = 0;
    if (!srcs || n == 0 || !path || !*path || !same) {
        put_plain(err, errlen, "cannot make dictionary", path ? path : "",
                  "no databases given");
        return XC_ERR_ARG;
    }
    try {
        std::vector<Xapian::Database> dbs;
        for (size_t k = 0; k < n; k++)
            dbs.emplace_back(srcs[k]);
        const std::string of = dict_source(dbs);
        Xapian::WritableDatabase w(path, Xapian::DB_CREATE_OR_OPEN);
        if (w.get_metadata(SCHEMA_M_DICT_OF) == of) {
            *same = 1; /* made from these very revisions */
            return XC_OK;
        }
        std::map<std::string, Xapian::termcount> words;
        for (const Xapian::Database &d : dbs)
            for (Xapian::TermIterator it = d.spellings_begin();
                 it != d.spellings_end(); ++it)
                words[*it] += it.get_termfreq();
        /* each shard holds the synonyms of its pages' languages */
        std::set<std::pair<std::string, std::string>> syns;
        for (const Xapian::Database &d : dbs)
            for (Xapian::TermIterator k = d.synonym_keys_begin();
                 k != d.synonym_keys_end(); ++k)
                for (Xapian::TermIterator v = d.synonyms_begin(*k);
                     v != d.synonyms_end(*k); ++v)
                    syns.emplace(*k, *v);
        spelling_to(w, words);
        synonyms_to(w, syns);
        w.set_metadata(SCHEMA_M_DICT_OF, of);
        w.commit(); /* atomic: a reader sees the last one or this one */
        w.close();
    } catch (...) {
        return classify(err, errlen, "cannot make dictionary", path);
    }
    return XC_OK;
}

void xc_set_partial(xc_db *db, int on)
{
    if (db)
        db->partial_ok = on != 0;
}

int xc_partial(xc_db *db)
{
    if (!db)
        return 0;
    if (db->partial_seen)
        return 1;
    for (const xc_shard &s : db->shards)
        if (!s.up)
            return 1;
    return 0;
}

int xc_has_remote(xc_db *db)
{
    return db && !db->shards.empty();
}

/* db's revision: rev_of its database, or with remote shards the sum of
 * what each shard said last (a down one's too: its fall is no commit). */
static Xapian::rev db_rev(xc_db *db)
{
    if (db->shards.empty())
        return rev_of(db->cur());
    Xapian::rev sum = 0;
    for (const xc_shard &s : db->shards)
        sum += s.rev;
    return sum;
}

/* Reopen each shard of db (remote ones: one round trip each) and try the
 * down ones whose time has come again (xc_retry_shards: all of them).
 * True when what a search sees may have changed: a shard went down or
 * came back, a shard server said its database changed (a commit, or a
 * rebuilt database in its place), another dictionary was put in place. */
static bool shards_reopen(xc_db *db)
{
    bool moved = false, changed = false;
    double now = clock_now();
    for (xc_shard &s : db->shards) {
        if (!s.up) {
            if (now >= s.retry_at) {
                shard_try(s);
                moved |= s.up;
            }
            continue;
        }
        try {
            bool again = s.db.reopen();
            if (again || !s.port)
                s.rev = shard_rev(s);
            changed |= again && s.port;
            s.docs = s.db.get_doccount();
            std::string u = s.db.get_uuid();
            moved |= u != s.uuid;
            s.uuid = u;
        } catch (const Xapian::NetworkError &) {
            shard_try(s); /* one more try: an idle connection is closed */
            moved = true; /* another connection, or none */
        }
    }
    if (db->has_dict) {
        try {
            /* updated in place: opened anew, as Xapian 1.4.22's reopen()
             * of a database without documents was seen to keep
             * suggesting a word removed since */
            if (db->dict.reopen()) {
                db->dict = Xapian::Database(dict_path(db));
                changed = true;
            }
        } catch (const Xapian::DatabaseError &) {
            /* being replaced: the new one is opened below */
        }
    }
    changed |= open_dictionary(db);
    if (moved)
        shards_join(db);
    return moved || changed;
}

void xc_retry_shards(xc_db *db)
{
    if (db)
        for (xc_shard &s : db->shards)
            s.retry_at = 0;
}

/* Run op; on DatabaseModifiedError reopen and run all of it again, so that
 * nothing read from the old revision is mixed with the new one. op must
 * reset whatever it fills at its start. */
template <typename F> static void rerun(xc_db *db, F &&op)
{
    if (!db->shards.empty()) {
        rerun_shards(db, op);
        return;
    }
    for (int round = 0;; round++) {
        try {
            op();
            return;
        } catch (const Xapian::DatabaseModifiedError &) {
            if (round == XC_RETRY_MAX)
                throw;
            db->cur().reopen();
        } catch (const Xapian::DatabaseError &) {
            /* A reader of an old revision can also meet blocks the writer
             * has since reused, reported as "EOF reading block" or a
             * corrupt block rather than as modified (seen with an indexer
             * killed and rerun under load). If a newer revision exists,
             * it is the same case: reopen and rerun; otherwise the error
             * is real and goes to the caller. */
            if (db->writer || round == XC_RETRY_MAX)
                throw;
            Xapian::Database &rd = db->cur();
            Xapian::rev before = rev_of(rd);
            if (!rd.reopen() && rev_of(rd) == before)
                throw;
        }
    }
}

/* Run op, catching everything: an exception becomes the status classify()
 * gives it, and "WHAT PATH: ..." the last error kept on db. db NULL: a
 * document edit, which has no handle to keep a message on: status only. */
template <typename F>
static xc_status guard(xc_db *db, const char *what, F &&op) noexcept
{
    try {
        op();
    } catch (...) {
        return db ? fail(db, what) : classify(NULL, 0, "", "");
    }
    return XC_OK;
}

/* guard() around a read, which rerun() repeats after the index changed. */
template <typename F>
static xc_status guard_read(xc_db *db, const char *what, F &&op)
{
    return guard(db, what, [&] { rerun(db, op); });
}

/* Constructors that return NULL for any exception (queries, copies). */
template <typename F> static auto or_null(F &&make) noexcept -> decltype(make())
{
    try {
        return make();
    } catch (...) {
        return NULL;
    }
}

/* Out of memory after a read that succeeded ("WHAT PATH: out of memory"). */
static xc_status nomem(xc_db *db, const char *what) noexcept
{
    put_plain(db->errmsg, sizeof db->errmsg, what, db->path.c_str(),
              "out of memory");
    return XC_ERR_NOMEM;
}

/* No document has the id term idterm. */
static xc_status not_found(xc_db *db, const char *idterm) noexcept
{
    put_plain(db->errmsg, sizeof db->errmsg, "no document in index",
              db->path.c_str(), idterm);
    return XC_ERR_NOTFOUND;
}

/* *out = a malloc'd copy of s; XC_ERR_NOMEM with "WHAT PATH: ..." when the
 * copy fails. */
static xc_status dup_out(xc_db *db, const std::string &s, char **out,
                         const char *what) noexcept
{
    *out = dup_string(s);
    return *out ? XC_OK : nomem(db, what);
}

/* A write under a key (an id term, a metadata key, a word): the checks
 * every such entry point makes (a writer's handle, the key, args_ok for
 * the others, else usage is the message), then op under guard(). */
template <typename F>
static xc_status keyed_write(xc_db *db, const char *key, bool args_ok,
                             const char *usage, const char *what,
                             F &&op) noexcept
{
    if (!db || !need_writer(db))
        return XC_ERR_ARG;
    if (!cstr_key_ok(key) || !args_ok)
        return arg_error(db, usage);
    return guard(db, what, op);
}

extern "C" {

const char *xc_strerror(xc_status st)
{
    switch (st) {
    case XC_OK:
        return "success";
    case XC_ERR_ARG:
        return "bad argument";
    case XC_ERR_NOMEM:
        return "out of memory";
    case XC_ERR_OPEN:
        return "cannot open database";
    case XC_ERR_LOCK:
        return "database locked by another writer";
    case XC_ERR_NOTFOUND:
        return "not found";
    case XC_ERR_CORRUPT:
        return "database corrupt or of an unknown version";
    case XC_ERR_MODIFIED:
        return "database modified too often while reading";
    case XC_ERR_IO:
        return "I/O error";
    case XC_ERR_XAPIAN:
        return "Xapian error";
    case XC_ERR_SHARD:
        return "shard unavailable";
    }
    return "unknown status";
}

/* ---- opening ------------------------------------------------------------ */

/* Xapian 1.4's Glass writer flushes its buffered postings and positions
 * into the tables every XAPIAN_FLUSH_THRESHOLD changed documents (read
 * once, when the writer is made; 10000 when unset), inside a transaction
 * too: check_flush_threshold() skips only the commit there, not the
 * flush (backends/glass/glass_database.cc). Each such flush rewrites the
 * B-tree blocks of every term it touches, which the commit rewrites again,
 * so it would only add bytes written. Our writers bound each transaction
 * themselves (cglu-index commits by memory, input and age,
 * indexer/batch.h): Xapian's count is set out of reach, whatever the
 * environment says. It fits Xapian's atoi() and its doccount counter. */
static const char XC_FLUSH_THRESHOLD[] = "2000000000";

/* xc_set_max_changesets: set before any thread starts (xapian_c.h). */
static unsigned xc_changesets = 0;

void xc_set_max_changesets(unsigned n)
{
    unsigned v = n > XC_MAX_CHANGESETS ? XC_MAX_CHANGESETS : n;
    if (xc_changesets != v) /* threads setting the same value write nothing */
        xc_changesets = v;
}

/* Set Xapian's writer variables (flush threshold, changesets) in the
 * environment unless they already say so: setenv is not thread-safe, and
 * Xapian reads them with getenv when a writer opens. */
static void writer_env(void)
{
    char cs[16];
    const char *ft = getenv("XAPIAN_FLUSH_THRESHOLD");
    if (!ft || strcmp(ft, XC_FLUSH_THRESHOLD) != 0)
        setenv("XAPIAN_FLUSH_THRESHOLD", XC_FLUSH_THRESHOLD, 1);
    snprintf(cs, sizeof cs, "%u", xc_changesets);
    const char *was = getenv("XAPIAN_MAX_CHANGESETS");
    if (!was || strcmp(was, cs) != 0)
        setenv("XAPIAN_MAX_CHANGESETS", cs, 1);
}

void xc_writer_env(void)
{
    writer_env();
}

static xc_status open_db(const char *path, bool writer, int wflags, xc_db **out,
                         char *err, size_t errlen)
{
    if (out)
        *out = NULL;
    if (err && errlen > 0)
        err[0] = '\0';
    if (!out || !path || !*path) {
        put_plain(err, errlen, "cannot open index", "", "no path given");
        return XC_ERR_ARG;
    }
    if (strnlen(path, XC_MAX_PATH) == XC_MAX_PATH) {
        put_plain(err, errlen, "cannot open index", "(path)", "path too long");
        return XC_ERR_ARG;
    }
    xc_db *db = NULL;
    try {
        db = new xc_db;
        db->path = path;
        if (writer) {
            int flags = (wflags & XC_WRITE_TRUNCATE)
                            ? Xapian::DB_CREATE_OR_OVERWRITE
                            : Xapian::DB_CREATE_OR_OPEN;
            if (wflags & XC_WRITE_NOSYNC)
                flags |= Xapian::DB_NO_SYNC;
            /* setenv is not thread-safe: writers are opened before any
             * thread starts, or xc_writer_env set the same values first
             * (xapian_c.h): then this only reads them */
            writer_env();
            db->wdb = Xapian::WritableDatabase(path, flags);
            db->writer = true;
        } else if (read_stub(db->path, db->shards)) {
            for (xc_shard &s : db->shards)
                shard_try(s, true);
            shards_join(db);
            open_dictionary(db);
            if (db->rdb.size() == 0)
                throw ShardError("no shard answers: " + down_text(db));
        } else {
            db->rdb = Xapian::Database(path);
        }
    } catch (...) {
        xc_status st = classify(err, errlen, "cannot open index", path);
        delete db;
        return st;
    }
    *out = db;
    return XC_OK;
}

xc_status xc_open_read(const char *path, xc_db **out, char *err, size_t errlen)
{
    return open_db(path, false, 0, out, err, errlen);
}

xc_status xc_open_write(const char *path, int flags, xc_db **out, char *err,
                        size_t errlen)
{
    return open_db(path, true, flags, out, err, errlen);
}

xc_status xc_compact(xc_db *db, const char *out)
{
    if (!db)
        return XC_ERR_ARG;
    if (!out || !*out || (db->writer && db->in_txn))
        return arg_error(db, "xc_compact needs a committed database and an "
                             "output path");
    return guard(db, "cannot compact index", [&] {
        db->cur().compact(out, Xapian::DBCOMPACT_NO_RENUMBER |
                                   Xapian::Compactor::FULL);
    });
}

xc_status xc_merge(const char *const *paths, size_t n, const char *out,
                   char *err, size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
    if (!paths || n == 0 || n > XC_MAX_MERGE || !out || !*out) {
        put_plain(err, errlen, "cannot merge into index", out ? out : "",
                  "no databases or no output path");
        return XC_ERR_ARG;
    }
    for (size_t k = 0; k < n; k++)
        if (!paths[k] || !*paths[k]) {
            put_plain(err, errlen, "cannot merge into index", out,
                      "a database without a path");
            return XC_ERR_ARG;
        }
    try {
        Xapian::Database all;
        for (size_t k = 0; k < n; k++)
            all.add_database(Xapian::Database(paths[k]));
        /* renumbered: every part's ids start at 1 */
        all.compact(out, Xapian::Compactor::FULL);
    } catch (...) {
        return classify(err, errlen, "cannot merge into index", out);
    }
    return XC_OK;
}

xc_status xc_copy_meta(xc_db *from, xc_db *to)
{
    if (!from || !to)
        return XC_ERR_ARG;
    if (!need_writer(to))
        return XC_ERR_ARG;
    std::vector<std::pair<std::string, std::string>> meta;
    std::vector<std::pair<std::string, std::vector<std::string>>> syn;
    xc_status st = guard_read(from, "cannot read the settings of index", [&] {
        Xapian::Database &x = from->cur();
        meta.clear();
        syn.clear();
        for (Xapian::TermIterator k = x.metadata_keys_begin();
             k != x.metadata_keys_end(); ++k)
            meta.emplace_back(*k, x.get_metadata(*k));
        for (Xapian::TermIterator k = x.synonym_keys_begin();
             k != x.synonym_keys_end(); ++k) {
            std::vector<std::string> v;
            for (Xapian::TermIterator s = x.synonyms_begin(*k);
                 s != x.synonyms_end(*k); ++s)
                v.push_back(*s);
            syn.emplace_back(*k, std::move(v));
        }
    });
    if (st != XC_OK) {
        snprintf(to->errmsg, sizeof to->errmsg, "%s", from->errmsg);
        return st;
    }
    return guard(to, "cannot copy settings into index", [&] {
        for (const auto &m : meta)
            to->wdb.set_metadata(m.first, m.second);
        for (const auto &s : syn)
            for (const std::string &v : s.second)
                to->wdb.add_synonym(s.first, v);
    });
}

void xc_close(xc_db *db)
{
    if (!db)
        return;
    /* Failures are swallowed: there is no one left to report them to
     * (the header tells writers to xc_commit first). */
    if (db->writer && db->in_txn) {
        db->in_txn = false;
        try {
            db->wdb.cancel_transaction();
        } catch (...) {
        }
    }
    try {
        db->cur().close();
    } catch (...) {
    }
    delete db;
}

const char *xc_errmsg(const xc_db *db)
{
    return db ? db->errmsg : "no database handle";
}

xc_status xc_last_status(const xc_db *db)
{
    return db ? db->last : XC_ERR_ARG;
}

void xc_clear_error(xc_db *db)
{
    if (db) {
        db->last = XC_OK;
        db->partial_seen = false;
    }
}

xc_status xc_reopen(xc_db *db, int *changed)
{
    if (changed)
        *changed = 0;
    if (!db)
        return XC_ERR_ARG;
    return guard(db, "cannot reopen index", [&] {
        Xapian::rev before = db_rev(db);
        bool moved = false;
        if (db->shards.empty())
            db->cur().reopen();
        else
            moved = shards_reopen(db);
        if (changed)
            *changed = moved || db_rev(db) != before;
    });
}

void xc_set_bm25(xc_db *db, double k1, double k2, double k3, double b,
                 double min_normlen)
{
    if (!db)
        return;
    db->k1 = k1;
    db->k2 = k2;
    db->k3 = k3;
    db->b = b;
    db->min_normlen = min_normlen;
}

uint64_t xc_revision(xc_db *db)
{
    if (!db)
        return 0;
    try {
        return db_rev(db);
    } catch (...) {
        fail(db, "cannot read revision of index");
        return 0;
    }
}

size_t xc_nshards(xc_db *db)
{
    if (!db)
        return 0;
    return db->shards.empty() ? db->cur().size() : db->shards.size();
}

xc_status xc_shard_get(xc_db *db, size_t k, xc_shard_info *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!db)
        return XC_ERR_ARG;
    if (!out || k >= xc_nshards(db))
        return arg_error(db, "xc_shard_get needs a shard and an output");
    if (!db->shards.empty()) {
        const xc_shard &s = db->shards[k];
        snprintf(out->name, sizeof out->name, "%s", s.name.c_str());
        snprintf(out->why, sizeof out->why, "%s", s.why.c_str());
        out->remote = s.port != 0;
        out->up = s.up;
        out->revision = s.rev;
        out->documents = s.docs;
        return XC_OK;
    }
    return guard(db, "cannot read a shard of index", [&] {
        Xapian::Database s = shard_of(db->cur(), k);
        out->up = 1;
        out->documents = s.get_doccount();
        out->revision = s.get_revision();
    });
}

xc_status xc_uuid(xc_db *db, char out[XC_UUID_LEN])
{
    if (out)
        out[0] = '\0';
    if (!db || !out)
        return XC_ERR_ARG;
    return guard(db, "cannot read the UUID of index", [&] {
        std::string u;
        if (db->shards.empty()) {
            u = db->cur().get_uuid();
        } else { /* every shard's as last seen: stable while one is down */
            for (const xc_shard &s : db->shards)
                u += s.uuid + ":";
        }
        if (u.size() < XC_UUID_LEN) {
            snprintf(out, XC_UUID_LEN, "%s", u.c_str());
        } else { /* shards: "UUID:UUID...", hashed whole */
            uint64_t h = schema_hash(u.data(), u.size());
            snprintf(out, XC_UUID_LEN, "h:%016llx", (unsigned long long)h);
        }
    });
}

/* ---- writing ------------------------------------------------------------ */

xc_status xc_begin(xc_db *db)
{
    if (!db || !need_writer(db))
        return XC_ERR_ARG;
    if (db->in_txn)
        return arg_error(db, "a transaction is already open");
    return guard(db, "cannot begin a transaction on index", [&] {
        /* unflushed: the whole batch becomes visible at once or never */
        db->wdb.begin_transaction(false);
        db->in_txn = true;
    });
}

xc_status xc_commit(xc_db *db)
{
    if (!db || !need_writer(db))
        return XC_ERR_ARG;
    return guard(db, "cannot commit index", [&] {
        /* the revision this commit makes, for readers of a remote shard
         * (Xapian's remote backend tells them none) */
        Xapian::rev last = std::max<Xapian::rev>(
            db->wdb.get_revision(),
            stored_rev(db->wdb)); /* a compaction restarts Xapian's count */
        db->wdb.set_metadata(SCHEMA_M_REVISION, std::to_string(last + 1));
        if (db->in_txn) {
            /* over in all cases, even when it throws (Xapian's contract) */
            db->in_txn = false;
            db->wdb.commit_transaction();
        }
        /* an unflushed transaction only hands its changes to the pending
         * set: commit() is what makes them durable and visible */
        db->wdb.commit();
    });
}

xc_status xc_cancel(xc_db *db)
{
    if (!db || !need_writer(db))
        return XC_ERR_ARG;
    if (!db->in_txn)
        return XC_OK; /* nothing to drop: lets error paths call it blindly */
    return guard(db, "cannot cancel the transaction on index", [&] {
        db->in_txn = false; /* cancelled even when it throws */
        db->wdb.cancel_transaction();
    });
}

xc_status xc_doc_new(xc_doc **out)
{
    if (!out)
        return XC_ERR_ARG;
    *out = NULL;
    try {
        *out = new xc_doc;
    } catch (const std::bad_alloc &) {
        return XC_ERR_NOMEM;
    } catch (...) {
        return XC_ERR_XAPIAN;
    }
    return XC_OK;
}

void xc_doc_free(xc_doc *doc)
{
    delete doc;
}

xc_status xc_doc_add_posting(xc_doc *doc, const char *term, size_t len,
                             uint32_t pos, uint32_t wdfinc)
{
    if (!doc || !key_ok(term, len))
        return XC_ERR_ARG;
    return guard(NULL, "", [&] {
        doc->doc.add_posting(std::string(term, len), pos, wdfinc);
    });
}

xc_status xc_doc_add_term(xc_doc *doc, const char *term, size_t len,
                          uint32_t wdfinc)
{
    if (!doc || !key_ok(term, len))
        return XC_ERR_ARG;
    return guard(NULL, "",
                 [&] { doc->doc.add_term(std::string(term, len), wdfinc); });
}

xc_status xc_doc_set_data(xc_doc *doc, const char *data, size_t len)
{
    if (!doc || (!data && len > 0))
        return XC_ERR_ARG;
    return guard(NULL, "", [&] {
        doc->doc.set_data(len ? std::string(data, len) : std::string());
    });
}

xc_status xc_doc_set_value(xc_doc *doc, unsigned slot, const char *v,
                           size_t len)
{
    if (!doc || (!v && len > 0) || slot == Xapian::BAD_VALUENO)
        return XC_ERR_ARG;
    return guard(NULL, "", [&] {
        doc->doc.add_value(slot, len ? std::string(v, len) : std::string());
    });
}

xc_status xc_replace(xc_db *db, const char *idterm, const xc_doc *doc)
{
    return keyed_write(db, idterm, doc != NULL,
                       "xc_replace needs an id term and a document",
                       "cannot replace a document in index",
                       [&] { db->wdb.replace_document(idterm, doc->doc); });
}

xc_status xc_set_values(xc_db *db, const char *idterm, const unsigned *slots,
                        const char *const *values, size_t n)
{
    bool found = false;
    auto update = [&] {
        Xapian::WritableDatabase &w = db->wdb;
        Xapian::PostingIterator it = w.postlist_begin(idterm);
        if (it == w.postlist_end(idterm))
            return;
        found = true;
        Xapian::docid did = *it;
        Xapian::Document doc = w.get_document(did);
        for (size_t k = 0; k < n; k++)
            doc.add_value(slots[k], values[k] ? values[k] : "");
        w.replace_document(did, doc);
    };
    xc_status st = keyed_write(db, idterm, n == 0 || (slots && values),
                               "xc_set_values needs an id term and values",
                               "cannot update a document of index", update);
    return st == XC_OK && !found ? not_found(db, idterm) : st;
}

xc_status xc_delete(xc_db *db, const char *idterm)
{
    return keyed_write(db, idterm, true, "xc_delete needs an id term",
                       "cannot delete a document from index",
                       [&] { db->wdb.delete_document(idterm); });
}

xc_status xc_metadata_set(xc_db *db, const char *key, const char *value)
{
    return keyed_write(db, key, value != NULL,
                       "xc_metadata_set needs a key and a value",
                       "cannot set metadata in index",
                       [&] { db->wdb.set_metadata(key, value); });
}

xc_status xc_spelling_add(xc_db *db, const char *word, uint32_t freqinc)
{
    return keyed_write(db, word, true, "xc_spelling_add needs a word",
                       "cannot add a spelling word to index",
                       [&] { db->wdb.add_spelling(word, freqinc); });
}

xc_status xc_spelling_remove(xc_db *db, const char *word, uint32_t freqdec)
{
    return keyed_write(db, word, true, "xc_spelling_remove needs a word",
                       "cannot remove a spelling word from index",
                       [&] { db->wdb.remove_spelling(word, freqdec); });
}

xc_status xc_synonyms_clear(xc_db *db)
{
    if (!db || !need_writer(db))
        return XC_ERR_ARG;
    return guard(db, "cannot clear the synonyms of index", [&] {
        /* keys first: clearing while an iterator walks the table would
         * pull the table from under it */
        std::vector<std::string> keys;
        Xapian::TermIterator end = db->wdb.synonym_keys_end();
        for (Xapian::TermIterator it = db->wdb.synonym_keys_begin(); it != end;
             ++it)
            keys.push_back(*it);
        for (const std::string &k : keys)
            db->wdb.clear_synonyms(k);
    });
}

xc_status xc_synonym_add(xc_db *db, const char *key, const char *value)
{
    return keyed_write(db, key, cstr_key_ok(value),
                       "xc_synonym_add needs a key and a value",
                       "cannot add a synonym to index",
                       [&] { db->wdb.add_synonym(key, value); });
}

/* ---- reading ------------------------------------------------------------ */

xc_status xc_metadata_get(xc_db *db, const char *key, char **out)
{
    if (out)
        *out = NULL;
    if (!db)
        return XC_ERR_ARG;
    if (!cstr_key_ok(key) || !out)
        return arg_error(db, "xc_metadata_get needs a key and an output");
    std::string v;
    xc_status st = guard_read(db, "cannot read metadata of index",
                              [&] { v = db->cur().get_metadata(key); });
    return st != XC_OK ? st : dup_out(db, v, out, "cannot read metadata of");
}

xc_status xc_doccount(xc_db *db, uint32_t *out)
{
    if (out)
        *out = 0;
    if (!db)
        return XC_ERR_ARG;
    if (!out)
        return arg_error(db, "xc_doccount needs an output");
    return guard_read(db, "cannot count documents of index",
                      [&] { *out = db->cur().get_doccount(); });
}

xc_status xc_stats(xc_db *db, uint32_t *doccount, uint64_t *total_length,
                   uint32_t *lastdocid)
{
    uint32_t dc = 0, last = 0;
    uint64_t total = 0;
    xc_status st = XC_OK;
    if (!db) {
        st = XC_ERR_ARG;
        goto out;
    }
    st = guard_read(db, "cannot read statistics of index", [&] {
        Xapian::Database &d = db->cur();
        dc = d.get_doccount();
        total = d.get_total_length();
        last = d.get_lastdocid();
    });
    if (st != XC_OK) {
        dc = last = 0;
        total = 0;
    }
out:
    if (doccount)
        *doccount = dc;
    if (total_length)
        *total_length = total;
    if (lastdocid)
        *lastdocid = last;
    return st;
}

xc_status xc_termfreq(xc_db *db, const char *term, uint32_t *out)
{
    if (out)
        *out = 0;
    if (!db)
        return XC_ERR_ARG;
    if (!cstr_key_ok(term) || !out)
        return arg_error(db, "xc_termfreq needs a term and an output");
    xc_status st = guard_read(db, "cannot read a term frequency of index",
                              [&] { *out = db->cur().get_termfreq(term); });
    if (st != XC_OK)
        *out = 0;
    return st;
}

xc_status xc_get_by_id(xc_db *db, const char *idterm, char **data, size_t *len,
                       char **values, unsigned nvalues)
{
    return xc_get_doc(db, idterm, NULL, data, len, values, NULL, nvalues);
}

xc_status xc_get_doc(xc_db *db, const char *idterm, uint32_t *docid,
                     char **data, size_t *len, char **values, size_t *vlens,
                     unsigned nvalues)
{
    if (docid)
        *docid = 0;
    if (data)
        *data = NULL;
    if (len)
        *len = 0;
    if (values)
        for (unsigned i = 0; i < nvalues; i++)
            values[i] = NULL;
    if (!db)
        return XC_ERR_ARG;
    if (!cstr_key_ok(idterm) || (nvalues > 0 && !values))
        return arg_error(db, "xc_get_by_id needs an id term and outputs");

    std::string d;
    std::vector<std::string> vals;
    bool found = false;
    Xapian::docid did = 0;
    xc_status st = guard_read(db, "cannot read a document of index", [&] {
        Xapian::Database &x = db->cur();
        found = false;
        vals.clear();
        Xapian::PostingIterator it = x.postlist_begin(idterm);
        if (it == x.postlist_end(idterm))
            return;
        Xapian::Document doc = x.get_document(*it);
        did = *it;
        if (data) /* values only: skip reading the stored text */
            d = doc.get_data();
        if (values) {
            vals.reserve(nvalues);
            for (unsigned i = 0; i < nvalues; i++)
                vals.push_back(doc.get_value(i));
        }
        found = true;
    });
    if (st != XC_OK)
        return st;
    if (!found)
        return not_found(db, idterm);

    /* Copy out only now, so a rerun never leaves half-filled outputs. */
    char *dcopy = NULL;
    if (data && !(dcopy = dup_string(d)))
        goto nomem;
    if (values) {
        for (unsigned i = 0; i < nvalues; i++) {
            values[i] = dup_string(vals[i]);
            if (!values[i])
                goto nomem;
            if (vlens)
                vlens[i] = vals[i].size();
        }
    }
    if (data)
        *data = dcopy;
    if (len)
        *len = d.size();
    if (docid)
        *docid = did;
    return XC_OK;

nomem:
    free(dcopy);
    if (values)
        for (unsigned i = 0; i < nvalues; i++) {
            free(values[i]);
            values[i] = NULL;
        }
    return nomem(db, "cannot read a document of");
}

xc_status xc_value_of(xc_db *db, uint32_t docid, unsigned slot, xc_str_fn fn,
                      void *ctx)
{
    if (!db)
        return XC_ERR_ARG;
    if (!fn || docid == 0)
        return arg_error(db, "xc_value_of needs a document and a callback");
    std::string v;
    /* guard, not guard_read: a reopen would read another revision than
     * the one the caller's other reads of this document came from */
    xc_status st = guard(db, "cannot read a value of index", [&] {
        v = db->cur()
                .get_document(docid, Xapian::DOC_ASSUME_VALID)
                .get_value(slot);
    });
    if (st != XC_OK)
        return st;
    fn(v.data(), v.size(), ctx);
    return XC_OK;
}

xc_status xc_positions(xc_db *db, uint32_t docid, const char *term, uint32_t lo,
                       uint32_t hi, uint32_t *out, size_t max, size_t *n)
{
    if (n)
        *n = 0;
    if (!db)
        return XC_ERR_ARG;
    if (!n || (max > 0 && !out) || docid == 0 || !cstr_key_ok(term))
        return arg_error(db, "xc_positions needs a document, a term and an "
                             "output");
    size_t got = 0;
    xc_status st = guard(db, "cannot read positions of index", [&] {
        Xapian::Database &x = db->cur();
        got = 0;
        Xapian::PositionIterator it = x.positionlist_begin(docid, term);
        Xapian::PositionIterator end = x.positionlist_end(docid, term);
        if (it == end)
            return;
        it.skip_to(lo);
        for (; it != end && got < max; ++it) {
            Xapian::termpos p = *it;
            if (p > hi)
                break;
            out[got++] = p;
        }
    });
    if (st != XC_OK)
        return st;
    *n = got;
    return XC_OK;
}

xc_status xc_allterms(xc_db *db, const char *prefix, xc_term_fn fn, void *ctx)
{
    if (!db)
        return XC_ERR_ARG;
    if (!fn || (prefix && strnlen(prefix, XC_MAX_TERM + 1) > XC_MAX_TERM))
        return arg_error(db, "xc_allterms needs a callback and a prefix");
    return guard(db, "cannot list the terms of index", [&] {
        std::string pfx(prefix ? prefix : "");
        std::string last; /* last term handed to fn */
        bool started = false;
        rerun(db, [&] {
            Xapian::Database &x = db->cur();
            Xapian::TermIterator it = x.allterms_begin(pfx);
            Xapian::TermIterator end = x.allterms_end(pfx);
            /* a rerun resumes after the last term delivered: fn must
             * not see a term twice */
            if (started) {
                it.skip_to(last);
                if (it != end && *it == last)
                    ++it;
            }
            for (; it != end; ++it) {
                std::string term = *it;
                uint32_t tf = it.get_termfreq();
                last.swap(term);
                started = true;
                if (fn(last.data(), last.size(), tf, ctx))
                    return;
            }
        });
    });
}

xc_status xc_synonyms_of(xc_db *db, const char *key, xc_str_fn fn, void *ctx)
{
    if (!db)
        return XC_ERR_ARG;
    if (!cstr_key_ok(key) || !fn)
        return arg_error(db, "xc_synonyms_of needs a key and a callback");
    std::vector<std::string> syn;
    xc_status st = guard_read(db, "cannot read the synonyms of index", [&] {
        Xapian::Database &x = db->lexicon();
        syn.clear();
        Xapian::TermIterator end = x.synonyms_end(key);
        for (Xapian::TermIterator it = x.synonyms_begin(key); it != end; ++it)
            syn.push_back(*it);
    });
    if (st != XC_OK)
        return st;
    for (const std::string &s : syn)
        if (fn(s.c_str(), s.size(), ctx))
            break;
    return XC_OK;
}

xc_status xc_synonym_keys(xc_db *db, xc_str_fn fn, void *ctx)
{
    if (!db)
        return XC_ERR_ARG;
    if (!fn)
        return arg_error(db, "xc_synonym_keys needs a callback");
    return guard(db, "cannot list the synonym keys of index", [&] {
        std::string last; /* last key handed to fn */
        bool started = false;
        rerun(db, [&] {
            Xapian::Database &x = db->lexicon();
            Xapian::TermIterator it = x.synonym_keys_begin();
            Xapian::TermIterator end = x.synonym_keys_end();
            /* a rerun resumes after the last key delivered */
            if (started) {
                it.skip_to(last);
                if (it != end && *it == last)
                    ++it;
            }
            for (; it != end; ++it) {
                std::string k = *it;
                last.swap(k);
                started = true;
                if (fn(last.c_str(), last.size(), ctx))
                    return;
            }
        });
    });
}

xc_status xc_spelling_suggest(xc_db *db, const char *word, unsigned max_edit,
                              char **out)
{
    if (out)
        *out = NULL;
    if (!db)
        return XC_ERR_ARG;
    if (!cstr_key_ok(word) || !out || max_edit > XC_MAX_EDIT)
        return arg_error(db, "xc_spelling_suggest needs a word, an output "
                             "and max_edit <= XC_MAX_EDIT");
    std::string s;
    xc_status st = guard_read(db, "cannot suggest a spelling from index", [&] {
        s = db->lexicon().get_spelling_suggestion(word, max_edit);
    });
    return st != XC_OK ? st : dup_out(db, s, out, "cannot suggest from");
}

/* ---- queries ------------------------------------------------------------ */

/* Constructors also return NULL on a bad argument (NULL, empty or too
 * long term): there is no handle to carry a message. */
xc_query *xc_query_term(const char *term, size_t len, uint32_t wqf)
{
    if (!key_ok(term, len))
        return NULL;
    return or_null([&] {
        return new xc_query{Xapian::Query(std::string(term, len), wqf)};
    });
}

xc_query *xc_query_value_range(unsigned slot, const char *lo, const char *hi)
{
    return or_null([&] {
        typedef Xapian::Query Q;
        if (lo && hi)
            return new xc_query{Q(Q::OP_VALUE_RANGE, slot, lo, hi)};
        if (lo)
            return new xc_query{Q(Q::OP_VALUE_GE, slot, lo)};
        if (hi)
            return new xc_query{Q(Q::OP_VALUE_LE, slot, hi)};
        /* every document with the value set: "" is below any value */
        return new xc_query{Q(Q::OP_VALUE_GE, slot, std::string(1, '\0'))};
    });
}

xc_query *xc_query_wildcard(const char *prefix, size_t len,
                            uint32_t max_expansion)
{
    /* an empty prefix would expand to every term of the index */
    if (!key_ok(prefix, len))
        return NULL;
    return or_null([&] {
        /* 0 is "no limit", as in Xapian; but 1.4's MOST_FREQUENT takes it
         * literally and expands to nothing, so ask for no limit plainly */
        int type = max_expansion ? Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT
                                 : Xapian::Query::WILDCARD_LIMIT_ERROR;
        return new xc_query{Xapian::Query(Xapian::Query::OP_WILDCARD,
                                          std::string(prefix, len),
                                          max_expansion, type)};
    });
}

static Xapian::Query build(xc_qop op, const std::vector<Xapian::Query> &subs,
                           uint32_t window)
{
    typedef Xapian::Query Q;
    size_t n = subs.size();
    switch (op) {
    case XC_Q_AND:
        return Q(Q::OP_AND, subs.begin(), subs.end());
    case XC_Q_OR:
        return Q(Q::OP_OR, subs.begin(), subs.end());
    case XC_Q_AND_NOT:
    case XC_Q_AND_MAYBE:
    case XC_Q_PROXIMITY: {
        /* first child against the OR of the others */
        if (n == 0)
            return Q();
        if (n == 1)
            return subs[0];
        Q rest(Q::OP_OR, subs.begin() + 1, subs.end());
        return Q(op == XC_Q_AND_NOT ? Q::OP_AND_NOT : Q::OP_AND_MAYBE, subs[0],
                 rest);
    }
    case XC_Q_PHRASE:
        return Q(Q::OP_PHRASE, subs.begin(), subs.end(),
                 window ? window : static_cast<Xapian::termcount>(n));
    case XC_Q_NEAR:
        return Q(Q::OP_NEAR, subs.begin(), subs.end(), window);
    case XC_Q_FILTER:
        return Q(Q::OP_FILTER, subs.begin(), subs.end());
    case XC_Q_SYNONYM:
        return Q(Q::OP_SYNONYM, subs.begin(), subs.end());
    }
    throw std::invalid_argument("unknown query operator");
}

xc_query *xc_query_combine(xc_qop op, xc_query **children, size_t n,
                           uint32_t window)
{
    xc_query *res = NULL;
    bool ok = children || n == 0;
    for (size_t i = 0; ok && i < n; i++)
        if (!children[i])
            ok = false; /* a child failed to build: the tree is void */
    if (ok) {
        try {
            std::vector<Xapian::Query> subs, base, bonus;
            bool prox = op == XC_Q_PROXIMITY && n > 1;
            subs.reserve(n);
            for (size_t i = 0; i < n; i++) {
                subs.push_back(children[i]->q);
                prox |= children[i]->prox;
            }
            res = new xc_query(build(op, subs, window));
            if (prox) {
                /* the children whose weight counts: not what AND_NOT takes
                 * away nor what FILTER filters by */
                size_t weighed =
                    op == XC_Q_AND_NOT || op == XC_Q_FILTER ? 1 : n;
                for (size_t i = 0; i < weighed; i++)
                    if (children[i]->prox)
                        bonus.push_back(children[i]->bonus);
                if (op == XC_Q_PROXIMITY) {
                    res->base = children[0]->plain();
                    bonus.insert(bonus.end(), subs.begin() + 1, subs.end());
                } else {
                    for (size_t i = 0; i < n; i++)
                        base.push_back(children[i]->plain());
                    res->base = build(op, base, window);
                }
                res->bonus = bonus.size() == 1
                                 ? bonus[0]
                                 : Xapian::Query(Xapian::Query::OP_OR,
                                                 bonus.begin(), bonus.end());
                res->prox = true;
            }
        } catch (...) {
            delete res;
            res = NULL;
        }
    }
    /* ownership was taken: the children go whatever happened */
    if (children)
        for (size_t i = 0; i < n; i++)
            xc_query_free(children[i]);
    return res;
}

xc_query *xc_query_copy(const xc_query *q)
{
    if (!q)
        return NULL;
    try {
        return new xc_query(*q); /* Xapian queries share their tree */
    } catch (...) {
        return NULL;
    }
}

xc_query *xc_query_scale(xc_query *q, double factor)
{
    if (!q)
        return NULL;
    if (!std::isfinite(factor) || factor < 0) {
        xc_query_free(q); /* owned, as by the combining constructors */
        return NULL;
    }
    try {
        q->q = Xapian::Query(factor, q->q);
        if (q->prox) {
            q->base = Xapian::Query(factor, q->base);
            q->bonus = Xapian::Query(factor, q->bonus);
        }
    } catch (...) {
        xc_query_free(q);
        return NULL;
    }
    return q;
}

xc_query *xc_query_match_nothing(void)
{
    return or_null([] { return new xc_query{Xapian::Query()}; });
}

void xc_query_free(xc_query *q)
{
    delete q;
}

char *xc_query_describe(const xc_query *q)
{
    if (!q)
        return NULL;
    return or_null([&] { return dup_string(q->q.get_description()); });
}

/* Shared by xc_search (document data) and xc_search_values (value slots:
 * stored uncompressed, so a hit costs no zlib inflate of a whole page). */
static xc_status search_common(xc_db *db, const xc_query *q,
                               const xc_search_opt *o, bool want_data,
                               xc_mset **out)
{
    if (out)
        *out = NULL;
    if (!db)
        return XC_ERR_ARG;
    if (!q || !out || !o || (o->nslots > 0 && !o->slots) ||
        (o->nfacets > 0 && !o->facets))
        return arg_error(db, "xc_search needs a query and an output");
    if (o->limit > XC_MAX_FETCH)
        return arg_error(db, "xc_search limit past XC_MAX_FETCH");
    if (o->nfacets > XC_MAX_FACETS)
        return arg_error(db, "xc_search facets past XC_MAX_FACETS");
    const unsigned *slots = o->slots;
    size_t nslots = o->nslots;
    xc_mset *m = NULL;
    xc_status st = guard(db, "cannot search index", [&] {
        m = new xc_mset;
        rerun(db, [&] {
            Xapian::Enquire enq(db->cur());
            enq.set_weighting_scheme(Xapian::BM25Weight(
                db->k1, db->k2, db->k3, db->b, db->min_normlen));
            if (o->sort_slot >= 0)
                enq.set_sort_by_value_then_relevance(
                    (Xapian::valueno)o->sort_slot, o->sort_descending != 0);
            m->facets.assign(o->nfacets, xc_facet());
            FacetSpy spy(o->facets, o->nfacets, o->facet_sep, &m->facets);
            /* a remote shard runs only Xapian's own spies (serialised to
             * xapian-tcpsrv): one count per slot, split afterwards */
            std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy>> counts;
            bool remote = !db->shards.empty();
            Xapian::doccount check = o->exact_total;
            if (o->nfacets > 0) {
                if (remote) {
                    counts.reserve(o->nfacets);
                    for (size_t k = 0; k < o->nfacets; k++) {
                        counts.emplace_back(
                            new Xapian::ValueCountMatchSpy(o->facets[k]));
                        enq.add_matchspy(counts.back().get());
                    }
                } else {
                    enq.add_matchspy(&spy);
                }
                check = db->cur().get_doccount();
            }
            enq.set_query(q->searched());
            Xapian::MSet ms = enq.get_mset(o->offset, o->limit, check);
            for (size_t k = 0; k < counts.size(); k++)
                spy.add_counts(*counts[k], k);
            m->hits.clear();
            m->hits.reserve(ms.size());
            for (Xapian::MSetIterator it = ms.begin(); it != ms.end(); ++it) {
                Xapian::Document doc = it.get_document();
                xc_hit h{*it,
                         it.get_weight(),
                         want_data ? doc.get_data() : std::string(),
                         {}};
                h.values.reserve(nslots);
                for (size_t k = 0; k < nslots; k++)
                    h.values.push_back(doc.get_value(slots[k]));
                m->hits.push_back(std::move(h));
            }
            m->estimated = ms.get_matches_estimated();
        });
    });
    if (st != XC_OK) {
        delete m;
        return st;
    }
    *out = m;
    return XC_OK;
}

xc_status xc_search(xc_db *db, const xc_query *q, uint32_t offset,
                    uint32_t limit, xc_mset **out)
{
    xc_search_opt o = {offset, limit, NULL, 0, -1, 0, NULL, 0, '\0', 0};
    return search_common(db, q, &o, true, out);
}

xc_status xc_search_values(xc_db *db, const xc_query *q, uint32_t offset,
                           uint32_t limit, const unsigned *slots, size_t nslots,
                           xc_mset **out)
{
    xc_search_opt o = {offset, limit, slots, nslots, -1, 0, NULL, 0, '\0', 0};
    return search_common(db, q, &o, true, out);
}

xc_status xc_search_opt_run(xc_db *db, const xc_query *q,
                            const xc_search_opt *opt, xc_mset **out)
{
    return search_common(db, q, opt, true, out);
}

void xc_mset_facet(const xc_mset *m, size_t k, xc_facet_fn fn, void *ctx,
                   int *truncated)
{
    if (truncated)
        *truncated = 0;
    if (!m || k >= m->facets.size() || !fn)
        return;
    const xc_facet &f = m->facets[k];
    if (truncated)
        *truncated = f.truncated;
    typedef std::pair<const std::string *, uint32_t> entry;
    std::vector<entry> v;
    try {
        v.reserve(f.counts.size());
    } catch (...) {
        return; /* out of memory: no counts rather than an exception */
    }
    for (const auto &e : f.counts)
        v.push_back(entry(&e.first, e.second));
    /* most frequent first; the map gave byte order, stable keeps it */
    std::stable_sort(v.begin(), v.end(), [](const entry &a, const entry &b) {
        return a.second > b.second;
    });
    for (const entry &e : v)
        if (fn(e.first->c_str(), e.first->size(), e.second, ctx))
            break;
}

void xc_mset_value(const xc_mset *m, size_t i, size_t k, const char **v,
                   size_t *len)
{
    const xc_hit *h = m && i < m->hits.size() ? &m->hits[i] : NULL;
    const std::string *s = h && k < h->values.size() ? &h->values[k] : NULL;
    if (v)
        *v = s ? s->c_str() : NULL;
    if (len)
        *len = s ? s->size() : 0;
}

void xc_mset_free(xc_mset *m)
{
    delete m;
}

size_t xc_mset_size(const xc_mset *m)
{
    return m ? m->hits.size() : 0;
}

uint32_t xc_mset_estimated(const xc_mset *m)
{
    return m ? m->estimated : 0;
}

void xc_mset_item(const xc_mset *m, size_t i, uint32_t *docid, double *weight,
                  const char **data, size_t *data_len)
{
    const xc_hit *h = m && i < m->hits.size() ? &m->hits[i] : NULL;
    if (docid)
        *docid = h ? h->docid : 0;
    if (weight)
        *weight = h ? h->weight : 0.0;
    if (data)
        *data = h ? h->data.c_str() : NULL;
    if (data_len)
        *data_len = h ? h->data.size() : 0;
}

} /* extern "C" */
