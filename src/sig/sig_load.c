/* sig_load.c - reads signature rules (YAML, one rule per document) with libyaml's
 * document API into struct fb_sig, checking every field, fact name, operator and regex
 * with a "name:line: problem" message; and the database around them (built-in rules,
 * --signatures DIR, lookup, hash). The rule format is documented in docs/signatures.md.
 *
 * It does not evaluate rules (sig_match.c does).
 */
#include "fbdiag/sig.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "sig_internal.h"

#define MAX_RULE_BYTES (256 * 1024)
#define MAX_CONDITIONS 64
#define MAX_LIST 64

struct fb_sig_db {
    struct fb_sig **rules; /* sorted by id */
    size_t n, cap;
    char hash[80];
    int hash_valid;
};

/* Built-in rules: generated into the build folder from src/sig/rules (rules_builtin.c). */
struct fb_sig_builtin {
    const char *path, *text;
};
extern const struct fb_sig_builtin fb_sig_builtins[];
extern const size_t fb_sig_builtins_count;

/* ---- YAML helpers ---- */

struct loader {
    yaml_document_t *doc;
    const char *name;
    struct fb_sig *s;
    struct fb_diag *d;
};

static int fail(struct loader *L, const yaml_node_t *n, const char *fmt, ...) FB_PRINTF(3, 4);
static int fail(struct loader *L, const yaml_node_t *n, const char *fmt, ...)
{
    char where[600];
    snprintf(where, sizeof where, "%s:%lu", L->name,
             n ? (unsigned long)n->start_mark.line + 1 : 1UL);
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fb_diag_set(L->d, FB_ERR_FORMAT, where, "%s", msg);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *node(struct loader *L, yaml_node_item_t i)
{
    return yaml_document_get_node(L->doc, i);
}

static const char *keep(struct loader *L, const char *s)
{
    return fb_arena_cstr(&L->s->arena, s, strlen(s));
}

static int parse_number(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* A scalar or a sequence of scalars into an arena array. */
static int string_list(struct loader *L, yaml_node_t *n, const char ***out, size_t *count,
                       const char *field)
{
    if (n->type == YAML_SCALAR_NODE) {
        *out = fb_arena_alloc(&L->s->arena, sizeof **out);
        (*out)[0] = keep(L, scalar(n));
        *count = 1;
        return 0;
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(L, n, "'%s' must be a string or a list of strings", field);
    size_t len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (len > MAX_LIST)
        return fail(L, n, "'%s' has too many entries", field);
    *out = fb_arena_alloc(&L->s->arena, (len ? len : 1) * sizeof **out);
    *count = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        const char *v = scalar(node(L, *it));
        if (!v)
            return fail(L, node(L, *it), "'%s' entries must be strings", field);
        (*out)[(*count)++] = keep(L, v);
    }
    return 0;
}

/* ---- conditions ---- */

static int compile_regex(struct loader *L, yaml_node_t *n, struct cond *c, const char *pattern)
{
    c->templated = strstr(pattern, "{attendee.") || strstr(pattern, "{call.") ||
                   strstr(pattern, "{error.") || strstr(pattern, "{trace.");
    if (c->templated)
        return 0; /* compiled per unit after substitution (sig_match.c) */
    int err;
    PCRE2_SIZE off;
    c->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                          PCRE2_CASELESS | PCRE2_UTF | PCRE2_NO_UTF_CHECK, &err, &off, NULL);
    if (!c->re) {
        PCRE2_UCHAR buf[256];
        pcre2_get_error_message(err, buf, sizeof buf);
        char msg[400];
        snprintf(msg, sizeof msg, "bad regex at offset %zu: %s", (size_t)off, (char *)buf);
        return fail(L, n, "%s", msg);
    }
    return 0;
}

static int parse_operator(struct loader *L, yaml_node_t *key, yaml_node_t *val, struct cond *c)
{
    const char *op = scalar(key);
    if (!op)
        return fail(L, key, "an operator is a string (regex, contains, not, gte, ...)");
    static const struct {
        const char *name;
        enum cond_op op;
    } ops[] = {{"regex", OP_REGEX}, {"contains", OP_CONTAINS}, {"not", OP_NOT},
               {"gte", OP_GTE},     {"lte", OP_LTE},           {"gt", OP_GT},
               {"lt", OP_LT},       {"present", OP_PRESENT},   {"any", OP_EQ}};
    for (size_t i = 0; i < FB_ARRAY_LEN(ops); i++) {
        if (strcmp(op, ops[i].name) != 0)
            continue;
        c->op = ops[i].op;
        switch (c->op) {
        case OP_EQ:
        case OP_NOT: return string_list(L, val, &c->values, &c->n_values, op);
        case OP_REGEX:
        case OP_CONTAINS:
            if (!scalar(val))
                return fail(L, val, "'%s' takes a string", op);
            c->values = fb_arena_alloc(&L->s->arena, sizeof *c->values);
            c->values[0] = keep(L, scalar(val));
            c->n_values = 1;
            return c->op == OP_REGEX ? compile_regex(L, val, c, c->values[0]) : 0;
        case OP_PRESENT: {
            const char *v = scalar(val);
            if (!v || (strcmp(v, "true") != 0 && strcmp(v, "false") != 0))
                return fail(L, val, "'present' takes true or false");
            c->number = strcmp(v, "true") == 0;
            return 0;
        }
        default:
            if (parse_number(scalar(val), &c->number) != 0)
                return fail(L, val, "'%s' takes a number", op);
            return 0;
        }
    }
    return fail(L, key,
                "unknown operator '%s' (regex, contains, not, gte, lte, gt, lt, "
                "present, any)",
                op);
}

/* One list entry: {fact.path: value} or {fact.path: {op: value}}, optional weight. */
static int parse_condition(struct loader *L, yaml_node_t *n, struct cond *c, double def_weight)
{
    memset(c, 0, sizeof *c);
    c->weight = def_weight;
    c->line = (int)n->start_mark.line + 1;
    if (n->type != YAML_MAPPING_NODE)
        return fail(L, n, "a condition is a mapping such as '- attendee.response_code: X'");
    int have_fact = 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(L, p->key), *v = node(L, p->value);
        const char *key = scalar(k);
        if (!key)
            return fail(L, k, "condition keys must be strings");
        if (strcmp(key, "weight") == 0) {
            if (parse_number(scalar(v), &c->weight) != 0 || c->weight < 0 || c->weight > 1)
                return fail(L, v, "'weight' takes a number from 0 to 1");
            continue;
        }
        if (have_fact)
            return fail(L, k, "one fact per condition ('%s' is a second one)", key);
        have_fact = 1;
        if (!sig_fact_known(key, &c->scope))
            return fail(L, k, "unknown fact '%s' (docs/signatures.md lists the facts)", key);
        c->path = keep(L, key);
        if (v->type == YAML_MAPPING_NODE) {
            if (v->data.mapping.pairs.top - v->data.mapping.pairs.start != 1)
                return fail(L, v, "one operator per condition");
            yaml_node_pair_t *op = v->data.mapping.pairs.start;
            int rc = parse_operator(L, node(L, op->key), node(L, op->value), c);
            if (rc)
                return rc;
        } else {
            c->op = OP_EQ;
            int rc = string_list(L, v, &c->values, &c->n_values, key);
            if (rc)
                return rc;
        }
    }
    if (!have_fact)
        return fail(L, n, "a condition needs a fact");
    return 0;
}

static int parse_conditions(struct loader *L, yaml_node_t *n, const char *field, struct cond **out,
                            size_t *count, double def_weight)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(L, n, "'%s' must be a list of conditions", field);
    size_t len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (len > MAX_CONDITIONS)
        return fail(L, n, "'%s' has too many conditions", field);
    *out = fb_arena_calloc(&L->s->arena, len ? len : 1, sizeof **out);
    *count = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        int rc = parse_condition(L, node(L, *it), &(*out)[*count], def_weight);
        (*count)++; /* counted even on failure so sig_rule_free frees its regex */
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- applies_to, confidence ---- */

static int name_bits(struct loader *L, yaml_node_t *n, const char *field,
                     const char *(*name_of)(int), int count, unsigned *bits)
{
    const char **names;
    size_t k;
    int rc = string_list(L, n, &names, &k, field);
    if (rc)
        return rc;
    for (size_t i = 0; i < k; i++) {
        int found = 0;
        for (int v = 0; v < count; v++)
            if (name_of(v) && strcmp(names[i], name_of(v)) == 0) {
                *bits |= 1u << v;
                found = 1;
            }
        if (!found)
            return fail(L, n, "unknown value '%s'", names[i]);
    }
    return 0;
}

static const char *dir_name(int v)
{
    return fb_direction_name((enum fb_direction)v);
}
static const char *auth_name(int v)
{
    return fb_auth_path_name((enum fb_auth_path)v);
}
static const char *kind_name(int v)
{
    return fb_call_kind_name((enum fb_call_kind)v);
}

static int parse_applies(struct loader *L, yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail(L, n, "'applies_to' must be a mapping");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(L, p->key));
        yaml_node_t *v = node(L, p->value);
        int rc;
        if (k && strcmp(k, "direction") == 0)
            rc = name_bits(L, v, k, dir_name, FB_DIR_COUNT, &L->s->applies_dir);
        else if (k && strcmp(k, "auth_path") == 0)
            rc = name_bits(L, v, k, auth_name, FB_AUTH_COUNT, &L->s->applies_auth);
        else if (k && strcmp(k, "kind") == 0)
            rc = name_bits(L, v, k, kind_name, FB_CALL_KIND_COUNT, &L->s->applies_kind);
        else
            rc = fail(L, node(L, p->key),
                      "unknown applies_to key '%s' (direction, auth_path, "
                      "kind)",
                      k);
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_confidence(struct loader *L, yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail(L, n, "'confidence' must be a mapping with 'base'");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(L, p->key));
        yaml_node_t *v = node(L, p->value);
        if (k && strcmp(k, "base") == 0) {
            if (parse_number(scalar(v), &L->s->base) != 0 || L->s->base < 0 || L->s->base > 1)
                return fail(L, v, "'base' takes a number from 0 to 1");
        } else if (k && strcmp(k, "max_without") == 0) {
            if (v->type != YAML_MAPPING_NODE)
                return fail(L, v, "'max_without' maps a fact to a cap");
            size_t len = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
            L->s->caps = fb_arena_calloc(&L->s->arena, len ? len : 1, sizeof *L->s->caps);
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top;
                 q++) {
                const char *fact = scalar(node(L, q->key));
                enum fact_scope sc;
                struct cap *cp = &L->s->caps[L->s->n_caps];
                if (!fact || !sig_fact_known(fact, &sc))
                    return fail(L, node(L, q->key), "unknown fact '%s' in max_without", fact);
                if (parse_number(scalar(node(L, q->value)), &cp->value) != 0)
                    return fail(L, node(L, q->value), "a cap is a number");
                cp->path = keep(L, fact);
                L->s->n_caps++;
            }
        } else
            return fail(L, node(L, p->key), "unknown confidence key '%s' (base, max_without)", k);
    }
    return 0;
}

/* ---- one rule ---- */

static int valid_id(const char *id)
{
    if (!id || !*id || strlen(id) > 80)
        return 0;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return 0;
    return id[0] != '-';
}

static int parse_field(struct loader *L, yaml_node_t *kn, yaml_node_t *v)
{
    const char *k = scalar(kn);
    struct fb_sig *s = L->s;
    static const char *const sources[] = {"wire", "server-log", "outlook-log", "cmdlet-output",
                                          "none"};
    if (strcmp(k, "id") == 0 || strcmp(k, "title") == 0 || strcmp(k, "meaning") == 0 ||
        strcmp(k, "family") == 0 || strcmp(k, "evidence_source") == 0) {
        const char *str = scalar(v);
        if (!str)
            return fail(L, v, "'%s' must be a string", k);
        if (k[0] == 'i') {
            if (!valid_id(str))
                return fail(L, v, "id '%s' is not kebab-case (a-z, 0-9, -)", str);
            s->id = keep(L, str);
        } else if (k[0] == 't')
            s->title = keep(L, str);
        else if (k[0] == 'm')
            s->meaning = keep(L, str);
        else if (k[0] == 'f')
            s->family = keep(L, str);
        else {
            int ok = 0;
            for (size_t i = 0; i < FB_ARRAY_LEN(sources); i++)
                ok |= strcmp(str, sources[i]) == 0;
            if (!ok)
                return fail(L, v,
                            "evidence_source '%s' is not one of wire, server-log, "
                            "outlook-log, cmdlet-output, none",
                            str);
            s->evidence_source = keep(L, str);
        }
        return 0;
    }
    if (strcmp(k, "applies_to") == 0)
        return parse_applies(L, v);
    if ((strcmp(k, "match") == 0 && s->match) || (strcmp(k, "supports") == 0 && s->supports) ||
        (strcmp(k, "contradicts") == 0 && s->contradicts))
        return fail(L, kn, "'%s' appears twice", k);
    if (strcmp(k, "match") == 0)
        return parse_conditions(L, v, k, &s->match, &s->n_match, 0);
    if (strcmp(k, "supports") == 0)
        return parse_conditions(L, v, k, &s->supports, &s->n_supports, 0.15);
    if (strcmp(k, "contradicts") == 0)
        return parse_conditions(L, v, k, &s->contradicts, &s->n_contradicts, 0.3);
    if (strcmp(k, "confidence") == 0)
        return parse_confidence(L, v);
    if (strcmp(k, "generic") == 0) {
        const char *str = scalar(v);
        if (!str || (strcmp(str, "true") != 0 && strcmp(str, "false") != 0))
            return fail(L, v, "'generic' takes true or false");
        s->generic = strcmp(str, "true") == 0;
        return 0;
    }
    if (strcmp(k, "advice_for") == 0)
        return string_list(L, v, &s->advice_for, &s->n_advice_for, k);
    if (strcmp(k, "next_steps") == 0)
        return string_list(L, v, &s->next_steps, &s->n_next_steps, k);
    if (strcmp(k, "fix") == 0)
        return string_list(L, v, &s->fix, &s->n_fix, k);
    if (strcmp(k, "references") == 0)
        return string_list(L, v, &s->references, &s->n_references, k);
    return fail(L, kn, "unknown field '%s'", k);
}

static int check_rule(struct loader *L, yaml_node_t *root)
{
    struct fb_sig *s = L->s;
    if (!s->id)
        return fail(L, root, "missing 'id'");
    if (!s->title)
        return fail(L, root, "missing 'title'");
    if (!s->evidence_source)
        s->evidence_source = "wire";
    int none = strcmp(s->evidence_source, "none") == 0;
    if (!none && s->n_match == 0)
        return fail(L, root, "missing 'match' (only evidence_source none rules have no match)");
    if (none && s->n_advice_for == 0)
        return fail(L, root, "an evidence_source none rule needs 'advice_for'");
    if (s->n_next_steps == 0 && s->n_fix == 0)
        return fail(L, root, "a rule needs 'next_steps' or 'fix'");
    const struct cond *lists[] = {s->match, s->supports, s->contradicts};
    size_t counts[] = {s->n_match, s->n_supports, s->n_contradicts};
    for (size_t l = 0; l < 3; l++)
        for (size_t i = 0; i < counts[l]; i++)
            if (lists[l][i].scope == SCOPE_UNIT)
                s->unit_scoped = 1;
    return 0;
}

static int load_rule(struct loader *L, yaml_node_t *root)
{
    if (!root || root->type != YAML_MAPPING_NODE)
        return fail(L, root, "a rule is a YAML mapping");
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node(L, p->key);
        const char *key = scalar(k);
        if (!key)
            return fail(L, k, "keys must be strings");
        int rc = parse_field(L, k, node(L, p->value));
        if (rc)
            return rc;
    }
    return check_rule(L, root);
}

void sig_rule_free(struct fb_sig *s)
{
    if (!s)
        return;
    struct cond *lists[] = {s->match, s->supports, s->contradicts};
    size_t counts[] = {s->n_match, s->n_supports, s->n_contradicts};
    for (size_t l = 0; l < 3; l++)
        for (size_t i = 0; i < counts[l]; i++)
            pcre2_code_free(lists[l][i].re);
    fb_arena_cleanup(&s->arena);
    free(s);
}

/* Parses text into a new rule (*out owned by the caller) or fails with d. */
static int parse_rule(const char *name, const char *text, size_t len, struct fb_sig **out,
                      struct fb_diag *d)
{
    if (len > MAX_RULE_BYTES)
        return fb_diag_set(d, FB_ERR_FORMAT, name, "rule file larger than %d bytes",
                           MAX_RULE_BYTES);
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        abort();
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        char where[600];
        snprintf(where, sizeof where, "%s:%lu", name, (unsigned long)parser.problem_mark.line + 1);
        int rc = fb_diag_set(d, FB_ERR_FORMAT, where, "YAML: %s",
                             parser.problem ? parser.problem : "syntax error");
        yaml_parser_delete(&parser);
        return rc;
    }
    struct fb_sig *s = fb_xcalloc(1, sizeof *s);
    fb_arena_init(&s->arena);
    struct loader L = {&doc, name, s, d};
    int rc = load_rule(&L, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc) {
        sig_rule_free(s);
        return rc;
    }
    s->origin = fb_arena_cstr(&s->arena, name, strlen(name));
    s->text = fb_arena_cstr(&s->arena, text, len);
    *out = s;
    return 0;
}

/* ---- the database ---- */

static size_t find_pos(const struct fb_sig_db *db, const char *id, int *found)
{
    size_t lo = 0, hi = db->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(db->rules[mid]->id, id);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

/* Inserts s (taking ownership); returns the rule it replaced, freed, as 1, or 0. */
static int db_insert(struct fb_sig_db *db, struct fb_sig *s)
{
    int found;
    size_t pos = find_pos(db, s->id, &found);
    db->hash_valid = 0;
    if (found) {
        sig_rule_free(db->rules[pos]);
        db->rules[pos] = s;
        return 1;
    }
    if (db->n == db->cap) {
        db->cap = db->cap ? db->cap * 2 : 64;
        db->rules = fb_xrealloc(db->rules, db->cap * sizeof *db->rules);
    }
    memmove(&db->rules[pos + 1], &db->rules[pos], (db->n - pos) * sizeof *db->rules);
    db->rules[pos] = s;
    db->n++;
    return 0;
}

int fb_sig_db_add_text(struct fb_sig_db *db, const char *name, const char *text, size_t len,
                       struct fb_diag *d)
{
    struct fb_sig *s = NULL;
    int rc = parse_rule(name, text, len, &s, d);
    if (rc)
        return rc;
    if (db)
        db_insert(db, s);
    else
        sig_rule_free(s);
    return 0;
}

static const char *family_of(struct fb_sig *s, const char *path)
{
    /* ".../rules/<family>/<id>.yaml" or "<dir>/<family>/<id>.yaml" */
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return "user";
    const char *start = slash - 1;
    while (start > path && start[-1] != '/')
        start--;
    return fb_arena_cstr(&s->arena, start, (size_t)(slash - start));
}

int fb_sig_db_new(struct fb_sig_db **out, struct fb_diag *d)
{
    struct fb_sig_db *db = fb_xcalloc(1, sizeof *db);
    for (size_t i = 0; i < fb_sig_builtins_count; i++) {
        const struct fb_sig_builtin *b = &fb_sig_builtins[i];
        char name[512];
        snprintf(name, sizeof name, "builtin:%s", b->path);
        struct fb_sig *s = NULL;
        int rc = parse_rule(name, b->text, strlen(b->text), &s, d);
        if (rc) {
            fb_sig_db_free(db);
            return rc;
        }
        if (!s->family)
            s->family = family_of(s, b->path);
        db_insert(db, s);
    }
    *out = db;
    return 0;
}

void fb_sig_db_free(struct fb_sig_db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->n; i++)
        sig_rule_free(db->rules[i]);
    free(db->rules);
    free(db);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_yaml(const char *n)
{
    size_t l = strlen(n);
    return (l > 5 && strcmp(n + l - 5, ".yaml") == 0) || (l > 4 && strcmp(n + l - 4, ".yml") == 0);
}

static int add_dir(struct fb_sig_db *db, const char *dir, fb_sig_warn_fn warn, void *user,
                   struct fb_diag *d, int depth)
{
    if (depth > 8)
        return 0;
    DIR *dh = opendir(dir);
    if (!dh)
        return fb_diag_set(d, FB_ERR_IO, dir, "cannot read directory: %s", strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            names = fb_xrealloc(names, cap * sizeof *names);
        }
        names[n++] = fb_xstrdup(e->d_name);
    }
    closedir(dh);
    if (n > 1) /* qsort's pointer must not be NULL, even for 0 elements */
        qsort(names, n, sizeof *names, cmp_names);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            rc = add_dir(db, path, warn, user, d, depth + 1);
            continue;
        }
        if (!is_yaml(names[i]))
            continue;
        uint8_t *data;
        size_t len;
        if (fb_read_file(path, MAX_RULE_BYTES + 1, &data, &len) != FB_OK) {
            rc = fb_diag_set(d, FB_ERR_IO, path, "cannot read: %s", strerror(errno));
            break;
        }
        struct fb_sig *s = NULL;
        rc = parse_rule(path, (const char *)data, len, &s, d);
        free(data);
        if (rc)
            break;
        if (!s->family)
            s->family = family_of(s, path);
        if (db_insert(db, s) && warn) {
            char msg[4300];
            snprintf(msg, sizeof msg, "user rule %s (%s) overrides the built-in rule", s->id, path);
            warn(user, msg);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int fb_sig_db_add_dir(struct fb_sig_db *db, const char *dir, fb_sig_warn_fn warn, void *user,
                      struct fb_diag *d)
{
    return add_dir(db, dir, warn, user, d, 0);
}

size_t fb_sig_db_count(const struct fb_sig_db *db)
{
    return db->n;
}

const struct fb_sig *fb_sig_db_at(const struct fb_sig_db *db, size_t i)
{
    return i < db->n ? db->rules[i] : NULL;
}

const struct fb_sig *fb_sig_db_find(const struct fb_sig_db *db, const char *id)
{
    int found;
    size_t pos = find_pos(db, id, &found);
    return found ? db->rules[pos] : NULL;
}

const char *fb_sig_db_hash(const struct fb_sig_db *db)
{
    struct fb_sig_db *m = (struct fb_sig_db *)(uintptr_t)db; /* cache; logically const */
    if (m->hash_valid)
        return m->hash;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        abort();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t i = 0; i < db->n; i++) {
        EVP_DigestUpdate(ctx, db->rules[i]->text, strlen(db->rules[i]->text));
        EVP_DigestUpdate(ctx, "\0", 1);
    }
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    char *p = m->hash + snprintf(m->hash, sizeof m->hash, "sha256:");
    for (unsigned i = 0; i < mdlen; i++)
        p += snprintf(p, 3, "%02x", md[i]);
    m->hash_valid = 1;
    return m->hash;
}

const char *fb_sig_id(const struct fb_sig *s)
{
    return s->id;
}
const char *fb_sig_title(const struct fb_sig *s)
{
    return s->title;
}
const char *fb_sig_meaning(const struct fb_sig *s)
{
    return s->meaning ? s->meaning : "";
}
const char *fb_sig_family(const struct fb_sig *s)
{
    return s->family ? s->family : "user";
}
const char *fb_sig_evidence_source(const struct fb_sig *s)
{
    return s->evidence_source;
}
const char *fb_sig_text(const struct fb_sig *s)
{
    return s->text;
}
const char *fb_sig_origin(const struct fb_sig *s)
{
    return s->origin;
}

const char *const *fb_sig_next_steps(const struct fb_sig *s, size_t *n)
{
    *n = s->n_next_steps;
    return s->next_steps;
}

const char *const *fb_sig_fix(const struct fb_sig *s, size_t *n)
{
    *n = s->n_fix;
    return s->fix;
}

const char *const *fb_sig_references(const struct fb_sig *s, size_t *n)
{
    *n = s->n_references;
    return s->references;
}
