/* batch.c - `fbdiag batch` (batch.h, design.md "Batch"): a pool of worker processes,
 * one record per input, in input order.
 *
 * Each worker is forked once (after the caller loaded the signature database, which
 * the workers share copy-on-write) and serves many inputs. Per worker the parent holds
 *
 *   sock   one end of a socketpair: the parent sends a task (u32 input index), the
 *          worker answers with a frame (u32 length + the record as JSON; length 0: the
 *          worker function gave no record)
 *   errfd  the read end of the worker's stderr; its last bytes tell an allocation
 *          failure ("out of memory", fb_xmalloc's last words) from another crash
 *
 * The parent poll()s every socket and stderr pipe, with the nearest deadline (and the
 * progress redraw, at most 10 a second) as the timeout. A socket at EOF while a task is
 * in flight is a crash (waitpid says how); a deadline that passes is a SIGKILL. Either
 * way the input gets its error record and the slot is refilled by a fresh worker. The
 * parent keeps completed records in an array indexed by input and writes the longest
 * completed prefix after every event, so nothing is lost and the order is the input's.
 *
 * Memory: RLIMIT_AS per worker (not under AddressSanitizer, whose shadow memory needs
 * terabytes of address space). Signals: the parent writes with MSG_NOSIGNAL and changes
 * no disposition; workers end with _exit so they never flush the parent's stdio buffers.
 * It does not retry a failed input, and it does not spread work across hosts (see
 * docs/batch.md for GNU parallel).
 */
#include "fbdiag/batch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "fbdiag/analyze.h"
#include "fbdiag/arena.h"
#include "fbdiag/sig.h"
#include "fbdiag/trace.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define FRAME_MAX ((uint32_t)16 * 1024 * 1024) /* a record is a few hundred bytes */
#define ERR_TAIL 2048                          /* stderr bytes kept per worker */
#define PROGRESS_INTERVAL 0.1                  /* seconds between redraws */
#define TOP_SIGS_SHOWN 10

void fb_batch_opts_default(struct fb_batch_opts *o)
{
    memset(o, 0, sizeof *o);
    o->timeout_s = FB_BATCH_DEFAULT_TIMEOUT;
    o->max_memory_mb = FB_BATCH_DEFAULT_MAX_MEMORY;
    o->format = FB_OUT_NDJSON;
    o->report.format = FB_OUT_NDJSON;
    o->report.redact = 1;
    fb_read_opts_default(&o->read);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the real worker ------------------------------------------------------------- */

static const char *error_code_of(int err)
{
    switch (err) {
    case FB_ERR_UNSUPPORTED: return "unsupported";
    case FB_ERR_PASSWORD:
    case FB_ERR_BAD_PASSWORD: return "password";
    default: return "unreadable";
    }
}

int fb_batch_analyze(const char *path, const struct fb_batch_opts *o, struct json_t **record_out)
{
    double t0 = now_s();
    struct fb_trace t;
    fb_trace_init(&t);
    struct fb_diag d;
    fb_diag_clear(&d);
    int rc = fb_analyze_inputs(&path, 1, &o->read, &t, &d);
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_match_result m;
    memset(&m, 0, sizeof m);
    struct fb_batch_view v = {path, &t, NULL, NULL, NULL, NULL, 0, FB_VERSION, o->signatures_hash};
    if (rc < 0) {
        v.verdict = "error";
        v.error_code = error_code_of(rc);
        v.error_message = d.msg[0] ? d.msg : fb_strerror(rc);
    } else if (o->sigs) {
        fb_sig_match(o->sigs, &t, NULL, &a, &m);
        v.m = &m;
    }
    double ms = (now_s() - t0) * 1000.0;
    v.total_ms = ms > 0 ? (uint64_t)(ms + 0.5) : 0;
    *record_out = fb_report_batch_record(&v, &o->report);
    fb_arena_cleanup(&a);
    fb_trace_cleanup(&t);
    return 0;
}

/* ---- byte helpers ---------------------------------------------------------------- */

static int write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    uint8_t *b = p;
    while (n > 0) {
        ssize_t r = read(fd, b, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

/* ---- the pool -------------------------------------------------------------------- */

struct slot {
    pid_t pid; /* 0: no worker */
    int sock;  /* parent end of the socketpair, -1 when none */
    int errfd; /* worker's stderr, -1 when closed */
    long task; /* input in flight, -1 when idle */
    double deadline;
    uint8_t *buf; /* incoming frame */
    size_t len, cap;
    char tail[ERR_TAIL]; /* last stderr bytes of the current task */
    size_t tail_len;
};

struct sig_count {
    char *id;
    size_t n;
};

struct run {
    const char *const *paths;
    size_t n;
    FILE *out, *err;
    const struct fb_batch_opts *o;
    struct slot *slots;
    size_t n_slots;
    json_t **records; /* completed, not yet written */
    size_t next;      /* next input to hand out */
    size_t done;      /* records completed */
    size_t emitted;   /* records written */
    int out_failed;
    /* progress and summary */
    uint64_t *sizes; /* per input (stat), or NULL */
    uint64_t bytes_total, bytes_done;
    double t_start, t_drawn;
    int drawn;
    size_t verdicts[5];
    size_t codes[6];
    struct sig_count *sigs;
    size_t n_sigs, cap_sigs;
};

static const char *const verdict_names[5] = {"diagnosed", "unexplained", "healthy",
                                             "no-availability-traffic", "error"};
static const char *const code_names[6] = {"unreadable", "password", "unsupported",
                                          "crash",      "timeout",  "memory"};

static void worker_main(struct run *r, size_t self, int sock)
{
    for (size_t k = 0; k < r->n_slots; k++) {
        if (k == self)
            continue;
        if (r->slots[k].sock >= 0)
            close(r->slots[k].sock);
        if (r->slots[k].errfd >= 0)
            close(r->slots[k].errfd);
    }
    if (r->o->max_memory_mb && !UNDER_ASAN) {
        struct rlimit rl;
        rl.rlim_cur = rl.rlim_max = (rlim_t)r->o->max_memory_mb * 1024 * 1024;
        (void)setrlimit(RLIMIT_AS, &rl);
    }
    fb_batch_worker_fn fn = r->o->analyze_one ? r->o->analyze_one : fb_batch_analyze;
    for (;;) {
        uint32_t idx;
        if (read_all(sock, &idx, sizeof idx) != 0 || idx >= r->n)
            _exit(0);
        json_t *rec = NULL;
        int rc = fn(r->paths[idx], r->o, &rec);
        char *s = rc == 0 && rec ? json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(rec);
        uint32_t len = s ? (uint32_t)strlen(s) : 0;
        int bad = write_all(sock, &len, sizeof len) != 0 || (len && write_all(sock, s, len) != 0);
        free(s);
        if (bad)
            _exit(0);
    }
}

static void close_slot(struct slot *s)
{
    if (s->sock >= 0)
        close(s->sock);
    if (s->errfd >= 0)
        close(s->errfd);
    s->sock = s->errfd = -1;
    s->pid = 0;
    s->task = -1;
    s->len = 0;
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* Starts a worker in slot k. Returns 0, or -1 (errno) when it cannot. */
static int spawn(struct run *r, size_t k)
{
    struct slot *s = &r->slots[k];
    int sv[2], ep[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return -1;
    if (pipe(ep) != 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    fflush(r->out);
    if (r->err)
        fflush(r->err);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        close(ep[0]);
        close(ep[1]);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        close(sv[0]);
        close(ep[0]);
        if (dup2(ep[1], STDERR_FILENO) >= 0)
            close(ep[1]);
        worker_main(r, k, sv[1]);
        _exit(0);
    }
    close(sv[1]);
    close(ep[1]);
    set_nonblock(sv[0]);
    set_nonblock(ep[0]);
    s->pid = pid;
    s->sock = sv[0];
    s->errfd = ep[0];
    s->task = -1;
    s->len = 0;
    return 0;
}

/* Keeps a completed record; takes ownership of rec. */
static void complete(struct run *r, size_t idx, json_t *rec)
{
    if (r->records[idx]) { /* cannot happen: one task per input */
        json_decref(rec);
        return;
    }
    r->records[idx] = rec;
    r->done++;
    if (r->sizes)
        r->bytes_done += r->sizes[idx];
}

static void complete_error(struct run *r, size_t idx, const char *code, const char *msg)
{
    struct fb_batch_view v = {r->paths[idx],        NULL, NULL, "error", code, msg, 0, FB_VERSION,
                              r->o->signatures_hash};
    complete(r, idx, fb_report_batch_record(&v, &r->o->report));
}

/* Reads what the worker wrote on stderr into its tail (the last ERR_TAIL bytes). */
static void drain_err(struct slot *s)
{
    if (s->errfd < 0)
        return;
    for (;;) {
        char buf[4096];
        ssize_t got = read(s->errfd, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got == 0) {
            close(s->errfd);
            s->errfd = -1;
            return;
        }
        if (got < 0)
            return;
        size_t g = (size_t)got;
        if (g >= ERR_TAIL) {
            memcpy(s->tail, buf + g - ERR_TAIL, ERR_TAIL);
            s->tail_len = ERR_TAIL;
        } else {
            if (s->tail_len + g > ERR_TAIL) {
                size_t drop = s->tail_len + g - ERR_TAIL;
                memmove(s->tail, s->tail + drop, s->tail_len - drop);
                s->tail_len -= drop;
            }
            memcpy(s->tail + s->tail_len, buf, g);
            s->tail_len += g;
        }
    }
}

static int tail_says_oom(const struct slot *s)
{
    static const char needle[] = "out of memory";
    for (size_t i = 0; i + sizeof needle - 1 <= s->tail_len; i++)
        if (memcmp(s->tail + i, needle, sizeof needle - 1) == 0)
            return 1;
    return 0;
}

/* The worker in s ended (EOF on its socket, or killed by us): reap it, give its task
 * an error record, free the slot. */
static void worker_ended(struct run *r, struct slot *s, int killed_for_time)
{
    int status = 0;
    pid_t pid = s->pid;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    drain_err(s);
    if (s->task >= 0) {
        char msg[256];
        const char *code = "crash";
        if (killed_for_time) {
            code = "timeout";
            snprintf(msg, sizeof msg, "no record within %u s (--timeout); the worker was killed",
                     r->o->timeout_s ? r->o->timeout_s : FB_BATCH_DEFAULT_TIMEOUT);
        } else if (tail_says_oom(s)) {
            code = "memory";
            snprintf(msg, sizeof msg, "the worker ran out of memory (--max-memory %u MB)",
                     r->o->max_memory_mb);
        } else if (WIFSIGNALED(status)) {
            int sig = WTERMSIG(status);
            snprintf(msg, sizeof msg, "the worker crashed: signal %d (%s)", sig, strsignal(sig));
        } else if (WIFEXITED(status)) {
            snprintf(msg, sizeof msg, "the worker exited with status %d without a record",
                     WEXITSTATUS(status));
        } else {
            snprintf(msg, sizeof msg, "the worker ended without a record");
        }
        complete_error(r, (size_t)s->task, code, msg);
    }
    s->tail_len = 0;
    close_slot(s);
}

/* Reads from the worker's socket; completes its task when a whole frame is in. */
static void read_sock(struct run *r, struct slot *s)
{
    for (;;) {
        if (s->cap - s->len < 4096) {
            s->cap = s->cap ? s->cap * 2 : 8192;
            s->buf = fb_xrealloc(s->buf, s->cap);
        }
        ssize_t got = read(s->sock, s->buf + s->len, s->cap - s->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break; /* EAGAIN: wait for more */
        if (got == 0) {
            worker_ended(r, s, 0);
            return;
        }
        s->len += (size_t)got;
        while (s->len >= 4) {
            uint32_t flen;
            memcpy(&flen, s->buf, 4);
            if (flen > FRAME_MAX) {
                kill(s->pid, SIGKILL);
                worker_ended(r, s, 0);
                return;
            }
            if (s->len < 4 + (size_t)flen)
                break;
            if (s->task >= 0) {
                json_error_t je;
                json_t *rec = flen ? json_loadb((const char *)s->buf + 4, flen, 0, &je) : NULL;
                if (rec)
                    complete(r, (size_t)s->task, rec);
                else
                    complete_error(r, (size_t)s->task, "crash",
                                   flen ? "the worker sent a record that is not JSON"
                                        : "the worker gave no record");
                s->task = -1;
                s->tail_len = 0;
            }
            memmove(s->buf, s->buf + 4 + flen, s->len - 4 - flen);
            s->len -= 4 + (size_t)flen;
        }
    }
}

/* ---- output, progress, summary --------------------------------------------------- */

static void count_record(struct run *r, const json_t *rec)
{
    const char *v = json_string_value(json_object_get(rec, "verdict"));
    for (size_t i = 0; v && i < FB_ARRAY_LEN(verdict_names); i++)
        if (strcmp(v, verdict_names[i]) == 0)
            r->verdicts[i]++;
    const char *c = json_string_value(json_object_get(json_object_get(rec, "error"), "code"));
    for (size_t i = 0; c && i < FB_ARRAY_LEN(code_names); i++)
        if (strcmp(c, code_names[i]) == 0)
            r->codes[i]++;
    const char *id = json_string_value(
        json_object_get(json_array_get(json_object_get(rec, "diagnoses"), 0), "id"));
    if (!id)
        return;
    for (size_t i = 0; i < r->n_sigs; i++)
        if (strcmp(r->sigs[i].id, id) == 0) {
            r->sigs[i].n++;
            return;
        }
    if (r->n_sigs == r->cap_sigs) {
        r->cap_sigs = r->cap_sigs ? r->cap_sigs * 2 : 16;
        r->sigs = fb_xrealloc(r->sigs, r->cap_sigs * sizeof *r->sigs);
    }
    r->sigs[r->n_sigs].id = fb_xstrdup(id);
    r->sigs[r->n_sigs++].n = 1;
}

/* Writes every record of the completed prefix. */
static void emit_ready(struct run *r)
{
    while (r->emitted < r->n && r->records[r->emitted]) {
        json_t *rec = r->records[r->emitted];
        if (!r->out_failed && fb_report_batch_write(r->out, rec, r->o->format) != 0)
            r->out_failed = 1;
        count_record(r, rec);
        json_decref(rec);
        r->records[r->emitted++] = NULL;
    }
    if (!r->out_failed && r->o->mapper && fflush(r->out) != 0)
        r->out_failed = 1; /* a mapper's consumer reads as records come */
}

static void draw_progress(struct run *r, int final)
{
    double now = now_s();
    if (!final && r->drawn && now - r->t_drawn < PROGRESS_INTERVAL)
        return;
    r->t_drawn = now;
    r->drawn = 1;
    double el = now - r->t_start;
    double mbs = el > 0 ? (double)r->bytes_done / 1048576.0 / el : 0;
    char eta[32] = "--:--";
    if (r->done > 0 && r->done < r->n) {
        double left;
        if (r->bytes_total > 0 && r->bytes_done > 0)
            left = el * (double)(r->bytes_total - r->bytes_done) / (double)r->bytes_done;
        else
            left = el * (double)(r->n - r->done) / (double)r->done;
        unsigned long s = (unsigned long)(left + 0.5);
        snprintf(eta, sizeof eta, "%lu:%02lu", s / 60, s % 60);
    } else if (r->done == r->n) {
        snprintf(eta, sizeof eta, "0:00");
    }
    fprintf(r->err, "\r\033[Kfbdiag: batch: %zu of %zu inputs (%.0f%%), %.1f MB/s, ETA %s", r->done,
            r->n, r->n ? 100.0 * (double)r->done / (double)r->n : 100.0, mbs, eta);
    if (final)
        fputs("\r\033[K", r->err);
    fflush(r->err);
}

static int cmp_sig(const void *a, const void *b)
{
    const struct sig_count *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->id, y->id);
}

static void summary(struct run *r)
{
    double el = now_s() - r->t_start;
    size_t failed = r->verdicts[4];
    fprintf(r->err, "fbdiag: batch: %zu %s, %zu failed, in %.2f s (%.1f inputs/s, %.2f MB/s)\n",
            r->n, r->n == 1 ? "input" : "inputs", failed, el, el > 0 ? (double)r->n / el : 0.0,
            el > 0 ? (double)r->bytes_done / 1048576.0 / el : 0.0);
    fprintf(r->err, "fbdiag: batch: verdicts:");
    for (size_t i = 0; i < FB_ARRAY_LEN(verdict_names); i++)
        fprintf(r->err, "%s %s %zu", i ? "," : "", verdict_names[i], r->verdicts[i]);
    fputc('\n', r->err);
    if (failed) {
        fprintf(r->err, "fbdiag: batch: failures:");
        const char *sep = "";
        for (size_t i = 0; i < FB_ARRAY_LEN(code_names); i++)
            if (r->codes[i]) {
                fprintf(r->err, "%s %s %zu", sep, code_names[i], r->codes[i]);
                sep = ",";
            }
        fputc('\n', r->err);
    }
    if (r->n_sigs > 1)
        qsort(r->sigs, r->n_sigs, sizeof *r->sigs, cmp_sig);
    fprintf(r->err, "fbdiag: batch: top signatures:");
    if (r->n_sigs == 0)
        fprintf(r->err, " none");
    for (size_t i = 0; i < r->n_sigs && i < TOP_SIGS_SHOWN; i++)
        fprintf(r->err, "%s %s %zu", i ? "," : "", r->sigs[i].id, r->sigs[i].n);
    if (r->n_sigs > TOP_SIGS_SHOWN)
        fprintf(r->err, ", and %zu more", r->n_sigs - TOP_SIGS_SHOWN);
    fputc('\n', r->err);
}

/* ---- the loop -------------------------------------------------------------------- */

static size_t busy_or_live(const struct run *r, int busy)
{
    size_t c = 0;
    for (size_t k = 0; k < r->n_slots; k++)
        c += busy ? r->slots[k].task >= 0 : r->slots[k].pid > 0;
    return c;
}

/* Hands out tasks: to idle workers first, then to fresh workers in empty slots. */
static void dispatch(struct run *r, double timeout)
{
    for (size_t k = 0; k < r->n_slots && r->next < r->n; k++) {
        struct slot *s = &r->slots[k];
        if (s->pid == 0) {
            if (spawn(r, k) != 0) {
                if (busy_or_live(r, 0) > 0)
                    continue; /* others go on; retry this slot later */
                char msg[256];
                snprintf(msg, sizeof msg, "cannot start a worker process: %s", strerror(errno));
                complete_error(r, r->next++, "crash", msg);
                continue;
            }
        }
        if (s->task >= 0)
            continue;
        uint32_t idx = (uint32_t)r->next;
        if (write_all(s->sock, &idx, sizeof idx) != 0) {
            kill(s->pid, SIGKILL);
            worker_ended(r, s, 0); /* idle: no record lost; the slot is refilled */
            continue;
        }
        s->task = (long)r->next++;
        s->deadline = now_s() + timeout;
        s->tail_len = 0;
    }
}

static void stop_all(struct run *r, int force)
{
    for (size_t k = 0; k < r->n_slots; k++) {
        struct slot *s = &r->slots[k];
        if (s->pid > 0) {
            if (force)
                kill(s->pid, SIGKILL);
            close(s->sock); /* an idle worker reads EOF and exits */
            s->sock = -1;
            while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
        s->task = -1;
        close_slot(s);
        free(s->buf);
        s->buf = NULL;
    }
}

static unsigned default_jobs(void)
{
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (unsigned)c : 1;
}

/* Waits for the workers' output (until the nearest deadline, or the next progress
 * tick), reads what they sent, and kills those past their deadline (their inputs get an
 * error record). pfd has room for two entries per slot. 0, or -1 when polling failed. */
static int wait_for_workers(struct run *r, struct pollfd *pfd, int progress)
{
    double now = now_s(), wait = progress ? PROGRESS_INTERVAL : 3600;
    size_t np = 0;
    for (size_t k = 0; k < r->n_slots; k++) {
        struct slot *s = &r->slots[k];
        if (s->pid == 0)
            continue;
        if (s->task >= 0 && s->deadline - now < wait)
            wait = s->deadline - now;
        pfd[np].fd = s->sock;
        pfd[np++].events = POLLIN;
        if (s->errfd >= 0) {
            pfd[np].fd = s->errfd;
            pfd[np++].events = POLLIN;
        }
    }
    if (np == 0 && r->next >= r->n)
        return -1; /* cannot happen: every task in flight has a worker */
    int ms = wait <= 0 ? 0 : (int)(wait * 1000) + 1;
    if (poll(pfd, np, np ? ms : 10) < 0 && errno != EINTR)
        return -1;
    for (size_t k = 0; k < r->n_slots; k++) {
        struct slot *s = &r->slots[k];
        if (s->pid == 0)
            continue;
        drain_err(s);
        read_sock(r, s);
    }
    now = now_s();
    for (size_t k = 0; k < r->n_slots; k++) {
        struct slot *s = &r->slots[k];
        if (s->pid > 0 && s->task >= 0 && now >= s->deadline) {
            kill(s->pid, SIGKILL);
            worker_ended(r, s, 1);
        }
    }
    return 0;
}

int fb_batch_run(const char *const *paths, size_t n, FILE *out, FILE *err,
                 const struct fb_batch_opts *o)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.paths = paths;
    r.n = n;
    r.out = out;
    r.err = o->mapper ? NULL : err;
    r.o = o;
    r.t_start = now_s();
    unsigned jobs = o->jobs ? o->jobs : default_jobs();
    r.n_slots = jobs < n ? jobs : n;
    double timeout = o->timeout_s ? o->timeout_s : FB_BATCH_DEFAULT_TIMEOUT;
    int progress = r.err && o->progress && !o->quiet;
    int want_summary = r.err && !o->quiet;

    if (o->format == FB_OUT_CSV && fb_report_batch_csv_header(out) != 0)
        return FB_ERR_IO;
    if (n == 0) {
        if (want_summary)
            summary(&r);
        return fflush(out) != 0 ? FB_ERR_IO : 0;
    }
    r.records = fb_xcalloc(n, sizeof *r.records);
    r.slots = fb_xcalloc(r.n_slots, sizeof *r.slots);
    for (size_t k = 0; k < r.n_slots; k++) {
        r.slots[k].sock = r.slots[k].errfd = -1;
        r.slots[k].task = -1;
    }
    if (r.err) {
        r.sizes = fb_xcalloc(n, sizeof *r.sizes);
        for (size_t i = 0; i < n; i++) {
            struct stat st;
            if (stat(paths[i], &st) == 0 && S_ISREG(st.st_mode))
                r.sizes[i] = (uint64_t)st.st_size;
            r.bytes_total += r.sizes[i];
        }
    }

    struct pollfd *pfd = fb_xcalloc(2 * r.n_slots, sizeof *pfd);
    while (r.emitted < n && !r.out_failed) {
        dispatch(&r, timeout);
        emit_ready(&r);
        if (r.emitted == n || r.out_failed)
            break;
        if (wait_for_workers(&r, pfd, progress) != 0)
            break;
        if (progress)
            draw_progress(&r, 0);
    }
    free(pfd);
    stop_all(&r, r.out_failed);
    emit_ready(&r);
    /* A record still missing here means the loop broke on a poll failure: never lose
     * one; say so in its place. */
    for (size_t i = r.emitted; i < n && !r.out_failed; i++)
        if (!r.records[i])
            complete_error(&r, i, "crash", "the batch stopped before this input was read");
    emit_ready(&r);
    if (progress)
        draw_progress(&r, 1);
    if (want_summary && !r.out_failed)
        summary(&r);
    for (size_t i = 0; i < n; i++)
        json_decref(r.records[i]);
    for (size_t i = 0; i < r.n_sigs; i++)
        free(r.sigs[i].id);
    free(r.sigs);
    free(r.records);
    free(r.slots);
    free(r.sizes);
    if (r.out_failed || fflush(out) != 0 || ferror(out))
        return FB_ERR_IO;
    return (int)r.verdicts[4];
}
