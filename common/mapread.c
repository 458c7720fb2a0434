/* mapread: Xapian's index reads served from memory maps (mapread.h says
 * why and what is guaranteed). */
#include "common/mapread.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The suffix of a Glass table file (postlist.glass, position.glass...);
 * the version file (iamglass) and the rest are read as before. */
#define TABLE_SUFFIX ".glass"

typedef struct {
    const char *addr;
    size_t len;
} fmap;

static _Atomic(fmap *) maps[MAPREAD_MAX_FD];
static atomic_int enabled;
static atomic_ulong n_maps, n_hits, n_misses, n_fallback;
/* The copy in progress on this thread, for the SIGBUS guard; volatile, or
 * the compiler drops the store before the copy (NULL is stored after). */
static _Thread_local sigjmp_buf *volatile copying;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    /* a fault of this thread's copy (si_code > 0: raised by the kernel,
     * not sent by kill) */
    if (copying && si && si->si_code > 0)
        siglongjmp(*copying, 1);
    /* not ours: the default action */
    signal(sig, SIG_DFL);
    raise(sig);
}

int mapread_enable(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    /* NODEFER: the guard jumps out of the handler without restoring the
     * mask, and a SIGBUS blocked on this thread would kill the process */
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, NULL) != 0)
        return -1;
    atomic_store(&enabled, 1);
    return 0;
}

void mapread_get_stats(mapread_stats *out)
{
    out->maps = atomic_load_explicit(&n_maps, memory_order_relaxed);
    out->hits = atomic_load_explicit(&n_hits, memory_order_relaxed);
    out->misses = atomic_load_explicit(&n_misses, memory_order_relaxed);
    out->fallback = atomic_load_explicit(&n_fallback, memory_order_relaxed);
}

static int is_table(const char *path)
{
    size_t n = strlen(path), s = sizeof TABLE_SUFFIX - 1;
    return n > s && memcmp(path + n - s, TABLE_SUFFIX, s) == 0;
}

/* Map fd, just opened read-only on a table file. Failures leave it
 * unmapped: its reads stay system calls. */
static void map_fd(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > SIZE_MAX)
        return;
    fmap *m = malloc(sizeof *m);
    if (!m)
        return;
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        free(m);
        return;
    }
    m->addr = p;
    m->len = (size_t)st.st_size;
    fmap *old = atomic_exchange(&maps[fd], m);
    if (old) { /* cannot happen: close() clears the slot */
        munmap((void *)old->addr, old->len);
        free(old);
    }
    atomic_fetch_add_explicit(&n_maps, 1, memory_order_relaxed);
}

static void unmap_fd(int fd)
{
    fmap *m = atomic_exchange(&maps[fd], NULL);
    if (m) {
        munmap((void *)m->addr, m->len);
        free(m);
    }
}

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
    if (fd >= 0 && fd < MAPREAD_MAX_FD) {
        int e = errno; /* fstat, mmap: a successful open leaves it be */
        /* a number freed by another way than close() (close_range, a
         * dup2 onto it) may still name an old map */
        if (atomic_load_explicit(&maps[fd], memory_order_relaxed))
            unmap_fd(fd);
        if ((flags & O_ACCMODE) == O_RDONLY &&
            atomic_load_explicit(&enabled, memory_order_relaxed) &&
            is_table(path))
            map_fd(fd);
        errno = e;
    }
    return fd;
}

/* dup2 and dup3 onto a mapped descriptor: it names another file now. */
int dup2(int fd, int to)
{
    if (to >= 0 && to < MAPREAD_MAX_FD && to != fd &&
        atomic_load_explicit(&maps[to], memory_order_relaxed))
        unmap_fd(to);
    return (int)syscall(SYS_dup2, fd, to);
}

int dup3(int fd, int to, int flags)
{
    if (to >= 0 && to < MAPREAD_MAX_FD && to != fd &&
        atomic_load_explicit(&maps[to], memory_order_relaxed))
        unmap_fd(to);
    return (int)syscall(SYS_dup3, fd, to, flags);
}

int close(int fd)
{
    /* before the number can be reused */
    if (fd >= 0 && fd < MAPREAD_MAX_FD &&
        atomic_load_explicit(&maps[fd], memory_order_relaxed)) {
        int e = errno;
        unmap_fd(fd);
        errno = e;
    }
    return (int)syscall(SYS_close, fd);
}

/* Copy n bytes at src into dst, stopping on SIGBUS; 0 when copied. */
static int guarded_copy(void *dst, const char *src, size_t n)
{
    sigjmp_buf env;
    if (sigsetjmp(env, 0)) {
        copying = NULL;
        return -1;
    }
    copying = &env;
    memcpy(dst, src, n);
    copying = NULL;
    return 0;
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    if (fd >= 0 && fd < MAPREAD_MAX_FD) {
        fmap *m = atomic_load_explicit(&maps[fd], memory_order_acquire);
        if (m && off >= 0 && (uint64_t)off <= m->len &&
            n <= m->len - (size_t)off && n <= SSIZE_MAX) {
            if (guarded_copy(buf, m->addr + off, n) == 0) {
                atomic_fetch_add_explicit(&n_hits, 1, memory_order_relaxed);
                return (ssize_t)n;
            }
            /* the file shrank under the map: never use it again */
            atomic_fetch_add_explicit(&n_fallback, 1, memory_order_relaxed);
            unmap_fd(fd);
        } else if (m) {
            atomic_fetch_add_explicit(&n_misses, 1, memory_order_relaxed);
        }
    }
    return (ssize_t)syscall(SYS_pread64, fd, buf, n, off);
}
