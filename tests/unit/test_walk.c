/* test_walk: listing files under a folder: order, hidden names, symlinks,
 * loops, limits and errors, on a real temporary tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/unit_util.h"
#include "indexer/walk.h"

typedef struct fixture {
    unit_db u;      /* u.dir: the base, holding root/ and outside/ */
    char root[128]; /* the tree that is walked */
} fixture;

static void make_dir(const fixture *f, const char *rel)
{
    char p[512];

    snprintf(p, sizeof p, "%s/%s", f->u.dir, rel);
    if (mkdir(p, 0755) != 0)
        fail_msg("mkdir %s: %s", p, strerror(errno));
}

static void make_file(const fixture *f, const char *rel, const char *body)
{
    char p[512];
    FILE *fp;

    snprintf(p, sizeof p, "%s/%s", f->u.dir, rel);
    fp = fopen(p, "w");
    if (fp == NULL) {
        fail_msg("create %s: %s", p, strerror(errno));
        return;
    }
    fputs(body, fp);
    fclose(fp);
}

static void make_link(const fixture *f, const char *target, const char *rel)
{
    char p[512];

    snprintf(p, sizeof p, "%s/%s", f->u.dir, rel);
    if (symlink(target, p) != 0)
        fail_msg("symlink %s: %s", p, strerror(errno));
}

/* One entry of a tree, under base: "name/" is a folder, "name=body" a
 * file, "name -> target" a link. */
static void make(const fixture *f, const char *spec)
{
    char rel[256];
    const char *sep;
    size_t n = strlen(spec);

    if (spec[n - 1] == '/') {
        snprintf(rel, sizeof rel, "%.*s", (int)(n - 1), spec);
        make_dir(f, rel);
    } else if ((sep = strstr(spec, " -> ")) != NULL) {
        snprintf(rel, sizeof rel, "%.*s", (int)(sep - spec), spec);
        make_link(f, sep + 4, rel);
    } else {
        sep = strchr(spec, '=');
        assert_non_null(sep);
        snprintf(rel, sizeof rel, "%.*s", (int)(sep - spec), spec);
        make_file(f, rel, sep + 1);
    }
}

/* base/
 *   outside/o.txt                 reached only through root/ext
 *   root/
 *     a.txt  a-b.txt  a/x.txt     byte order: "a-b" < "a.txt" < "a/x"
 *     alias -> b                  sorts before b, yet b keeps its name
 *     b/c.md
 *     b/d/e.html
 *     b/d/loop -> ../../b         loop to an ancestor
 *     b/d/up -> ../..             loop to the root
 *     b/.secret/s.txt             hidden folder
 *     .hidden.txt  .git/config    hidden file and folder
 *     dangling -> nowhere         counted as an error, kept in unreadable
 *     ext -> ../outside           a folder outside the root: not followed
 *                                 (listed in outside) unless asked
 *     filelink.txt -> a.txt       file symlink: listed under its own name
 *     fifo                        not a regular file: ignored
 *     empty/                      nothing to list
 * made by setup() in this order (the fifo apart). */
static const char *const tree[] = {
    "outside/",
    "outside/o.txt=dehors",
    "root/",
    "root/a.txt=0123456789",
    "root/a-b.txt=ab",
    "root/a/",
    "root/a/x.txt=x",
    "root/b/",
    "root/b/c.md=# c",
    "root/b/d/",
    "root/b/d/e.html=<p>e</p>",
    "root/b/d/loop -> ../../b",
    "root/b/d/up -> ../..",
    "root/b/.secret/",
    "root/b/.secret/s.txt=secret",
    "root/.hidden.txt=hidden",
    "root/.git/",
    "root/.git/config=[core]",
    "root/alias -> b",
    "root/dangling -> nowhere",
    "root/ext -> ../outside",
    "root/filelink.txt -> a.txt",
    "root/empty/",
};

static int setup(void **state)
{
    fixture *f = unit_db_new(sizeof *f);

    assert_non_null(f);
    snprintf(f->root, sizeof f->root, "%s/root", f->u.dir);
    for (size_t k = 0; k < sizeof tree / sizeof tree[0]; k++)
        make(f, tree[k]);
    {
        char p[512];
        snprintf(p, sizeof p, "%s/fifo", f->root);
        assert_int_equal(mkfifo(p, 0644), 0);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    unit_db_free(&f->u);
    return 0;
}

static const char *const expected[] = {
    "a-b.txt", "a.txt", "a/x.txt", "b/c.md", "b/d/e.html", "filelink.txt",
};
#define NEXPECTED (sizeof expected / sizeof expected[0])

static void check_list(const walk_list *l, const char *prefix)
{
    size_t k;
    char want[512];

    for (k = 0; k < l->count && k < NEXPECTED; k++)
        if (strcmp(l->items[k].relpath, expected[k]) != 0)
            fail_msg("entry %zu: %s, want %s", k, l->items[k].relpath,
                     expected[k]);
    assert_int_equal(l->count, NEXPECTED);
    for (k = 0; k < l->count; k++) {
        snprintf(want, sizeof want, "%s/%s", prefix, expected[k]);
        assert_string_equal(l->items[k].path, want);
        assert_ptr_equal(l->items[k].relpath,
                         l->items[k].path + strlen(prefix) + 1);
    }
}

static void test_tree(void **state)
{
    fixture *f = *state;
    walk_list l;
    char err[256] = "";
    struct stat sb;
    size_t k;

    assert_int_equal(walk_tree(f->root, &l, err, sizeof err), WALK_OK);
    check_list(&l, f->root);

    /* the dangling link is the only error, and its message says so */
    assert_int_equal(l.errors, 1);
    assert_int_equal(l.nmessages, 1);
    assert_string_equal(l.messages[0], "dangling: cannot follow link: no such "
                                       "file or directory");
    assert_int_equal(l.nunreadable, 1);
    assert_string_equal(l.unreadable[0], "dangling");
    /* the link to a folder outside the root is not followed */
    assert_int_equal(l.noutside, 1);
    assert_string_equal(l.outside[0], "ext");

    /* size and mtime come from stat (symlinks followed) */
    for (k = 0; k < l.count; k++) {
        assert_int_equal(stat(l.items[k].path, &sb), 0);
        assert_int_equal(l.items[k].size, sb.st_size);
        assert_int_equal(l.items[k].mtime, sb.st_mtim.tv_sec);
        assert_int_equal(l.items[k].mtime_nsec, sb.st_mtim.tv_nsec);
        assert_int_equal(l.items[k].ino, sb.st_ino);
        assert_int_equal(l.items[k].dev, sb.st_dev);
    }
    assert_int_equal(l.items[1].size, 10);            /* a.txt */
    assert_int_equal(l.items[5].ino, l.items[1].ino); /* link to it */
    walk_list_free(&l);
    assert_null(l.items);
    assert_int_equal(l.count, 0);
    walk_list_free(&l); /* twice is harmless */
}

static void test_trailing_slashes(void **state)
{
    fixture *f = *state;
    walk_list l;
    char root[256];

    snprintf(root, sizeof root, "%s//", f->root);
    assert_int_equal(walk_tree(root, &l, NULL, 0), WALK_OK);
    check_list(&l, f->root);
    walk_list_free(&l);
}

static void test_relative_root(void **state)
{
    fixture *f = *state;
    walk_list l;
    char cwd[512];

    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->u.dir), 0);
    assert_int_equal(walk_tree("root", &l, NULL, 0), WALK_OK);
    assert_int_equal(chdir(cwd), 0);
    check_list(&l, "root");
    walk_list_free(&l);
}

/* A root that is itself reached through a link is walked the same way. */
static void test_root_is_link(void **state)
{
    fixture *f = *state;
    walk_list l;
    char link[256];

    snprintf(link, sizeof link, "%s/rootlink", f->u.dir);
    assert_int_equal(symlink("root", link), 0);
    assert_int_equal(walk_tree(link, &l, NULL, 0), WALK_OK);
    check_list(&l, link);
    walk_list_free(&l);
    unlink(link);
}

static void test_root_errors(void **state)
{
    static const struct {
        const char *rel; /* under base; NULL: the empty string */
        walk_status st;
        const char *reason;
    } t[] = {
        {"missing", WALK_ERR_NOT_FOUND, "no such file or directory"},
        {"root/a.txt", WALK_ERR_NOT_DIR, "not a directory"},
        {"root/a.txt/x", WALK_ERR_NOT_FOUND, "not a directory"},
        {"root/dangling", WALK_ERR_NOT_FOUND, "no such file or directory"},
    };
    fixture *f = *state;
    walk_list l;
    char root[256], err[512], want[512];
    size_t k;

    for (k = 0; k < sizeof t / sizeof t[0]; k++) {
        snprintf(root, sizeof root, "%s/%s", f->u.dir, t[k].rel);
        if (walk_tree(root, &l, err, sizeof err) != t[k].st)
            fail_msg("%s: %s", t[k].rel, err);
        snprintf(want, sizeof want, "cannot read folder %s: %s", root,
                 t[k].reason);
        assert_string_equal(err, want);
        assert_null(l.items);
        assert_int_equal(l.count, 0);
    }
    assert_int_equal(walk_tree("", &l, err, sizeof err), WALK_ERR_ARG);
    assert_int_equal(walk_tree(NULL, &l, NULL, 0), WALK_ERR_ARG);
    assert_int_equal(walk_tree(f->root, NULL, NULL, 0), WALK_ERR_ARG);
}

/* Permissions do not bind root, so this only runs as another user. */
static void test_unreadable(void **state)
{
    fixture *f = *state;
    walk_list l;
    char p[256], err[512], want[512];

    if (geteuid() == 0)
        skip();
    snprintf(p, sizeof p, "%s/root/empty", f->u.dir);
    assert_int_equal(chmod(p, 0), 0);
    assert_int_equal(walk_tree(f->root, &l, err, sizeof err), WALK_OK);
    assert_int_equal(l.count, NEXPECTED);
    assert_int_equal(l.errors, 2); /* dangling, and empty/ */
    walk_list_free(&l);
    assert_int_equal(walk_tree(p, &l, err, sizeof err), WALK_ERR_ACCESS);
    snprintf(want, sizeof want, "cannot read folder %s: permission denied", p);
    assert_string_equal(err, want);
    assert_int_equal(chmod(p, 0755), 0);
}

static void test_limits(void **state)
{
    fixture *f = *state;
    walk_list l;
    char err[512], want[512];

    /* exactly as many files as allowed is fine, one more is not */
    assert_int_equal(
        walk_tree_limits(f->root, NEXPECTED, 0, &l, err, sizeof err), WALK_OK);
    assert_int_equal(l.count, NEXPECTED);
    walk_list_free(&l);
    assert_int_equal(
        walk_tree_limits(f->root, NEXPECTED - 1, 0, &l, err, sizeof err),
        WALK_ERR_TOO_MANY);
    snprintf(want, sizeof want, "too many files in %s: more than %zu", f->root,
             NEXPECTED - 1);
    assert_string_equal(err, want);
    assert_null(l.items);
    assert_int_equal(l.count, 0);

    /* b/d is 2 levels down, ext/ (outside) is 1 */
    assert_int_equal(walk_tree_limits(f->root, 0, 2, &l, err, sizeof err),
                     WALK_OK);
    walk_list_free(&l);
    assert_int_equal(walk_tree_limits(f->root, 0, 1, &l, err, sizeof err),
                     WALK_ERR_TOO_DEEP);
    snprintf(want, sizeof want, "folder %s/b/d is more than 1 levels below %s",
             f->root, f->root);
    assert_string_equal(err, want);
    assert_null(l.items);
    assert_string_equal(walk_strerror(WALK_ERR_TOO_DEEP),
                        "folders nested too deep");
}

/* A chain deeper than WALK_MAX_DEPTH is refused with the default limit. */
static void test_default_depth(void **state)
{
    fixture *f = *state;
    walk_list l;
    char p[4096], err[4096];
    size_t len;
    int k;

    len = (size_t)snprintf(p, sizeof p, "%s/deep", f->u.dir);
    assert_int_equal(mkdir(p, 0755), 0);
    for (k = 0; k < WALK_MAX_DEPTH; k++) {
        len += (size_t)snprintf(p + len, sizeof p - len, "/d");
        assert_int_equal(mkdir(p, 0755), 0);
    }
    snprintf(p + len, sizeof p - len, "/bottom.txt");
    make_file(f, p + strlen(f->u.dir) + 1, "fond");
    snprintf(p, sizeof p, "%s/deep", f->u.dir);
    assert_int_equal(walk_tree(p, &l, err, sizeof err), WALK_OK);
    assert_int_equal(l.count, 1);
    assert_int_equal(strlen(l.items[0].relpath),
                     2 * WALK_MAX_DEPTH + strlen("bottom.txt"));
    walk_list_free(&l);
    /* one level more */
    assert_int_equal(
        walk_tree_limits(p, 0, WALK_MAX_DEPTH - 1, &l, err, sizeof err),
        WALK_ERR_TOO_DEEP);
}

/* --follow-symlinks: the folder outside is listed too. */
static void test_follow_links(void **state)
{
    fixture *f = *state;
    walk_options o = {0, 0, 1};
    walk_list l;

    assert_int_equal(walk_tree_opts(f->root, &o, &l, NULL, 0), WALK_OK);
    assert_int_equal(l.count, NEXPECTED + 1);
    assert_string_equal(l.items[5].relpath, "ext/o.txt");
    assert_int_equal(l.noutside, 0);
    assert_int_equal(l.errors, 1); /* still the dangling link */
    walk_list_free(&l);
}

/* Every way out of the root is cut: a file link, a link by absolute path,
 * a link to a link that leads out, a link inside a followed folder link;
 * links that stay inside (even by an absolute path or through the outside
 * and back) work; a loop of links is an unreadable entry, not a hang. */
static void test_links_outside(void **state)
{
    fixture *f = *state;
    walk_list l;
    char abs[512];

    make_link(f, "../outside/o.txt", "root/secret.txt");
    snprintf(abs, sizeof abs, "%s/outside", f->u.dir);
    make_link(f, abs, "root/absout");
    make_link(f, "ext", "root/hop");
    make_link(f, "../../outside/o.txt", "root/b/inner.txt");
    snprintf(abs, sizeof abs, "%s/root/a.txt", f->u.dir);
    make_link(f, abs, "root/absin.txt");
    make_link(f, "../root/a-b.txt", "outside/back.txt");
    make_link(f, "../outside/back.txt", "root/roundtrip.txt");
    make_link(f, "loop2", "root/loop1");
    make_link(f, "loop1", "root/loop2");
    make_link(f, ".hidden.txt", "root/unhide.txt"); /* hidden stays hidden */
    make_link(f, "b/.secret", "root/unhide");
    assert_int_equal(walk_tree(f->root, &l, NULL, 0), WALK_OK);
    /* in walk order; b/ is walked once (alias -> b is the same folder) */
    assert_int_equal(l.noutside, 5);
    assert_string_equal(l.outside[0], "absout");
    assert_string_equal(l.outside[1], "b/inner.txt");
    assert_string_equal(l.outside[2], "ext");
    assert_string_equal(l.outside[3], "hop");
    assert_string_equal(l.outside[4], "secret.txt");
    assert_int_equal(l.count, NEXPECTED + 2);
    assert_string_equal(l.items[3].relpath, "absin.txt");
    assert_string_equal(l.items[7].relpath, "roundtrip.txt");
    assert_int_equal(l.errors, 3); /* dangling, loop1, loop2 */
    assert_int_equal(l.nunreadable, 3);
    assert_string_equal(l.unreadable[0], "dangling");
    assert_string_equal(l.unreadable[1], "loop1");
    assert_string_equal(l.unreadable[2], "loop2");
    for (size_t k = 0; k < l.count; k++)
        assert_null(strstr(l.items[k].relpath, "o.txt"));
    walk_list_free(&l);
    assert_null(l.outside);
    assert_null(l.unreadable);
}

/* Many files in one folder, and many links to the same folder. */
static void test_many(void **state)
{
    fixture *f = *state;
    walk_list l;
    char rel[256];
    int k;

    make_dir(f, "many");
    make_dir(f, "many/real");
    for (k = 0; k < 500; k++) {
        snprintf(rel, sizeof rel, "many/real/f%03d.txt", 499 - k);
        make_file(f, rel, "x");
        snprintf(rel, sizeof rel, "many/l%03d", k);
        make_link(f, "real", rel);
    }
    snprintf(rel, sizeof rel, "%s/many", f->u.dir);
    assert_int_equal(walk_tree(rel, &l, NULL, 0), WALK_OK);
    assert_int_equal(l.count, 500);
    for (k = 0; k < 500; k++) {
        snprintf(rel, sizeof rel, "real/f%03d.txt", k);
        assert_string_equal(l.items[k].relpath, rel);
    }
    assert_int_equal(l.errors, 0);
    walk_list_free(&l);
}

static int keep_odd(const walk_entry *e, void *ctx)
{
    int *calls = ctx;
    (*calls)++;
    /* "fNNN.txt": the odd numbers */
    return (e->relpath[3] - '0') % 2 == 1;
}

/* walk_list_keep drops the others (freed: ASan says so), keeps the order
 * and leaves the error lists alone. */
static void test_keep(void **state)
{
    fixture *f = *state;
    walk_list l;
    char rel[256];
    int k, calls = 0;

    make_dir(f, "keep");
    for (k = 0; k < 10; k++) {
        snprintf(rel, sizeof rel, "keep/f%03d.txt", k);
        make_file(f, rel, "x");
    }
    make_link(f, "nowhere", "keep/broken");
    snprintf(rel, sizeof rel, "%s/keep", f->u.dir);
    assert_int_equal(walk_tree(rel, &l, NULL, 0), WALK_OK);
    assert_int_equal(l.count, 10);
    walk_list_keep(&l, keep_odd, &calls);
    assert_int_equal(calls, 10);
    assert_int_equal(l.count, 5);
    for (k = 0; k < 5; k++) {
        snprintf(rel, sizeof rel, "f%03d.txt", 2 * k + 1);
        assert_string_equal(l.items[k].relpath, rel);
    }
    assert_int_equal(l.errors, 1);
    assert_int_equal(l.nunreadable, 1);
    walk_list_free(&l);
}

/* walk_list_pick copies the kept entries (their own paths, relpath inside
 * them), leaves the source whole and copies none of its error lists. */
static void test_pick(void **state)
{
    fixture *f = *state;
    walk_list l, odd;
    char rel[256];
    int k, calls = 0;

    make_dir(f, "pick");
    for (k = 0; k < 10; k++) {
        snprintf(rel, sizeof rel, "pick/f%03d.txt", k);
        make_file(f, rel, "x");
    }
    make_link(f, "nowhere", "pick/broken");
    snprintf(rel, sizeof rel, "%s/pick", f->u.dir);
    assert_int_equal(walk_tree(rel, &l, NULL, 0), WALK_OK);
    assert_int_equal(walk_list_pick(&l, keep_odd, &calls, &odd), WALK_OK);
    assert_int_equal(calls, 10);
    assert_int_equal(l.count, 10);
    assert_int_equal(odd.count, 5);
    for (k = 0; k < 5; k++) {
        snprintf(rel, sizeof rel, "f%03d.txt", 2 * k + 1);
        assert_string_equal(odd.items[k].relpath, rel);
        assert_ptr_not_equal(odd.items[k].path, l.items[2 * k + 1].path);
        assert_string_equal(odd.items[k].path, l.items[2 * k + 1].path);
        assert_int_equal(odd.items[k].size, 1);
    }
    assert_int_equal(odd.errors, 0);
    assert_int_equal(odd.nunreadable, 0);
    walk_list_free(&l); /* odd holds its own copies */
    assert_string_equal(odd.items[4].relpath, "f009.txt");
    walk_list_free(&odd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        UNIT_TEST_FIXTURE(test_tree),
        UNIT_TEST_FIXTURE(test_pick),
        UNIT_TEST_FIXTURE(test_trailing_slashes),
        UNIT_TEST_FIXTURE(test_relative_root),
        UNIT_TEST_FIXTURE(test_root_is_link),
        UNIT_TEST_FIXTURE(test_root_errors),
        UNIT_TEST_FIXTURE(test_unreadable),
        UNIT_TEST_FIXTURE(test_limits),
        UNIT_TEST_FIXTURE(test_default_depth),
        UNIT_TEST_FIXTURE(test_many),
        UNIT_TEST_FIXTURE(test_follow_links),
        UNIT_TEST_FIXTURE(test_links_outside),
        UNIT_TEST_FIXTURE(test_keep),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
