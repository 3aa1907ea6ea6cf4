/*
 * secret.h - where an AUTH secret comes from (CR-03), in this order:
 * --password-file FILE (first line), the SMTPSH_PASSWORD environment
 * variable (for a bearer token: --token-file and SMTPSH_TOKEN), or a prompt on the controlling terminal with echo turned off
 * through termios (never through readline, so it never reaches history).
 *
 * The caller owns buf and wipes it (secret_wipe) as soon as the AUTH
 * exchange is over.  Errors: SMTP_ERR_FILE (file unreadable, empty),
 * SMTP_ERR_USAGE (no source: not a terminal and nothing configured),
 * SMTP_ERR_CANCELLED (Ctrl-C or EOF at the prompt), SMTP_ERR_REFUSED (the
 * secret is longer than cap - 1 or holds a NUL).
 */
#ifndef SMTPSH_SECRET_H
#define SMTPSH_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "auth.h"
#include "error.h"

#define SECRET_ENV "SMTPSH_PASSWORD"
/* The OAuth bearer token (XOAUTH2, OAUTHBEARER): --token-file, then this. */
#define SECRET_TOKEN_ENV "SMTPSH_TOKEN"

/* SMTPSH_PASSWORD and SMTPSH_TOKEN, read once at startup
 * (secret_env_take, before anything else runs) into a private mapping kept
 * out of core dumps and forked children, and removed from the environment
 * -- the value bytes overwritten in place, then unset -- so no child
 * process carries them and /proc/PID/environ does not show them.  Every
 * later AUTH (a second one, a lookup's reconnects) is served from here.
 * secret_env_release() wipes the copy (at exit). */
struct secret_env_value {
	const char *value;           /* NULL: not set */
	bool too_long;               /* set, but longer than a token may be */
};
struct secret_env {
	struct secret_env_value password;   /* SMTPSH_PASSWORD */
	struct secret_env_value token;      /* SMTPSH_TOKEN */
	void *map;
	size_t map_len;
};
void secret_env_take(struct secret_env *e);
void secret_env_release(struct secret_env *e);

struct secret_source {
	const char *password_file;   /* --password-file (--token-file), or NULL */
	bool allow_env;              /* use env_value (SMTPSH_PASSWORD, ...) */
	const struct secret_env_value *env_value; /* from secret_env; may be NULL */
	bool allow_prompt;           /* ask on /dev/tty if nothing else */
	const char *env;             /* its name, for messages; NULL: SECRET_ENV */
	const char *file_option;     /* for messages; NULL: "--password-file" */
};

/* *from says which source gave it ("file", "environment", "terminal"). */
enum smtp_errkind secret_get(const struct secret_source *src, const char *prompt,
    char *buf, size_t cap, const char **from, struct smtp_error *err);
/* Read a line from /dev/tty with echo off. */
enum smtp_errkind secret_read_tty(const char *prompt, char *buf, size_t cap,
    struct smtp_error *err);
/* The first line of path (CR/LF stripped); warns through *insecure_mode when
 * the file is readable by group or others. */
enum smtp_errkind secret_read_file(const char *path, char *buf, size_t cap,
    bool *insecure_mode, struct smtp_error *err);
void secret_wipe(char *buf, size_t cap);

/* While a secret is in memory, no core dump may hold it: the core size
 * limit is set to 0 and the process made non-dumpable (prctl
 * PR_SET_DUMPABLE); secret_guard_end() puts both back. */
struct secret_guard {
	bool armed;
	bool had_limit;
	unsigned long long core_cur, core_max;
	int dumpable;
};
void secret_guard_begin(struct secret_guard *g);
void secret_guard_end(struct secret_guard *g);

/* A secret kept on purpose for a while: a lookup's reconnects do AUTH
 * again, and the secret typed at the first of them serves the rest of the
 * run instead of a prompt per connection.  Only a secret typed at the
 * terminal is held (a file or the environment is read again).  From
 * secret_held_begin() to secret_held_end() no core dump can be made;
 * secret_held_end() wipes it. */
struct secret_held {
	char buf[AUTH_TOKEN_MAX + 2];
	bool set;
	struct secret_guard guard;
};
void secret_held_begin(struct secret_held *h);
void secret_held_end(struct secret_held *h);

#endif
