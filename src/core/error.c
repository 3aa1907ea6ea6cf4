/*
 * error.c - errors as values (error.h).
 *
 * Owns nothing: a struct smtp_error is plain storage the caller provides.
 * smtp_error_set() formats one line (CR, LF and other control bytes in the
 * formatted text become spaces, so a message quoting peer text can never
 * span lines) and returns the kind it was given.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const errkind_names[] = {
	[SMTP_OK] = "ok",
	[SMTP_ERR_USAGE] = "usage",
	[SMTP_ERR_REFUSED] = "refused",
	[SMTP_ERR_RESOLVE] = "resolve",
	[SMTP_ERR_CONNECT] = "connect",
	[SMTP_ERR_TIMEOUT] = "timeout",
	[SMTP_ERR_CANCELLED] = "cancelled",
	[SMTP_ERR_CLOSED] = "closed",
	[SMTP_ERR_IO] = "io",
	[SMTP_ERR_TLS] = "tls",
	[SMTP_ERR_FILE] = "file",
	[SMTP_ERR_STATE] = "state",
	[SMTP_ERR_NOMEM] = "nomem",
	[SMTP_ERR_LIMIT] = "limit",
	[SMTP_ERR_AGAIN] = "again",
};
_Static_assert(sizeof errkind_names / sizeof errkind_names[0] == SMTP_ERR__COUNT,
    "a name for every error kind");

enum smtp_errkind smtp_error_set(struct smtp_error *e, enum smtp_errkind kind,
    int sys_errno, const char *fmt, ...)
{
	if (e == NULL)
		return kind;
	e->kind = kind;
	e->sys_errno = sys_errno;
	e->msg[0] = '\0';
	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
		if (n < 0)
			e->msg[0] = '\0';
	}
	for (char *p = e->msg; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f)
			*p = ' ';
	}
	return kind;
}

void smtp_error_clear(struct smtp_error *e)
{
	if (e == NULL)
		return;
	e->kind = SMTP_OK;
	e->sys_errno = 0;
	e->msg[0] = '\0';
}

const char *smtp_errkind_name(enum smtp_errkind kind)
{
	if ((int)kind < 0 || kind >= SMTP_ERR__COUNT || errkind_names[kind] == NULL)
		return "unknown";
	return errkind_names[kind];
}

const char *smtp_strerror(int e)
{
	/* glibc's description without the message catalogue (2.32). */
	const char *d = strerrordesc_np(e);
	return d != NULL ? d : "Unknown error";
}
