/* analyze.h - runs one case (one or more traces, e.g. of different users) through the
 * pipeline: each input is read exchange by exchange; every exchange is counted for
 * capture quality and handed to extract/, which keeps the availability-related calls in
 * the trace; after the last input the trace facts are computed once.
 *
 * It does not render anything and does not decide root causes (sig/ does).
 * Ownership: everything kept lives in the caller's trace.
 */
#ifndef FB_ANALYZE_H
#define FB_ANALYZE_H

#include <stddef.h>

#include "fbdiag/input.h"
#include "fbdiag/util.h"

struct fb_trace;

/* Reads paths[0..n) into t and computes t->facts. Every input gets its entry in
 * t->inputs (with status and error message when it could not be read); an unreadable
 * input does not stop the others. Returns 0 when every input was read, else the error
 * of the first that was not (first_error, optional, gets its message). */
FB_NODISCARD int fb_analyze_inputs(const char *const *paths, size_t n, const struct fb_read_opts *o,
                                   struct fb_trace *t, struct fb_diag *first_error);

#endif /* FB_ANALYZE_H */
