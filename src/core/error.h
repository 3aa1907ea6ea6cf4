/*
 * error.h - errors as values.
 *
 * Every core function that can fail returns an enum smtp_errkind (SMTP_OK == 0)
 * and, when given a non-NULL struct smtp_error, fills it with one line a user
 * can read.  Errors are reported once, at the edge (the shell), never printed
 * here.  No function below main() exits.
 */
#ifndef SMTPSH_ERROR_H
#define SMTPSH_ERROR_H

#include <stddef.h>

enum smtp_errkind {
	SMTP_OK = 0,
	SMTP_ERR_USAGE,      /* the caller's (user's) request is malformed */
	SMTP_ERR_REFUSED,    /* refused locally: CR/LF/NUL in a command, too long */
	SMTP_ERR_RESOLVE,    /* getaddrinfo failed */
	SMTP_ERR_CONNECT,    /* every address refused or timed out */
	SMTP_ERR_TIMEOUT,    /* no reply (or no write progress) before the deadline */
	SMTP_ERR_CANCELLED,  /* the cancel fd became readable (Ctrl-C) */
	SMTP_ERR_CLOSED,     /* the peer closed the connection */
	SMTP_ERR_IO,         /* read/write/poll failed (errno kept) */
	SMTP_ERR_TLS,        /* TLS handshake or verification failed */
	SMTP_ERR_FILE,       /* a local file could not be opened or read */
	SMTP_ERR_STATE,      /* not connected, or the operation makes no sense now */
	SMTP_ERR_NOMEM,
	SMTP_ERR_LIMIT,      /* a reply went past its byte or line budget */
	SMTP_ERR_AGAIN,      /* nothing complete yet; nothing was lost (try later) */
	SMTP_ERR__COUNT
};

#define SMTP_ERROR_MSG_MAX 256

struct smtp_error {
	enum smtp_errkind kind;
	int sys_errno;                  /* errno at the failure, 0 if none */
	char msg[SMTP_ERROR_MSG_MAX];   /* one line, no trailing newline */
};

/* Fill *e (if non-NULL) and return kind, so callers can write
 * `return smtp_error_set(err, SMTP_ERR_IO, errno, "read: %s", ...);` */
enum smtp_errkind smtp_error_set(struct smtp_error *e, enum smtp_errkind kind,
    int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void smtp_error_clear(struct smtp_error *e);

/* Short stable name of a kind: "timeout", "closed", ... */
const char *smtp_errkind_name(enum smtp_errkind kind);

/* errno's description in English whatever the locale ("Connection
 * refused"): the core's messages are English (--json, transcripts); the
 * shell shows a person strerror()'s own words in their language. */
const char *smtp_strerror(int e);

#endif
