/*
 * dsn.h - the values of RFC 3461's DSN parameters, checked before anything
 * is sent: NOTIFY (4.1), RET (4.3) and ENVID (4.4).  ENVID and ORCPT travel
 * as xtext (4.1 / 4.4), which dsn_xtext() makes.  Pure; no allocation.
 */
#ifndef SMTPSH_DSN_H
#define SMTPSH_DSN_H

#include <stdbool.h>
#include <stddef.h>

/* RFC 3461 4.4: an ENVID is at most 100 characters before encoding. */
#define DSN_ENVID_MAX 100

/* NULL when s is "NEVER" or a list of SUCCESS, FAILURE and DELAY joined by
 * commas, each at most once (any case); else why not. */
const char *dsn_notify_check(const char *s);
/* NULL when s is FULL or HDRS (any case); else why not. */
const char *dsn_ret_check(const char *s);
/* The i-th NOTIFY keyword ("NEVER", "SUCCESS", ...) or RET value ("FULL",
 * "HDRS"), or NULL past the last: what the checks above accept. */
const char *dsn_notify_word(size_t i);
const char *dsn_ret_word(size_t i);
/* NULL when s is 1..DSN_ENVID_MAX printable ASCII characters; else why not. */
const char *dsn_envid_check(const char *s);
/* RFC 3461 4: s as xtext ("+", "=" and what is not printable ASCII as
 * "+XX"); false (out holds "") when it does not fit in cap. */
bool dsn_xtext(const char *s, char *out, size_t cap);

#endif
