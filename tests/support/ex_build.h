/* ex_build.h - hand-built exchanges for extractor tests: every string is copied into the
 * arena given, so a test can build an exchange from literals in a few lines. */
#ifndef FBT_EX_BUILD_H
#define FBT_EX_BUILD_H

#include "fbdiag/exchange.h"

struct fb_arena;

/* A new exchange in a (fb_exchange_init'ed): request method + url (absolute or a
 * target), source "saz:<index>", response 200 OK. */
struct fb_exchange *fbt_ex_new(struct fb_arena *a, uint32_t index, const char *method,
                               const char *url);
/* Appends a header to m (copied). */
void fbt_ex_header(struct fb_arena *a, struct fb_msg *m, const char *name, const char *value);
/* Sets m's body (copied; NULL-safe: NULL gives an empty body). */
void fbt_ex_body(struct fb_arena *a, struct fb_msg *m, const char *body);
/* Sets the response status line. */
void fbt_ex_status(struct fb_arena *a, struct fb_exchange *ex, int status, const char *reason);

#endif
