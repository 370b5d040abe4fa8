/* sig_internal.h - the rule model shared by the loader (sig_load.c), the fact table
 * (sig_facts.c) and the matcher (sig_match.c). Private to src/sig/.
 *
 * Ownership: a rule owns everything it points to through its own arena; PCRE2 codes are
 * freed by sig_rule_free.
 */
#ifndef FB_SIG_INTERNAL_H
#define FB_SIG_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#include "fbdiag/arena.h"
#include "fbdiag/extract.h"
#include "fbdiag/facts.h"
#include "fbdiag/sig.h"

enum cond_op { OP_EQ, OP_NOT, OP_REGEX, OP_CONTAINS, OP_GTE, OP_LTE, OP_GT, OP_LT, OP_PRESENT };

enum fact_scope { SCOPE_TRACE, SCOPE_UNIT, SCOPE_LOG };

struct cond {
    const char *path; /* "attendee.response_code" */
    enum cond_op op;
    const char **values; /* OP_EQ / OP_NOT: any of these; OP_REGEX / OP_CONTAINS: [0] */
    size_t n_values;
    double number;  /* comparisons; OP_PRESENT: 1 or 0 */
    pcre2_code *re; /* OP_REGEX without templates: compiled at load */
    int templated;  /* the pattern holds {fact.path} placeholders */
    double weight;  /* supports / contradicts */
    int line;
    enum fact_scope scope;
};

struct cap {
    const char *path;
    double value;
};

struct fb_sig {
    struct fb_arena arena;
    const char *id, *title, *meaning, *family, *evidence_source, *origin, *text;
    unsigned applies_dir;  /* bit set of (1u << enum fb_direction); 0: any */
    unsigned applies_auth; /* bit set of (1u << enum fb_auth_path); 0: any */
    unsigned applies_kind; /* bit set of (1u << enum fb_call_kind); 0: any */
    struct cond *match, *supports, *contradicts;
    size_t n_match, n_supports, n_contradicts;
    double base;
    struct cap *caps;
    size_t n_caps;
    int generic;             /* a generic code signature: yields to specific ones */
    const char **advice_for; /* evidence_source none: ids it is advice for */
    size_t n_advice_for;
    const char **next_steps, **fix, **references;
    size_t n_next_steps, n_fix, n_references;
    int unit_scoped; /* some condition reads call./error./attendee. facts */
};

void sig_rule_free(struct fb_sig *s);

/* --- fact table (sig_facts.c) --- */

/* What a fact lookup sees: a call and either one attendee or one call-level error (or
 * neither, for trace-wide rules), plus the trace and the logs. */
struct unit {
    const struct fb_trace *t;
    const struct fb_log_set *logs;
    size_t call_idx;
    const struct fb_call *call; /* NULL for the trace-wide unit */
    const struct fb_call_facts *cf;
    const struct fb_attendee *att; /* NULL for a call-level error */
    const struct fb_attendee_facts *af;
    const struct fb_finding *err; /* the finding under evaluation, or NULL */
};

struct fact_val {
    const char *s; /* string form (numbers too) */
    double n;
    int is_num;
};

#define FACT_MAX_VALUES 64

/* Returns 1 when path names a known fact (value.<Name> patterns included) and sets its
 * scope; 0 otherwise. */
int sig_fact_known(const char *path, enum fact_scope *scope);
/* The i-th fact name a rule may use (error facts as "error.<name>"; "error.value.<Name>"
 * is a pattern, not listed), or NULL past the last: for the docs check in the tests. */
const char *sig_fact_name_at(size_t i, struct fb_arena *a);
/* Looks a fact up for a unit: returns the number of values (0..FACT_MAX_VALUES), or -1
 * when the trace does not establish the fact. Strings are borrowed or in scratch. */
int sig_fact_get(const struct unit *u, const char *path, struct fact_val *out,
                 struct fb_arena *scratch);

#endif /* FB_SIG_INTERNAL_H */
