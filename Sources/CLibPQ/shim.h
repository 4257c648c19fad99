#ifndef SWITCHYARD_CLIBPQ_SHIM_H
#define SWITCHYARD_CLIBPQ_SHIM_H
#include <postgresql/libpq-fe.h>
#include <sys/prctl.h>
#include <sys/eventfd.h>

/* Character-literal macros are not imported by Swift; expose them as constants. */
static const int SY_PG_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int SY_PG_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int SY_PG_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int SY_PG_DIAG_MESSAGE_HINT = PG_DIAG_MESSAGE_HINT;
static const int SY_PG_DIAG_SEVERITY = PG_DIAG_SEVERITY;
static const int SY_PG_DIAG_CONSTRAINT_NAME = PG_DIAG_CONSTRAINT_NAME;
static const int SY_PG_DIAG_SCHEMA_NAME = PG_DIAG_SCHEMA_NAME;
static const int SY_PG_DIAG_TABLE_NAME = PG_DIAG_TABLE_NAME;
static const int SY_PG_DIAG_COLUMN_NAME = PG_DIAG_COLUMN_NAME;

/* libpq prints notices ("relation already exists, skipping") to stderr by default; a server
   process has no use for them, so connections get a processor that drops them. */
static void sy_ignore_notice(void *arg, const char *message) {
    (void)arg;
    (void)message;
}

static inline void sy_silence_notices(PGconn *conn) {
    PQsetNoticeProcessor(conn, sy_ignore_notice, NULL);
}

/* Names the calling thread (shown by top -H, gdb); prctl is variadic, so Swift needs this wrapper. */
static inline void sy_set_thread_name(const char *name) {
    prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

/* A non-blocking, close-on-exec eventfd, to wake a thread blocked in poll(). */
static inline int sy_eventfd(void) {
    return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}
#endif
