/*
 * shell.h - the shell's state, shared by its files: main.c (options and
 * modes), shellcmd.c (the shell-command table and the dispatch of every
 * typed line), render.c (replies to text), termcolor.c (colour), repl.c (the
 * interactive loop, the only readline user), script.c (non-tty input),
 * exchange.c (one command to the server and what its reply means for the
 * shell) and tlscmd.c (STARTTLS, TLS, AUTH).
 *
 * One struct shell is created in main() and passed explicitly; the only
 * process-wide state is the signal self-pipe in repl.c/main.c, which a
 * signal handler must reach.
 */
#ifndef SMTPSH_SHELL_H
#define SMTPSH_SHELL_H

#include <stdbool.h>
#include <stdio.h>

#include "session.h"
#include "starttls.h"
#include "strbuf.h"
#include "tls.h"
#include "transcript.h"

struct demo_server;

/* Exit statuses (documented in --help and smtpsh(1)). */
enum shell_status {
	SHELL_EXIT_OK = 0,        /* every reply positive (1xx-3xx) */
	SHELL_EXIT_USAGE = 2,     /* bad options or arguments */
	SHELL_EXIT_LOCAL = 3,     /* local or connection error, 600/621, timeout */
	SHELL_EXIT_4XX = 4,       /* a transient negative reply was seen */
	SHELL_EXIT_5XX = 5,       /* a permanent negative reply was seen */
};

struct shell {
	struct session sess;
	struct session_options sopt;
	bool json;                /* --json records on stdout */
	bool color;               /* colour on stdout */
	bool interactive;         /* readline REPL */
	bool stop_on_error;
	bool stop;                /* leave after the current line */
	bool quiet_echo;          /* don't echo the wire line (interactive typing) */
	int worst;                /* enum shell_status, the worst seen */
	/* `data` typed alone: the body is being collected. */
	bool in_body;
	FILE *body;               /* tmpfile() holding the typed body */
	/* --demo: the in-process teaching server. */
	struct demo_server *demo;
	/* TLS and AUTH (tlscmd.c). */
	bool implicit_tls;        /* --tls: TLS right after connect (SMTPS) */
	bool insecure;            /* --insecure / `set insecure on` */
	const char *cafile;       /* --cafile */
	const char *password_file;/* --password-file */
	bool allow_plain_auth;    /* --allow-plaintext-auth */
	struct implicit_tls itls;
	struct tls_info tls;      /* the last handshake's findings */
	bool tls_known;
	struct transcript transcript; /* --transcript FILE */
	/* Colour strings for render (empty when no colour). */
	const char *col_ok, *col_mid, *col_warn, *col_bad, *col_local, *col_dim, *col_off;
};

/* exchange.c */
void shell_note_status(struct shell *sh, int status);
void shell_error(struct shell *sh, const struct smtp_error *err);
void shell_usage_error(struct shell *sh, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Write sb to stdout and empty it. */
void shell_flush(struct strbuf *sb);
void shell_show_reply(struct shell *sh, const struct verb *v, const char *cmd,
    size_t cmdlen, const struct smtp_reply *r, enum verdict vd, enum smtp_state prior,
    double elapsed_ms);
void shell_print_sent(struct shell *sh, const char *line, size_t len);
/* Send a wire line, show it and its reply; the code, or 0 on a local error. */
int shell_exchange(struct shell *sh, const struct verb *v, const char *wire,
    size_t len, struct smtp_reply *r);
void shell_maybe_stop(struct shell *sh, const struct smtp_reply *r);
/* Connect and show the banner.  false on failure (already reported). */
bool shell_open(struct shell *sh, const char *host, const char *port);
void shell_run_verb(struct shell *sh, const struct verb *v, const char *arg, size_t arglen);
void shell_body_line(struct shell *sh, const char *line, size_t len);

/* shellcmd.c */
void shell_init(struct shell *sh);
void shell_free(struct shell *sh);
/* Run one typed line (a shell command, an SMTP verb, or a body line). */
void shell_run_line(struct shell *sh, const char *line, size_t len);
/* Names for Tab completion: verbs (lower case) then shell commands; NULL at end. */
const char *shell_completion_word(size_t i);
/* A line that must never be saved to history (AUTH and its secrets). */
bool shell_line_sensitive(const char *line, size_t len);
/* The prompt for the current state. */
void shell_prompt(struct shell *sh, char *buf, size_t cap);

/* tlscmd.c */
void shell_starttls(struct shell *sh);
void shell_auth(struct shell *sh, const char *mech, const char *user);
void shell_tls_show(struct shell *sh);
/* Before session_open: arm implicit TLS when --tls was given. */
void shell_prepare_connect(struct shell *sh, const char *host);
/* After session_open: report what the implicit TLS handshake found. */
void shell_report_implicit_tls(struct shell *sh);

/* repl.c */
int repl_run(struct shell *sh);
/* The read end of the signal self-pipe: the session's cancel fd. */
int repl_signal_fd(void);
void repl_install_signals(void);
/* Bytes the signal handler wrote: 'I' for SIGINT, 'T' for TERM/HUP. */
int repl_drain_signals(void);

/* script.c */
int script_run_stdin(struct shell *sh);

#endif
