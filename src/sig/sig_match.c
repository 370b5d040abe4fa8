/* sig_match.c - evaluates the rules against a trace (design.md "Signatures are data"):
 * per (call, attendee) and per call-level error ("units"), skipping superseded calls;
 * rules that read only trace and log facts are evaluated once. Confidence is base, plus
 * each supports entry that holds (0.15 unless weighted), minus each contradicts entry
 * that holds (0.3), clamped to [0, 1] and to any max_without cap whose fact did not hold.
 * One diagnosis per rule and route group; ties are broken by conditions held. Generic
 * code rules only see units no specific rule explains. evidence_source none rules are
 * attached as advice to the diagnoses they name.
 *
 * A condition on a fact the trace does not establish is neither true nor false: in
 * match it fails, in supports and contradicts it counts for nothing.
 */
#include "fbdiag/sig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/buf.h"
#include "fbdiag/trace.h"
#include "sig_internal.h"

#define SUBJECT_MAX (64 * 1024)
#define MATCH_LIMIT 200000
#define DEPTH_LIMIT 2000

struct fb_sig_db; /* opaque here; iterated through fb_sig_db_at */

struct matcher {
    const struct fb_trace *t;
    const struct fb_log_set *logs;
    struct fb_arena *a;
    struct fb_arena scratch;
    pcre2_match_context *mctx;
    pcre2_match_data *md;
};

struct eval {
    int matched;
    double confidence;
    unsigned held;
    /* "fact = value" and where it held ("saz:3 y1@datum.com"), per condition */
    const char *evidence[FB_DIAG_MAX_EVIDENCE];
    const char *where[FB_DIAG_MAX_EVIDENCE];
    size_t n_evidence;
};

/* ---- condition evaluation ---- */

static int regex_test(struct matcher *m, const pcre2_code *re, const char *subject)
{
    size_t len = strlen(subject);
    if (len > SUBJECT_MAX)
        len = SUBJECT_MAX;
    int rc = pcre2_match(re, (PCRE2_SPTR)subject, len, 0, PCRE2_NO_UTF_CHECK, m->md, m->mctx);
    return rc >= 0;
}

/* Replaces {fact.path} placeholders with the unit's first value (regex-quoted when
 * quote). Returns NULL when a placeholder's fact is not established. */
static const char *substitute(struct matcher *m, const struct unit *u, const char *pattern,
                              int quote)
{
    struct fb_buf out;
    fb_buf_init(&out, SUBJECT_MAX);
    const char *p = pattern;
    const char *result = NULL;
    while (*p) {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!open || !close) {
            if (fb_buf_append_str(&out, p) != FB_OK)
                goto done;
            break;
        }
        char path[128];
        size_t plen = (size_t)(close - open - 1);
        if (fb_buf_append(&out, p, (size_t)(open - p)) != FB_OK)
            goto done;
        enum fact_scope sc;
        if (plen >= sizeof path) {
            if (fb_buf_append(&out, open, (size_t)(close - open + 1)) != FB_OK)
                goto done;
            p = close + 1;
            continue;
        }
        memcpy(path, open + 1, plen);
        path[plen] = '\0';
        if (!sig_fact_known(path, &sc)) { /* a literal brace in the pattern */
            if (fb_buf_append(&out, open, (size_t)(close - open + 1)) != FB_OK)
                goto done;
            p = close + 1;
            continue;
        }
        struct fact_val vals[FACT_MAX_VALUES];
        if (sig_fact_get(u, path, vals, &m->scratch) <= 0)
            goto done;
        if (quote && fb_buf_append_str(&out, "\\Q") != FB_OK)
            goto done;
        /* \E inside a value would end the quote: values are addresses and hosts, but be
         * safe and drop backslashes */
        for (const char *v = vals[0].s; *v; v++)
            if ((!quote || *v != '\\') && fb_buf_append(&out, v, 1) != FB_OK)
                goto done;
        if (quote && fb_buf_append_str(&out, "\\E") != FB_OK)
            goto done;
        p = close + 1;
    }
    result = fb_arena_cstr(&m->scratch, (const char *)out.data, out.len);
done:
    fb_buf_cleanup(&out);
    return result;
}

static int values_equal(const struct fact_val *v, const char *want)
{
    if (v->is_num) {
        char *end;
        double w = strtod(want, &end);
        if (*want && !*end)
            return fabs(w - v->n) < 1e-9;
    }
    return fb_str_ieq_cstr(fb_str_cstr(v->s), want);
}

/* A value as a number: numeric facts, and strings that are a whole decimal number
 * (MessageXml values such as BackOffMilliseconds arrive as text). */
static int as_number(const struct fact_val *v, double *out)
{
    if (v->is_num) {
        *out = v->n;
        return 1;
    }
    if (!v->s || !*v->s)
        return 0;
    char *end;
    double x = strtod(v->s, &end);
    while (*end == ' ')
        end++;
    if (*end || x != x)
        return 0;
    *out = x;
    return 1;
}

/* Tests one value against a condition's operator (not OP_PRESENT / OP_NOT). */
static int value_holds(struct matcher *m, const struct cond *c, const struct fact_val *v,
                       const pcre2_code *re, const char *needle)
{
    switch (c->op) {
    case OP_EQ:
        for (size_t i = 0; i < c->n_values; i++)
            if (values_equal(v, c->values[i]))
                return 1;
        return 0;
    case OP_REGEX: return re && regex_test(m, re, v->s);
    case OP_CONTAINS: return needle && fb_str_ifind(fb_str_cstr(v->s), needle) != NULL;
    case OP_GTE:
    case OP_LTE:
    case OP_GT:
    case OP_LT: {
        double x;
        if (!as_number(v, &x))
            return 0;
        return c->op == OP_GTE   ? x >= c->number
               : c->op == OP_LTE ? x <= c->number
               : c->op == OP_GT  ? x > c->number
                                 : x < c->number;
    }
    default: return 0;
    }
}

/* Returns 1 (holds), 0 (does not) or -1 (fact not established). *shown gets the value
 * that made it hold, for evidence. */
static int cond_eval(struct matcher *m, const struct cond *c, const struct unit *u,
                     const char **shown)
{
    const pcre2_code *re = c->re;
    pcre2_code *compiled = NULL;
    const char *needle = c->op == OP_CONTAINS ? c->values[0] : NULL;
    if (c->templated || (c->op == OP_CONTAINS && strchr(c->values[0], '{'))) {
        const char *pat = substitute(m, u, c->values[0], c->op == OP_REGEX);
        if (!pat)
            return -1;
        if (c->op == OP_REGEX) {
            int err;
            PCRE2_SIZE off;
            compiled =
                pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                              PCRE2_CASELESS | PCRE2_UTF | PCRE2_NO_UTF_CHECK, &err, &off, NULL);
            if (!compiled)
                return -1;
            re = compiled;
        } else
            needle = pat;
    }
    int result;
    if (c->scope == SCOPE_LOG) {
        if (!m->logs || m->logs->n == 0) {
            result = -1;
        } else {
            result = 0;
            for (size_t i = 0; i < m->logs->n && !result; i++) {
                struct fact_val v = {m->logs->lines[i], 0, 0};
                if (c->op == OP_PRESENT)
                    result = c->number != 0;
                else if (c->op == OP_NOT)
                    result = 0;
                else if (value_holds(m, c, &v, re, needle)) {
                    result = 1;
                    *shown = fb_arena_printf(&m->scratch, "%s (%s)", m->logs->lines[i],
                                             m->logs->origin[i]);
                }
            }
        }
        pcre2_code_free(compiled);
        return result;
    }
    struct fact_val vals[FACT_MAX_VALUES];
    int n = sig_fact_get(u, c->path, vals, &m->scratch);
    if (n < 0 || n == 0) {
        pcre2_code_free(compiled);
        if (c->op == OP_PRESENT && c->number == 0) {
            *shown = "(absent)";
            return 1;
        }
        return c->op == OP_PRESENT ? 0 : -1;
    }
    result = 0;
    if (c->op == OP_PRESENT) {
        result = c->number != 0;
        *shown = vals[0].s;
    } else if (c->op == OP_NOT) {
        result = 1;
        for (int i = 0; i < n; i++)
            for (size_t k = 0; k < c->n_values; k++)
                if (values_equal(&vals[i], c->values[k]))
                    result = 0;
        if (result)
            *shown = vals[0].s;
    } else {
        for (int i = 0; i < n && !result; i++)
            if (value_holds(m, c, &vals[i], re, needle)) {
                result = 1;
                *shown = vals[i].s;
            }
    }
    pcre2_code_free(compiled);
    return result;
}

/* ---- one rule on one unit ---- */

static void add_evidence(struct matcher *m, struct eval *e, const struct unit *u,
                         const char *prefix, const struct cond *c, const char *shown)
{
    if (e->n_evidence >= FB_DIAG_MAX_EVIDENCE)
        return;
    const char *who = u->att && u->att->mailbox ? u->att->mailbox : NULL;
    const char *src = u->call ? u->call->source : NULL;
    const char *value = shown ? shown : "";
    if (strlen(value) > 300)
        value = fb_arena_printf(&m->scratch, "%.300s...", value);
    e->evidence[e->n_evidence] = fb_arena_printf(m->a, "%s%s = %s", prefix, c->path, value);
    e->where[e->n_evidence++] = src && who ? fb_arena_printf(m->a, "%s %s", src, who)
                                : src      ? src
                                           : who;
}

static int applies(const struct fb_sig *s, const struct unit *u)
{
    if (!u->call)
        return 1;
    if (s->applies_kind && !(s->applies_kind & (1u << u->call->kind)))
        return 0;
    if (u->af) {
        if (s->applies_dir && u->af->direction != FB_DIR_UNKNOWN &&
            !(s->applies_dir & (1u << u->af->direction)))
            return 0;
        if (s->applies_auth && u->af->auth_path != FB_AUTH_UNKNOWN &&
            !(s->applies_auth & (1u << u->af->auth_path)))
            return 0;
    }
    return 1;
}

static int held_path(const struct cond *list, size_t n, const int *held, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (held[i] && strcmp(list[i].path, path) == 0)
            return 1;
    return 0;
}

static void eval_rule(struct matcher *m, const struct fb_sig *s, const struct unit *u,
                      struct eval *e)
{
    memset(e, 0, sizeof *e);
    if (!applies(s, u))
        return;
    int mheld[64], sheld[64];
    for (size_t i = 0; i < s->n_match; i++) {
        const char *shown = NULL;
        if (cond_eval(m, &s->match[i], u, &shown) != 1)
            return;
        mheld[i] = 1;
        add_evidence(m, e, u, "", &s->match[i], shown);
    }
    e->matched = 1;
    e->held = (unsigned)s->n_match;
    double conf = s->base;
    for (size_t i = 0; i < s->n_supports; i++) {
        const char *shown = NULL;
        sheld[i] = cond_eval(m, &s->supports[i], u, &shown) == 1;
        if (sheld[i]) {
            conf += s->supports[i].weight;
            e->held++;
            add_evidence(m, e, u, "", &s->supports[i], shown);
        }
    }
    for (size_t i = 0; i < s->n_contradicts; i++) {
        const char *shown = NULL;
        if (cond_eval(m, &s->contradicts[i], u, &shown) == 1) {
            conf -= s->contradicts[i].weight;
            add_evidence(m, e, u, "against: ", &s->contradicts[i], shown);
        }
    }
    for (size_t i = 0; i < s->n_caps; i++)
        if (!held_path(s->match, s->n_match, mheld, s->caps[i].path) &&
            !held_path(s->supports, s->n_supports, sheld, s->caps[i].path) &&
            conf > s->caps[i].value)
            conf = s->caps[i].value;
    e->confidence = conf < 0 ? 0 : conf > 1 ? 1 : conf;
}

/* ---- grouping ---- */

/* What a diagnosis accumulates before its evidence lines are written: each distinct
 * "fact = value", where it first held, and on how many units. */
struct ev_acc {
    const char *kv[FB_DIAG_MAX_EVIDENCE], *where[FB_DIAG_MAX_EVIDENCE];
    unsigned count[FB_DIAG_MAX_EVIDENCE];
    size_t n;
};

struct groups {
    struct fb_diagnosis *items;
    struct ev_acc *acc; /* index-aligned with items */
    size_t n, cap;
};

static const char *unit_route(const struct unit *u)
{
    if (!u->call)
        return NULL;
    if (u->af && u->af->route)
        return u->af->route;
    return u->call->http.host;
}

/* Returns the index of the group of rule s and route (created when new). */
static size_t group_for(struct matcher *m, struct groups *g, const struct fb_sig *s,
                        const char *route)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->items[i].sig == s &&
            ((!route && !g->items[i].route) ||
             (route && g->items[i].route && strcmp(route, g->items[i].route) == 0)))
            return i;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        g->items =
            fb_arena_realloc(m->a, g->items, g->cap * sizeof *g->items, cap * sizeof *g->items);
        g->acc = fb_arena_realloc(m->a, g->acc, g->cap * sizeof *g->acc, cap * sizeof *g->acc);
        g->cap = cap;
    }
    memset(&g->acc[g->n], 0, sizeof g->acc[g->n]);
    struct fb_diagnosis *d = &g->items[g->n++];
    memset(d, 0, sizeof *d);
    d->sig = s;
    d->route = route;
    return g->n - 1;
}

static void merge_into(struct fb_diagnosis *d, struct ev_acc *acc, const struct eval *e,
                       const struct unit *u)
{
    d->n_units++;
    if (e->confidence > d->confidence ||
        (e->confidence == d->confidence && e->held > d->conditions_held)) {
        d->confidence = e->confidence;
        d->conditions_held = e->held;
    }
    if (!d->first_source && u->call)
        d->first_source = u->call->source;
    const char *who = u->att ? u->att->mailbox : NULL;
    if (who) {
        int seen = 0;
        for (size_t i = 0; i < d->n_attendees; i++)
            seen |= fb_str_ieq_cstr(fb_str_cstr(d->attendees[i]), who);
        if (!seen && d->n_attendees < FB_DIAG_MAX_ATTENDEES)
            d->attendees[d->n_attendees++] = who;
    }
    for (size_t i = 0; i < e->n_evidence; i++) {
        size_t k = 0;
        while (k < acc->n && strcmp(acc->kv[k], e->evidence[i]) != 0)
            k++;
        if (k < acc->n) {
            acc->count[k]++;
        } else if (acc->n < FB_DIAG_MAX_EVIDENCE) {
            acc->kv[acc->n] = e->evidence[i];
            acc->where[acc->n] = e->where[i];
            acc->count[acc->n++] = 1;
        }
    }
}

/* Writes the evidence lines: "fact = value (where it first held, and N more)". */
static void write_evidence(struct fb_arena *a, struct fb_diagnosis *d, const struct ev_acc *acc)
{
    d->n_evidence = 0;
    for (size_t k = 0; k < acc->n; k++) {
        if (!acc->where[k])
            d->evidence[d->n_evidence++] = acc->kv[k];
        else if (acc->count[k] > 1)
            d->evidence[d->n_evidence++] = fb_arena_printf(a, "%s (%s, and %u more)", acc->kv[k],
                                                           acc->where[k], acc->count[k] - 1);
        else
            d->evidence[d->n_evidence++] = fb_arena_printf(a, "%s (%s)", acc->kv[k], acc->where[k]);
    }
}

static int cmp_diag(const void *pa, const void *pb)
{
    const struct fb_diagnosis *a = pa, *b = pb;
    if (a->confidence != b->confidence)
        return a->confidence > b->confidence ? -1 : 1;
    if (a->conditions_held != b->conditions_held)
        return a->conditions_held > b->conditions_held ? -1 : 1;
    int c = strcmp(fb_sig_id(a->sig), fb_sig_id(b->sig));
    if (c)
        return c;
    return strcmp(a->route ? a->route : "", b->route ? b->route : "");
}

/* ---- units ---- */

struct unit_list {
    struct unit *items;
    double *best; /* best confidence any rule reached on the unit */
    size_t n;
};

static int same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* extract/ copies a call-level error to every attendee that got no answer of its own
 * (an HTTP failure, a SOAP fault): the attendees' units carry it, and a unit of its own
 * would give the same diagnosis a second time on the call's host as route. */
static int error_copied_to_attendees(const struct fb_call *c, size_t e)
{
    if (e != 0 || c->n_attendees == 0)
        return 0;
    const struct fb_finding *ce = &c->errors[0];
    for (size_t k = 0; k < c->n_attendees; k++) {
        const struct fb_finding *f = c->attendees[k].finding;
        if (!f && c->attendees[k].result == FB_RES_NO_RESPONSE && c->http.status == 0)
            continue; /* no response at all: every attendee is "no-response" with it */
        if (!f || !same_text(f->message_text, ce->message_text) ||
            !same_text(f->response_code, ce->response_code) ||
            !same_text(f->fault_code, ce->fault_code))
            return 0;
    }
    return 1;
}

static void build_units(struct matcher *m, struct unit_list *ul)
{
    const struct fb_trace *t = m->t;
    size_t n = 0;
    for (size_t i = 0; i < t->n_calls; i++) {
        const struct fb_call *c = t->calls[i];
        if (t->facts && t->facts->calls[i].superseded)
            continue;
        for (size_t k = 0; k < c->n_attendees; k++)
            n += (size_t)fb_attendee_is_problem(&c->attendees[k]);
        for (size_t e = 0; e < c->n_errors; e++)
            n += (size_t)!error_copied_to_attendees(c, e);
    }
    ul->items = fb_arena_calloc(m->a, n ? n : 1, sizeof *ul->items);
    ul->best = fb_arena_calloc(m->a, n ? n : 1, sizeof *ul->best);
    ul->n = 0;
    for (size_t i = 0; i < t->n_calls; i++) {
        const struct fb_call *c = t->calls[i];
        const struct fb_call_facts *cf = t->facts ? &t->facts->calls[i] : NULL;
        if (cf && cf->superseded)
            continue;
        for (size_t k = 0; k < c->n_attendees; k++) {
            if (!fb_attendee_is_problem(&c->attendees[k]))
                continue;
            struct unit *u = &ul->items[ul->n++];
            *u = (struct unit){t,
                               m->logs,
                               i,
                               c,
                               cf,
                               &c->attendees[k],
                               cf ? &cf->attendees[k] : NULL,
                               c->attendees[k].finding};
        }
        for (size_t e = 0; e < c->n_errors; e++) {
            if (error_copied_to_attendees(c, e))
                continue;
            struct unit *u = &ul->items[ul->n++];
            *u = (struct unit){t, m->logs, i, c, cf, NULL, NULL, &c->errors[e]};
        }
    }
}

static void run_rules(struct matcher *m, const struct fb_sig_db *db, struct unit_list *ul,
                      struct groups *g, int generic_pass)
{
    for (size_t r = 0; r < fb_sig_db_count(db); r++) {
        const struct fb_sig *s = fb_sig_db_at(db, r);
        if (s->generic != generic_pass || strcmp(s->evidence_source, "none") == 0)
            continue;
        struct eval e;
        if (!s->unit_scoped) {
            if (generic_pass)
                continue;
            struct unit tu = {m->t, m->logs, 0, NULL, NULL, NULL, NULL, NULL};
            eval_rule(m, s, &tu, &e);
            if (e.matched) {
                size_t at = group_for(m, g, s, NULL);
                merge_into(&g->items[at], &g->acc[at], &e, &tu);
            }
            continue;
        }
        for (size_t k = 0; k < ul->n; k++) {
            if (generic_pass && ul->best[k] >= FB_DIAG_MIN_CONFIDENCE)
                continue;
            eval_rule(m, s, &ul->items[k], &e);
            if (!e.matched)
                continue;
            size_t at = group_for(m, g, s, unit_route(&ul->items[k]));
            merge_into(&g->items[at], &g->acc[at], &e, &ul->items[k]);
            if (e.confidence > ul->best[k])
                ul->best[k] = e.confidence;
        }
        fb_arena_cleanup(&m->scratch);
    }
}

static void attach_advice(const struct fb_sig_db *db, struct fb_diagnosis *d)
{
    for (size_t r = 0; r < fb_sig_db_count(db); r++) {
        const struct fb_sig *s = fb_sig_db_at(db, r);
        if (strcmp(s->evidence_source, "none") != 0)
            continue;
        for (size_t i = 0; i < s->n_advice_for; i++)
            if (strcmp(s->advice_for[i], fb_sig_id(d->sig)) == 0 &&
                d->n_advice < FB_ARRAY_LEN(d->advice))
                d->advice[d->n_advice++] = s;
    }
}

static void explained_flags(struct matcher *m, const struct unit_list *ul,
                            struct fb_match_result *r)
{
    const struct fb_trace *t = m->t;
    r->attendee_explained = fb_arena_calloc(m->a, t->n_calls ? t->n_calls : 1, sizeof(uint8_t *));
    r->error_explained = fb_arena_calloc(m->a, t->n_calls ? t->n_calls : 1, sizeof(uint8_t *));
    for (size_t i = 0; i < t->n_calls; i++) {
        const struct fb_call *c = t->calls[i];
        if (c->n_attendees)
            r->attendee_explained[i] = fb_arena_calloc(m->a, c->n_attendees, 1);
        if (c->n_errors)
            r->error_explained[i] = fb_arena_calloc(m->a, c->n_errors, 1);
    }
    r->n_failing_units = (uint32_t)ul->n;
    for (size_t k = 0; k < ul->n; k++) {
        const struct unit *u = &ul->items[k];
        int ok = ul->best[k] >= FB_DIAG_MIN_CONFIDENCE;
        if (!ok)
            r->n_unexplained++;
        if (u->att)
            r->attendee_explained[u->call_idx][u->att - u->call->attendees] = (uint8_t)ok;
        else
            r->error_explained[u->call_idx][u->err - u->call->errors] = (uint8_t)ok;
    }
    /* a copied call-level error is explained when every attendee that carries it is */
    for (size_t i = 0; i < t->n_calls; i++) {
        const struct fb_call *c = t->calls[i];
        if (!c->n_errors || !error_copied_to_attendees(c, 0))
            continue;
        uint8_t all = 1;
        for (size_t k = 0; k < c->n_attendees; k++)
            all &=
                (uint8_t)(r->attendee_explained[i][k] || !fb_attendee_is_problem(&c->attendees[k]));
        r->error_explained[i][0] = all;
    }
}

void fb_sig_match(const struct fb_sig_db *db, const struct fb_trace *t,
                  const struct fb_log_set *logs, struct fb_arena *a, struct fb_match_result *r)
{
    memset(r, 0, sizeof *r);
    struct matcher m = {t, logs, a, {0}, pcre2_match_context_create(NULL), NULL};
    fb_arena_init(&m.scratch);
    if (!m.mctx)
        abort();
    pcre2_set_match_limit(m.mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(m.mctx, DEPTH_LIMIT);
    m.md = pcre2_match_data_create(16, NULL);
    if (!m.md)
        abort();
    struct unit_list ul;
    build_units(&m, &ul);
    struct groups g = {NULL, NULL, 0, 0};
    run_rules(&m, db, &ul, &g, 0);
    run_rules(&m, db, &ul, &g, 1);
    for (size_t i = 0; i < g.n; i++)
        write_evidence(a, &g.items[i], &g.acc[i]);
    /* keep what passes the threshold, best first */
    size_t kept = 0;
    for (size_t i = 0; i < g.n; i++)
        if (g.items[i].confidence >= FB_DIAG_MIN_CONFIDENCE)
            g.items[kept++] = g.items[i];
    if (kept > 1)
        qsort(g.items, kept, sizeof *g.items, cmp_diag);
    for (size_t i = 0; i < kept; i++)
        attach_advice(db, &g.items[i]);
    r->diagnoses = g.items;
    r->n_diagnoses = kept;
    explained_flags(&m, &ul, r);
    pcre2_match_data_free(m.md);
    pcre2_match_context_free(m.mctx);
    fb_arena_cleanup(&m.scratch);
}
