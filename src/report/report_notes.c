/* report_notes.c - a trace's warnings and capture advice for a person, one per line
 * (report.h), written to stderr next to a streamed listing:
 *
 *   fbdiag: warning: <input>: <source>: <msg>        (input/source left out when NULL)
 *   fbdiag: advice: <id>: <text> (<count> exchanges, first <source>)
 *   fbdiag: <N> more warnings not shown               (only when some were dropped)
 *
 * Advice comes in enum order; "1 exchange" is singular; ", first <source>" is left out
 * when no exchange was named. Control bytes in trace-derived text are shown as \xNN.
 */
#include "fbdiag/report.h"

#include "fbdiag/trace.h"

/* Writes s, escaping control bytes so a warning quoting trace bytes stays on its line. */
static void safe(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
}

void fb_report_trace_notes(FILE *err, const struct fb_trace *t)
{
    for (size_t i = 0; i < t->n_warnings; i++) {
        const struct fb_warning *w = &t->warnings[i];
        fputs("fbdiag: warning: ", err);
        if (w->input) {
            safe(err, w->input);
            fputs(": ", err);
        }
        if (w->source) {
            safe(err, w->source);
            fputs(": ", err);
        }
        safe(err, w->msg ? w->msg : "");
        fputc('\n', err);
    }
    for (int k = 0; k < FB_ADV_COUNT; k++) {
        const struct fb_advice *a = &t->advice[k];
        if (a->count == 0)
            continue;
        fprintf(err, "fbdiag: advice: %s: %s (%llu exchange%s", fb_advice_id(k), fb_advice_text(k),
                (unsigned long long)a->count, a->count == 1 ? "" : "s");
        if (a->first_source) {
            fputs(", first ", err);
            safe(err, a->first_source);
        }
        fputs(")\n", err);
    }
    if (t->n_warnings_dropped)
        fprintf(err, "fbdiag: %llu more warnings not shown\n",
                (unsigned long long)t->n_warnings_dropped);
}
