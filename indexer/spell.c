/* spell: an open-addressing hash table of word → frequency delta. */
#include "indexer/spell.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *word; /* NUL-terminated, in an arena block */
    uint32_t len;
    uint32_t hash;
    int32_t delta;
} slot;

typedef struct block {
    struct block *next;
    size_t used, cap;
    char data[];
} block;

struct spell_table {
    slot *slots;
    size_t cap; /* power of two */
    size_t count;
    block *arena;
};

#define BLOCK_SIZE (64u << 10)

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

spell_status spell_new(spell_table **out)
{
    spell_table *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t)
        return SPELL_ERR_NOMEM;
    t->cap = 1024;
    t->slots = calloc(t->cap, sizeof *t->slots);
    if (!t->slots) {
        free(t);
        return SPELL_ERR_NOMEM;
    }
    *out = t;
    return SPELL_OK;
}

static void free_arena(block *b)
{
    while (b) {
        block *next = b->next;
        free(b);
        b = next;
    }
}

void spell_free(spell_table *t)
{
    if (!t)
        return;
    free_arena(t->arena);
    free(t->slots);
    free(t);
}

size_t spell_count(const spell_table *t)
{
    return t->count;
}

static char *arena_copy(spell_table *t, const char *s, size_t n)
{
    block *b = t->arena;
    if (!b || b->cap - b->used < n + 1) {
        size_t cap = n + 1 > BLOCK_SIZE ? n + 1 : BLOCK_SIZE;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = t->arena;
        b->used = 0;
        b->cap = cap;
        t->arena = b;
    }
    char *p = b->data + b->used;
    memcpy(p, s, n);
    p[n] = '\0';
    b->used += n + 1;
    return p;
}

static spell_status grow(spell_table *t)
{
    size_t cap = t->cap * 2;
    slot *s = calloc(cap, sizeof *s);
    if (!s)
        return SPELL_ERR_NOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].word)
            continue;
        size_t j = t->slots[i].hash & (cap - 1);
        while (s[j].word)
            j = (j + 1) & (cap - 1);
        s[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = s;
    t->cap = cap;
    return SPELL_OK;
}

spell_status spell_add(spell_table *t, const char *word, size_t len,
                       int32_t delta)
{
    uint32_t h = fnv1a(word, len);
    size_t i = h & (t->cap - 1);
    while (t->slots[i].word) {
        slot *s = &t->slots[i];
        if (s->hash == h && s->len == len && memcmp(s->word, word, len) == 0) {
            s->delta += delta;
            return SPELL_OK;
        }
        i = (i + 1) & (t->cap - 1);
    }
    if (t->count >= SPELL_MAX_WORDS)
        return SPELL_ERR_FULL;
    char *w = arena_copy(t, word, len);
    if (!w)
        return SPELL_ERR_NOMEM;
    t->slots[i] = (slot){w, (uint32_t)len, h, delta};
    t->count++;
    if (t->count * 4 > t->cap * 3) /* keep probes short: load ≤ 3/4 */
        return grow(t);
    return SPELL_OK;
}

spell_status spell_flush(spell_table *t, xc_db *db)
{
    for (size_t i = 0; i < t->cap; i++) {
        slot *s = &t->slots[i];
        if (!s->word || s->delta == 0)
            continue;
        xc_status st =
            s->delta > 0 ? xc_spelling_add(db, s->word, (uint32_t)s->delta)
                         : xc_spelling_remove(db, s->word, (uint32_t)-s->delta);
        if (st != XC_OK)
            return SPELL_ERR_DB;
    }
    memset(t->slots, 0, t->cap * sizeof *t->slots);
    t->count = 0;
    free_arena(t->arena);
    t->arena = NULL;
    return SPELL_OK;
}
