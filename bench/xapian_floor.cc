/* xapian_floor: how long Xapian alone takes to write an index's term set.
 *
 * Loads every document of an existing Xapian database into memory as
 * Xapian::Document objects built from scratch (terms with their wdf and
 * positions, values, data: nothing refers back to the source database),
 * then times adding them all to a fresh WritableDatabase and committing.
 * Parsing and analysis cost nothing here, so the figure is the floor of
 * any indexer that writes that term set through Xapian.
 *
 * Usage: xapian_floor [options] SRC_DB TMP_DB
 *   --commit-every N   commit every N documents (default: once at the end)
 *   --transaction      wrap each batch in begin/commit_transaction(false),
 *                      as common/xapian_c does
 *   --replace PREFIX   replace_document(unique term) instead of
 *                      add_document: the unique term is the document's first
 *                      term starting with PREFIX (omindex: "Q", cglu: "U")
 *   --no-positions     drop positions (terms keep their wdf)
 *   --no-values        drop every value slot
 *   --drop-value SLOT  drop one value slot (cglu's text is slot 4)
 *   --no-data          drop document data
 *   --no-spelling      do not copy the spelling dictionary
 *   --only-prefix P    keep only terms starting with P (repeatable)
 *   --reps N           time the write N times (fresh database each time)
 * TMP_DB is overwritten. Prints one line per repetition and the median.
 * Spelling: the source's words and frequencies are added with
 * add_spelling(word, freq) once each, spread over the batches in
 * proportion (a lower bound of what per-batch deltas cost). */
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace
{

struct options {
    unsigned commit_every = 0;
    bool transaction = false;
    std::string replace_prefix;
    bool positions = true;
    bool values = true;
    int drop_value = -1;
    bool data = true;
    bool spelling = true;
    std::vector<std::string> only;
    int reps = 1;
};

struct loaded {
    std::vector<Xapian::Document> docs;
    std::vector<std::string> uids; /* unique terms when replacing */
    std::vector<std::pair<std::string, Xapian::termcount>> spellings;
    size_t terms = 0, postings = 0, value_bytes = 0, data_bytes = 0;
};

bool keep_term(const options &o, const std::string &t)
{
    if (o.only.empty())
        return true;
    for (const std::string &p : o.only)
        if (t.compare(0, p.size(), p) == 0)
            return true;
    return false;
}

/* Copies every document of src into memory, from scratch. */
void load(const options &o, const std::string &path, loaded &out)
{
    Xapian::Database src(path);
    for (Xapian::PostingIterator it = src.postlist_begin("");
         it != src.postlist_end(""); ++it) {
        Xapian::Document in = src.get_document(*it);
        Xapian::Document doc;
        std::string uid;
        for (Xapian::TermIterator t = in.termlist_begin();
             t != in.termlist_end(); ++t) {
            const std::string term = *t;
            if (uid.empty() && !o.replace_prefix.empty() &&
                term.compare(0, o.replace_prefix.size(), o.replace_prefix) == 0)
                uid = term;
            if (!keep_term(o, term))
                continue;
            /* wdf as stored; positions add no wdf of their own */
            doc.add_term(term, t.get_wdf());
            out.terms++;
            if (o.positions)
                for (Xapian::PositionIterator p = t.positionlist_begin();
                     p != t.positionlist_end(); ++p) {
                    doc.add_posting(term, *p, 0);
                    out.postings++;
                }
        }
        if (o.values)
            for (Xapian::ValueIterator v = in.values_begin();
                 v != in.values_end(); ++v) {
                if ((int)v.get_valueno() == o.drop_value)
                    continue;
                doc.add_value(v.get_valueno(), *v);
                out.value_bytes += (*v).size();
            }
        if (o.data) {
            doc.set_data(in.get_data());
            out.data_bytes += doc.get_data().size();
        }
        out.docs.push_back(std::move(doc));
        out.uids.push_back(uid);
    }
    if (o.spelling)
        for (Xapian::TermIterator s = src.spellings_begin();
             s != src.spellings_end(); ++s)
            out.spellings.emplace_back(*s, s.get_termfreq());
}

/* One timed write into a fresh database; returns seconds. */
double write_once(const options &o, const loaded &in, const std::string &dst)
{
    auto t0 = std::chrono::steady_clock::now();
    Xapian::WritableDatabase db(dst, Xapian::DB_CREATE_OR_OVERWRITE |
                                         Xapian::DB_BACKEND_GLASS);
    size_t n = in.docs.size(), ns = in.spellings.size(), sp = 0;
    size_t every = o.commit_every ? o.commit_every : n;
    if (every == 0)
        every = 1;
    for (size_t start = 0; start < n || (n == 0 && start == 0);
         start += every) {
        size_t end = std::min(n, start + every);
        if (o.transaction)
            db.begin_transaction(false);
        for (size_t i = start; i < end; i++) {
            if (!o.replace_prefix.empty() && !in.uids[i].empty())
                db.replace_document(in.uids[i], in.docs[i]);
            else
                db.add_document(in.docs[i]);
        }
        /* this batch's share of the spelling words */
        size_t sp_end = n ? ns * end / n : ns;
        for (; sp < sp_end; sp++)
            db.add_spelling(in.spellings[sp].first, in.spellings[sp].second);
        if (o.transaction)
            db.commit_transaction();
        db.commit();
        if (n == 0)
            break;
    }
    db.close();
    auto t1 = std::chrono::steady_clock::now();
    return std::chrono::duration<double>(t1 - t0).count();
}

int usage()
{
    std::fprintf(stderr,
                 "usage: xapian_floor [--commit-every N] [--transaction] "
                 "[--replace PREFIX] [--no-positions] [--no-values] "
                 "[--drop-value SLOT] [--no-data] [--no-spelling] "
                 "[--only-prefix P]... [--reps N] SRC_DB TMP_DB\n");
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    options o;
    std::vector<std::string> args;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        bool has_next = i + 1 < argc;
        if (a == "--commit-every" && has_next)
            o.commit_every = (unsigned)std::strtoul(argv[++i], nullptr, 10);
        else if (a == "--transaction")
            o.transaction = true;
        else if (a == "--replace" && has_next)
            o.replace_prefix = argv[++i];
        else if (a == "--no-positions")
            o.positions = false;
        else if (a == "--no-values")
            o.values = false;
        else if (a == "--drop-value" && has_next)
            o.drop_value = std::atoi(argv[++i]);
        else if (a == "--no-data")
            o.data = false;
        else if (a == "--no-spelling")
            o.spelling = false;
        else if (a == "--only-prefix" && has_next)
            o.only.push_back(argv[++i]);
        else if (a == "--reps" && has_next)
            o.reps = std::max(1, std::atoi(argv[++i]));
        else if (!a.empty() && a[0] == '-')
            return usage();
        else
            args.push_back(a);
    }
    if (args.size() != 2)
        return usage();
    try {
        loaded in;
        auto l0 = std::chrono::steady_clock::now();
        load(o, args[0], in);
        auto l1 = std::chrono::steady_clock::now();
        std::printf("loaded %zu docs, %zu terms, %zu positions, %.1f MB of "
                    "values, %.1f MB of data, %zu spelling words in %.2f s\n",
                    in.docs.size(), in.terms, in.postings, in.value_bytes / 1e6,
                    in.data_bytes / 1e6, in.spellings.size(),
                    std::chrono::duration<double>(l1 - l0).count());
        std::vector<double> times;
        for (int r = 0; r < o.reps; r++) {
            double s = write_once(o, in, args[1]);
            times.push_back(s);
            std::printf("write %d: %.3f s\n", r + 1, s);
            std::fflush(stdout);
        }
        std::sort(times.begin(), times.end());
        std::printf("median write: %.3f s (min %.3f, max %.3f)\n",
                    times[times.size() / 2], times.front(), times.back());
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "xapian_floor: %s\n", e.get_description().c_str());
        return 1;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "xapian_floor: %s\n", e.what());
        return 1;
    }
    return 0;
}
