/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pure parser of /proc/PID/maps and /proc/PID/numa_maps (fs/proc/task_mmu.c). The two files
 * are read one after the other, so a VMA may appear in one and not the other; the result is
 * the VMAs present in both, joined by start address, in address order.
 *
 * maps:      "7f3a2c000000-7f3a2c200000 rw-p 00000000 00:00 0      [heap]" where the path is
 *            the rest of the line and may hold spaces ("/x (deleted)").
 * numa_maps: "7f3a2c000000 <policy> [file=<path>|heap|stack] [huge] [key=N]... [Nn=N]...
 *            [kernelpagesize_kB=N]". The policy may contain one space ("prefer (many)",
 *            "weighted interleave") and flags and a node list that the kernel truncates at
 *            64 bytes, so only its mode is kept. The path is escaped (no spaces, no '=').
 *            Node counts are in units of kernelpagesize_kB: base pages for THP, huge pages
 *            for hugetlb VMAs. A VMA without resident pages has no counts and no page size.
 *
 * Every line must be complete (end in '\n'); anything malformed is -EBADMSG with a static
 * description in *ret_what; unknown "key=number" fields are skipped so that fields added by
 * later kernels do not break the parser. Only the per-node counts of the nodes in the
 * caller's mask are kept, in one shared array, which keeps the result proportional to the
 * input and bounded by CDM_VMAS_MAX and CDM_VMA_NODE_PAIRS_MAX.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "numa-maps.h"

#define VMA_SEEN (1u << 31) /* internal: a numa_maps line matched this maps entry */

typedef struct token {
        const char *p;
        size_t len;
} token;

/* Next space-separated token of [*p, end); false at the end of the line. */
static bool next_token(const char **p, const char *end, token *ret)
{
        const char *s = *p;

        while (s < end && *s == ' ')
                s++;
        if (s == end)
                return false;
        ret->p = s;
        while (s < end && *s != ' ')
                s++;
        ret->len = (size_t) (s - ret->p);
        *p = s;
        return true;
}

static bool token_is(const token *t, const char *s)
{
        return t->len == strlen(s) && memcmp(t->p, s, t->len) == 0;
}

static bool parse_hex(const char *s, size_t len, uint64_t *ret)
{
        uint64_t v = 0;

        if (len == 0 || len > 16)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                unsigned d;

                if (c >= '0' && c <= '9')
                        d = (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        d = (unsigned) (c - 'a' + 10);
                else
                        return false;
                v = v << 4 | d;
        }
        *ret = v;
        return true;
}

static bool parse_dec(const char *s, size_t len, uint64_t *ret)
{
        uint64_t v = 0;

        if (len == 0 || len > 20)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                if (v > (UINT64_MAX - (uint64_t) (s[i] - '0')) / 10)
                        return false;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        *ret = v;
        return true;
}

/* Split "a<sep>b" at the first sep inside a token. */
static bool parse_hex_pair(const token *t, char sep, uint64_t *ret_a, uint64_t *ret_b)
{
        const char *m = memchr(t->p, sep, t->len);

        if (!m)
                return false;
        return parse_hex(t->p, (size_t) (m - t->p), ret_a) &&
                parse_hex(m + 1, t->len - (size_t) (m - t->p) - 1, ret_b);
}

static bool has_prefix(const char *p, size_t len, const char *prefix)
{
        size_t n = strlen(prefix);

        return len >= n && memcmp(p, prefix, n) == 0;
}

/* What the maps path says: heap, stack, and the shmem/tmpfs names we can recognise. */
static unsigned maps_path_flags(const char *p, size_t len)
{
        static const char *const shmem_prefixes[] = {
                "/dev/shm/", "/SYSV", "/memfd:", "/dev/zero", "[anon_shmem:",
        };

        if (len == 6 && memcmp(p, "[heap]", 6) == 0)
                return CDM_VMA_HEAP;
        if (has_prefix(p, len, "[stack"))
                return CDM_VMA_STACK;
        for (size_t i = 0; i < ARRAY_SIZE(shmem_prefixes); i++)
                if (has_prefix(p, len, shmem_prefixes[i]))
                        return CDM_VMA_SHMEM;
        return 0;
}

/* "start-end perms offset major:minor inode [path]" */
static int parse_maps_line(const char *p, const char *end, cdm_vma *ret, const char **ret_what)
{
        uint64_t start, stop, offset, major, minor, inode;
        cdm_vma v = { 0 };
        token t;

        if (!next_token(&p, end, &t) || !parse_hex_pair(&t, '-', &start, &stop))
                return *ret_what = "maps: bad address range", -EBADMSG;
        if (stop <= start)
                return *ret_what = "maps: empty or inverted range", -EBADMSG;
        if (!next_token(&p, end, &t) || t.len != 4 || (t.p[0] != 'r' && t.p[0] != '-') ||
            (t.p[1] != 'w' && t.p[1] != '-') || (t.p[2] != 'x' && t.p[2] != '-') ||
            (t.p[3] != 'p' && t.p[3] != 's'))
                return *ret_what = "maps: bad permissions", -EBADMSG;
        v.flags |= (t.p[1] == 'w' ? CDM_VMA_WRITE : 0) | (t.p[3] == 's' ? CDM_VMA_SHARED : 0);
        if (!next_token(&p, end, &t) || !parse_hex(t.p, t.len, &offset))
                return *ret_what = "maps: bad offset", -EBADMSG;
        if (!next_token(&p, end, &t) || !parse_hex_pair(&t, ':', &major, &minor))
                return *ret_what = "maps: bad device", -EBADMSG;
        if (!next_token(&p, end, &t) || !parse_dec(t.p, t.len, &inode))
                return *ret_what = "maps: bad inode", -EBADMSG;
        while (p < end && *p == ' ')
                p++;
        v.flags |= maps_path_flags(p, (size_t) (end - p));
        v.start = start;
        v.end = stop;
        *ret = v;
        return 0;
}

/* The end of the line at p: every line ends in '\n', and the kernel prints no empty lines. */
static int line_end(const char *p, const char *end, const char **ret_eol, const char **ret_what)
{
        const char *eol = memchr(p, '\n', (size_t) (end - p));

        if (!eol)
                return *ret_what = "truncated line", -EBADMSG;
        if (eol == p)
                return *ret_what = "empty line", -EBADMSG;
        *ret_eol = eol;
        return 0;
}

static int parse_maps(const char *data, size_t n, cdm_vma_list *l, const char **ret_what)
{
        const char *eol;
        size_t alloc = 0;

        for (const char *line = data; line < data + n; line = eol + 1) {
                cdm_vma v;
                int r;

                r = line_end(line, data + n, &eol, ret_what);
                if (r < 0)
                        return r;
                r = parse_maps_line(line, eol, &v, ret_what);
                if (r < 0)
                        return r;
                if (l->n_vmas > 0 && v.start < l->vmas[l->n_vmas - 1].end)
                        return *ret_what = "maps: ranges overlap or are not ascending", -EBADMSG;
                if (l->n_vmas >= CDM_VMAS_MAX)
                        return *ret_what = "maps: too many VMAs", -E2BIG;
                if (l->n_vmas == alloc) {
                        size_t na = MAX(alloc * 2, (size_t) 64);
                        cdm_vma *nv = realloc(l->vmas, na * sizeof(*nv));

                        if (!nv)
                                return -ENOMEM;
                        l->vmas = nv;
                        alloc = na;
                }
                l->vmas[l->n_vmas++] = v;
        }
        return 0;
}

static cdm_vma *find_vma(cdm_vma_list *l, uint64_t start)
{
        size_t lo = 0, hi = l->n_vmas;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (l->vmas[mid].start == start)
                        return &l->vmas[mid];
                if (l->vmas[mid].start < start)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static bool policy_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '=' || c == ':' ||
                c == ',' || c == '-' || c == '|';
}

/*
 * The policy: "default", "bind=static:0-1", "prefer (many):1-2", "weighted interleave:0-3".
 * Consumes one or two tokens. After the mode name, flags ("=static|balancing") and nodes
 * (":0-3", maybe truncated) are checked for their alphabet only.
 */
static int parse_policy(const char **p, const char *end, cdm_mpol_mode *ret, const char **ret_what)
{
        static const char *const names[] = {
                [CDM_MPOL_DEFAULT] = "default", [CDM_MPOL_PREFERRED] = "prefer",
                [CDM_MPOL_BIND] = "bind",       [CDM_MPOL_INTERLEAVE] = "interleave",
                [CDM_MPOL_LOCAL] = "local",
        };
        cdm_mpol_mode mode = CDM_MPOL_OTHER;
        size_t name_len = 0, i;
        token t, t2;

        if (!next_token(p, end, &t))
                return *ret_what = "numa_maps: no policy", -EBADMSG;
        if (token_is(&t, "prefer") || token_is(&t, "weighted")) {
                /* Two-word mode names: the second word carries the flags and nodes. */
                bool many = t.p[0] == 'p';
                const char *second = many ? "(many)" : "interleave", *after_first = *p;

                if (next_token(p, end, &t2) && has_prefix(t2.p, t2.len, second)) {
                        mode = many ? CDM_MPOL_PREFERRED_MANY : CDM_MPOL_WEIGHTED_INTERLEAVE;
                        name_len = strlen(second);
                        t = t2;
                } else if (!many)
                        return *ret_what = "numa_maps: bad policy", -EBADMSG;
                else
                        *p = after_first;
        }
        if (mode == CDM_MPOL_OTHER) {
                while (name_len < t.len && t.p[name_len] >= 'a' && t.p[name_len] <= 'z')
                        name_len++;
                if (name_len == 0)
                        return *ret_what = "numa_maps: bad policy", -EBADMSG;
                for (i = 0; i < ARRAY_SIZE(names); i++)
                        if (strlen(names[i]) == name_len && memcmp(t.p, names[i], name_len) == 0)
                                mode = (cdm_mpol_mode) i;
        }
        if (name_len < t.len && t.p[name_len] != '=' && t.p[name_len] != ':')
                return *ret_what = "numa_maps: bad policy", -EBADMSG;
        for (i = name_len; i < t.len; i++)
                if (!policy_char(t.p[i]))
                        return *ret_what = "numa_maps: bad policy", -EBADMSG;
        *ret = mode;
        return 0;
}

typedef struct numa_line {
        cdm_vma vma;               /* start, page_size, flags, policy, pages, anon_pages */
        cdm_node_pages *pairs;     /* CDM_NODES_MAX entries, owned by the caller */
        size_t n_pairs;
} numa_line;

/* "N<node>=<pages>": nodes strictly ascending, as the kernel prints them. */
static int parse_node_field(const token *t, const char *eq, const cdm_nodemask *nodes,
                numa_line *nl, int *last_node, const char **ret_what)
{
        uint64_t node, pages;

        if (!parse_dec(t->p + 1, (size_t) (eq - t->p - 1), &node) || node >= CDM_NODES_MAX)
                return *ret_what = "numa_maps: bad node number", -EBADMSG;
        if (!parse_dec(eq + 1, t->len - (size_t) (eq - t->p) - 1, &pages))
                return *ret_what = "numa_maps: bad page count", -EBADMSG;
        if ((int) node <= *last_node)
                return *ret_what = "numa_maps: nodes not ascending", -EBADMSG;
        *last_node = (int) node;
        if (nl->vma.pages > UINT64_MAX - pages)
                return *ret_what = "numa_maps: page count overflows", -EBADMSG;
        nl->vma.pages += pages;
        if (!nodes || cdm_nodemask_test(nodes, (unsigned) node))
                nl->pairs[nl->n_pairs++] = (cdm_node_pages) { (unsigned) node, pages };
        return 0;
}

static int parse_field(const token *t, const cdm_nodemask *nodes, numa_line *nl, int *last_node,
                const char **ret_what)
{
        const char *eq = memchr(t->p, '=', t->len);
        uint64_t v;

        if (token_is(t, "heap")) {
                nl->vma.flags |= CDM_VMA_HEAP;
                return 0;
        }
        if (token_is(t, "stack")) {
                nl->vma.flags |= CDM_VMA_STACK;
                return 0;
        }
        if (token_is(t, "huge")) {
                nl->vma.flags |= CDM_VMA_HUGETLB;
                return 0;
        }
        if (!eq || eq == t->p)
                return *ret_what = "numa_maps: unknown field", -EBADMSG;
        if (has_prefix(t->p, t->len, "file=")) {
                if (t->len == 5)
                        return *ret_what = "numa_maps: empty file name", -EBADMSG;
                nl->vma.flags |= CDM_VMA_FILE;
                return 0;
        }
        if (t->p[0] == 'N' && eq > t->p + 1)
                return parse_node_field(t, eq, nodes, nl, last_node, ret_what);
        if (!parse_dec(eq + 1, t->len - (size_t) (eq - t->p) - 1, &v))
                return *ret_what = "numa_maps: value is not a number", -EBADMSG;
        if (has_prefix(t->p, t->len, "anon="))
                nl->vma.anon_pages = v;
        else if (has_prefix(t->p, t->len, "kernelpagesize_kB=")) {
                if (v == 0 || (v & (v - 1)) != 0 || v > (UINT64_C(1) << 32))
                        return *ret_what = "numa_maps: bad page size", -EBADMSG;
                nl->vma.page_size = v * 1024;
        }
        /* dirty=, mapped=, mapmax=, swapcache=, active=, writeback= and future fields */
        return 0;
}

static int parse_numa_line(const char *p, const char *end, const cdm_nodemask *nodes,
                numa_line *nl, const char **ret_what)
{
        int last_node = -1, r;
        token t;

        nl->vma = (cdm_vma) { 0 };
        nl->n_pairs = 0;
        if (!next_token(&p, end, &t) || !parse_hex(t.p, t.len, &nl->vma.start))
                return *ret_what = "numa_maps: bad address", -EBADMSG;
        r = parse_policy(&p, end, &nl->vma.policy, ret_what);
        if (r < 0)
                return r;
        while (next_token(&p, end, &t)) {
                r = parse_field(&t, nodes, nl, &last_node, ret_what);
                if (r < 0)
                        return r;
        }
        if (nl->vma.pages > 0 && nl->vma.page_size == 0)
                return *ret_what = "numa_maps: pages without kernelpagesize_kB", -EBADMSG;
        if (!(nl->vma.flags & CDM_VMA_FILE))
                nl->vma.flags |= CDM_VMA_ANON;
        return 0;
}

/* Merge a numa_maps line into its maps entry and append its node counts. */
static int join_line(cdm_vma_list *l, const numa_line *nl, size_t *pairs_alloc,
                const char **ret_what)
{
        cdm_vma *v = find_vma(l, nl->vma.start);

        if (!v)
                return 0; /* the VMA changed between the two reads */
        if (v->flags & VMA_SEEN)
                return *ret_what = "numa_maps: duplicate address", -EBADMSG;
        if (l->n_node_pages + nl->n_pairs > CDM_VMA_NODE_PAIRS_MAX)
                return *ret_what = "numa_maps: too many node counts", -E2BIG;
        if (l->n_node_pages + nl->n_pairs > *pairs_alloc) {
                size_t na = MAX(*pairs_alloc * 2, l->n_node_pages + nl->n_pairs + 64);
                cdm_node_pages *np = realloc(l->node_pages, na * sizeof(*np));

                if (!np)
                        return -ENOMEM;
                l->node_pages = np;
                *pairs_alloc = na;
        }
        if (nl->n_pairs > 0)
                memcpy(l->node_pages + l->n_node_pages, nl->pairs,
                                nl->n_pairs * sizeof(*nl->pairs));
        v->flags |= nl->vma.flags | VMA_SEEN;
        v->page_size = nl->vma.page_size;
        v->policy = nl->vma.policy;
        v->pages = nl->vma.pages;
        v->anon_pages = nl->vma.anon_pages;
        v->first_node = l->n_node_pages;
        v->n_nodes = nl->n_pairs;
        l->n_node_pages += nl->n_pairs;
        return 0;
}

static int parse_numa_maps(const char *data, size_t n, const cdm_nodemask *nodes,
                cdm_vma_list *l, const char **ret_what)
{
        _cleanup_free_ cdm_node_pages *pairs = NULL;
        size_t pairs_alloc = 0;
        const char *eol;

        pairs = malloc(CDM_NODES_MAX * sizeof(*pairs));
        if (!pairs)
                return -ENOMEM;
        for (const char *line = data; line < data + n; line = eol + 1) {
                numa_line nl = { .pairs = pairs };
                int r;

                r = line_end(line, data + n, &eol, ret_what);
                if (r < 0)
                        return r;
                r = parse_numa_line(line, eol, nodes, &nl, ret_what);
                if (r < 0)
                        return r;
                r = join_line(l, &nl, &pairs_alloc, ret_what);
                if (r < 0)
                        return r;
        }
        return 0;
}

/**
 * cdm_parse_proc_maps() - parse and join a process's maps and numa_maps
 * @maps: contents of /proc/PID/maps
 * @maps_len: its length
 * @numa_maps: contents of /proc/PID/numa_maps, read after @maps
 * @numa_maps_len: its length
 * @nodes: the nodes whose page counts to keep (NULL: all)
 * @ret: on success the VMAs present in both files, owned by the caller (cdm_vma_list_free())
 * @ret_what: on failure, a static description of the fault
 *
 * Return: 0; -EBADMSG for malformed input; -E2BIG past CDM_VMAS_MAX or
 * CDM_VMA_NODE_PAIRS_MAX; -ENOMEM.
 */
int cdm_parse_proc_maps(const char *maps, size_t maps_len, const char *numa_maps,
                size_t numa_maps_len, const cdm_nodemask *nodes, cdm_vma_list **ret,
                const char **ret_what)
{
        _cleanup_(cdm_vma_list_freep) cdm_vma_list *l = NULL;
        size_t k = 0;
        int r;

        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        r = parse_maps(maps, maps_len, l, ret_what);
        if (r < 0)
                return r;
        r = parse_numa_maps(numa_maps, numa_maps_len, nodes, l, ret_what);
        if (r < 0)
                return r;
        for (size_t i = 0; i < l->n_vmas; i++)
                if (l->vmas[i].flags & VMA_SEEN) {
                        l->vmas[k] = l->vmas[i];
                        l->vmas[k++].flags &= ~VMA_SEEN;
                }
        l->n_vmas = k;
        *ret = TAKE_PTR(l);
        return 0;
}

cdm_vma_list *cdm_vma_list_free(cdm_vma_list *l)
{
        if (!l)
                return NULL;
        free(l->vmas);
        free(l->node_pages);
        free(l);
        return NULL;
}

/* Pages of @v on @nodes (only nodes that were in the parser's mask are known). */
uint64_t cdm_vma_pages_on(const cdm_vma_list *l, const cdm_vma *v, const cdm_nodemask *nodes)
{
        uint64_t sum = 0;

        for (size_t i = 0; i < v->n_nodes; i++) {
                const cdm_node_pages *np = &l->node_pages[v->first_node + i];

                if (cdm_nodemask_test(nodes, np->node))
                        sum += np->pages;
        }
        return sum;
}

/* Bytes the process has on @nodes, summed over its VMAs. */
uint64_t cdm_vma_list_bytes_on(const cdm_vma_list *l, const cdm_nodemask *nodes)
{
        uint64_t sum = 0;

        for (size_t i = 0; i < l->n_vmas; i++)
                sum += cdm_vma_pages_on(l, &l->vmas[i], nodes) * l->vmas[i].page_size;
        return sum;
}
