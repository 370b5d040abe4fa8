/* cmd_signatures.c - `fbdiag signatures list | show ID | check FILE... | export DIR`:
 * the signature database as a user sees it. list and show print the built-in rules
 * (plus --signatures DIR); check validates rule files and names file, line and problem
 * (exit 0 when every file is valid, 1 otherwise); export writes every rule out as
 * DIR/<family>/<id>.yaml for editing.
 */
#include "commands.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fbdiag/sig.h"

static json_t *strings_json(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *sig_json(const struct fb_sig *s, int full)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(fb_sig_id(s)));
    json_object_set_new(o, "title", json_string(fb_sig_title(s)));
    json_object_set_new(o, "family", json_string(fb_sig_family(s)));
    json_object_set_new(o, "evidence_source", json_string(fb_sig_evidence_source(s)));
    json_object_set_new(o, "origin", json_string(fb_sig_origin(s)));
    if (full) {
        size_t n;
        json_object_set_new(o, "meaning", json_string(fb_sig_meaning(s)));
        const char *const *v = fb_sig_next_steps(s, &n);
        json_object_set_new(o, "next_steps", strings_json(v, n));
        v = fb_sig_fix(s, &n);
        json_object_set_new(o, "fix", strings_json(v, n));
        v = fb_sig_references(s, &n);
        json_object_set_new(o, "references", strings_json(v, n));
        json_object_set_new(o, "text", json_string(fb_sig_text(s)));
    }
    return o;
}

static int print_json(FILE *out, json_t *v)
{
    int rc = json_dumpf(v, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(v);
    return rc == 0 ? FB_EXIT_OK : FB_EXIT_USAGE;
}

static int cmd_list(const struct fb_sig_db *db, const struct fb_options *o, FILE *out)
{
    size_t n = fb_sig_db_count(db);
    if (o->format == FB_OUT_JSON) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, sig_json(fb_sig_db_at(db, i), 0));
        return print_json(out, a);
    }
    fprintf(out, "%-44s %-12s %-14s %s\n", "ID", "FAMILY", "EVIDENCE", "TITLE");
    for (size_t i = 0; i < n; i++) {
        const struct fb_sig *s = fb_sig_db_at(db, i);
        fprintf(out, "%-44s %-12s %-14s %s\n", fb_sig_id(s), fb_sig_family(s),
                fb_sig_evidence_source(s), fb_sig_title(s));
    }
    fprintf(out, "%zu signatures, database %s\n", n, fb_sig_db_hash(db));
    return FB_EXIT_OK;
}

static int cmd_show(const struct fb_sig_db *db, const struct fb_options *o, FILE *out)
{
    const struct fb_sig *s = fb_sig_db_find(db, o->args[1]);
    if (!s) {
        fprintf(stderr, "fbdiag: no signature with id '%s' (see 'fbdiag signatures list')\n",
                o->args[1]);
        return FB_EXIT_USAGE;
    }
    if (o->format == FB_OUT_JSON)
        return print_json(out, sig_json(s, 1));
    fprintf(out, "# %s (%s)\n", fb_sig_id(s), fb_sig_origin(s));
    fputs(fb_sig_text(s), out);
    return FB_EXIT_OK;
}

static int cmd_check(const struct fb_options *o, FILE *out)
{
    int bad = 0;
    for (size_t i = 1; i < o->n_args; i++) { /* args[0] is the action */
        const char *path = o->args[i];
        uint8_t *data;
        size_t len;
        if (fb_read_file(path, 1u << 20, &data, &len) != FB_OK) {
            fprintf(out, "%s: cannot read: %s\n", path,
                    errno == 0 || errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
            bad = 1;
            continue;
        }
        struct fb_diag d;
        fb_diag_clear(&d);
        if (fb_sig_db_add_text(NULL, path, (const char *)data, len, &d) != FB_OK) {
            fprintf(out, "%s: %s\n", d.where, d.msg);
            bad = 1;
        } else
            fprintf(out, "%s: ok\n", path);
        free(data);
    }
    return bad ? FB_EXIT_FINDINGS : FB_EXIT_OK;
}

static int make_dir(const char *path)
{
    return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

static int cmd_export(const struct fb_sig_db *db, const struct fb_options *o, FILE *out)
{
    const char *dir = o->args[1]; /* args[0] is the action */
    if (make_dir(dir) != 0) {
        fprintf(stderr, "fbdiag: %s: cannot create: %s\n", dir, strerror(errno));
        return FB_EXIT_USAGE;
    }
    size_t n = fb_sig_db_count(db);
    for (size_t i = 0; i < n; i++) {
        const struct fb_sig *s = fb_sig_db_at(db, i);
        char sub[4096], path[4400];
        snprintf(sub, sizeof sub, "%s/%s", dir, fb_sig_family(s));
        snprintf(path, sizeof path, "%s/%s.yaml", sub, fb_sig_id(s));
        FILE *f = NULL;
        if (make_dir(sub) != 0 || !(f = fopen(path, "w")) || fputs(fb_sig_text(s), f) < 0 ||
            fclose(f) != 0) {
            fprintf(stderr, "fbdiag: %s: cannot write: %s\n", path, strerror(errno));
            return FB_EXIT_USAGE;
        }
    }
    fprintf(out, "%zu signatures written to %s\n", n, dir);
    return FB_EXIT_OK;
}

int fb_cmd_signatures(const struct fb_options *o, FILE *out)
{
    if (o->sig_action == FB_SIG_CHECK)
        return cmd_check(o, out);
    struct fb_sig_db *db = NULL;
    if (fb_cmd_load_signatures(o, NULL, NULL, &db) != FB_EXIT_OK)
        return FB_EXIT_USAGE;
    int code;
    switch (o->sig_action) {
    case FB_SIG_LIST: code = cmd_list(db, o, out); break;
    case FB_SIG_SHOW: code = cmd_show(db, o, out); break;
    case FB_SIG_EXPORT: code = cmd_export(db, o, out); break;
    default: code = FB_EXIT_USAGE; break;
    }
    fb_sig_db_free(db);
    return code;
}
