/* inputs.c - the inputs of a batch (batch.h): command-line arguments, directories walked
 * recursively and sorted by full path (bytewise), and paths read one per line from a
 * stream (stdin with `-`, the Hadoop Streaming / Spark pipe contract).
 *
 * It opens no input: a path that does not exist is kept and gets its error record from
 * the worker. It does not follow symbolic links to directories (no cycles). */
#include "fbdiag/batch.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 64

void fb_batch_inputs_init(struct fb_batch_inputs *l)
{
    memset(l, 0, sizeof *l);
}

void fb_batch_inputs_cleanup(struct fb_batch_inputs *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
    memset(l, 0, sizeof *l);
}

static void push(struct fb_batch_inputs *l, char *owned)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->paths = fb_xrealloc(l->paths, l->cap * sizeof *l->paths);
    }
    l->paths[l->n++] = owned;
}

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl > 0 && dir[dl - 1] != '/';
    char *p = fb_xmalloc(dl + (size_t)slash + nl + 1);
    memcpy(p, dir, dl);
    if (slash)
        p[dl] = '/';
    memcpy(p + dl + (size_t)slash, name, nl + 1);
    return p;
}

/* Appends every regular file below dir to l (unsorted). */
static int walk(struct fb_batch_inputs *l, const char *dir, int depth, struct fb_diag *d)
{
    if (depth > MAX_DEPTH)
        return fb_diag_set(d, FB_ERR_IO, dir, "directories nested deeper than %d", MAX_DEPTH);
    DIR *dh = opendir(dir);
    if (!dh)
        return fb_diag_set(d, FB_ERR_IO, dir, "%s", strerror(errno));
    int rc = FB_OK;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ".", "..", and hidden files (.DS_Store, editor droppings) */
        char *p = join(dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            int r = walk(l, p, depth + 1, d);
            if (r && rc == FB_OK)
                rc = r;
            free(p);
        } else if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
            push(l, p);
        } else {
            free(p); /* sockets, fifos, dangling links, links to directories */
        }
    }
    closedir(dh);
    return rc;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int fb_batch_inputs_add(struct fb_batch_inputs *l, const char *arg, struct fb_diag *d)
{
    struct stat st;
    if (stat(arg, &st) != 0 || !S_ISDIR(st.st_mode)) {
        push(l, fb_xstrdup(arg));
        return FB_OK;
    }
    size_t first = l->n;
    int rc = walk(l, arg, 0, d);
    if (l->n - first > 1)
        qsort(l->paths + first, l->n - first, sizeof *l->paths, cmp_path);
    return rc;
}

int fb_batch_inputs_read(struct fb_batch_inputs *l, FILE *in, struct fb_diag *d)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    errno = 0;
    while ((len = getline(&line, &cap, in)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len > 0)
            push(l, fb_xstrndup(line, (size_t)len));
    }
    free(line);
    if (ferror(in))
        return fb_diag_set(d, FB_ERR_IO, "-", "cannot read the list of paths: %s", strerror(errno));
    return FB_OK;
}
