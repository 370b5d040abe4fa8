/* trace_build.h - hand-built calls in a trace for facts, signature and report tests:
 * everything is allocated in the trace's arena. */
#ifndef FBT_TRACE_BUILD_H
#define FBT_TRACE_BUILD_H

#include <stddef.h>

#include "fbdiag/extract.h"

struct fb_trace;

/* Appends a call of kind to t with n_att zeroed attendees: source "saz:<n>" (counting
 * from 1), exchange index n - 1, elapsed unknown. */
struct fb_call *fbt_call_add(struct fb_trace *t, enum fb_call_kind kind, const char *url,
                             const char *host, int status, size_t n_att);
/* Gives attendee a an Error-class finding with response code (result error). */
struct fb_finding *fbt_attendee_error(struct fb_trace *t, struct fb_attendee *a, const char *code);

#endif
