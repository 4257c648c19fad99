#ifndef SWITCHYARD_CLIBPQ_SHIM_H
#define SWITCHYARD_CLIBPQ_SHIM_H
#include <postgresql/libpq-fe.h>

/* Character-literal macros are not imported by Swift; expose them as constants. */
static const int SY_PG_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int SY_PG_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int SY_PG_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int SY_PG_DIAG_MESSAGE_HINT = PG_DIAG_MESSAGE_HINT;
static const int SY_PG_DIAG_SEVERITY = PG_DIAG_SEVERITY;
static const int SY_PG_DIAG_CONSTRAINT_NAME = PG_DIAG_CONSTRAINT_NAME;
#endif
