/*
 * exit_status.h - the one table of smtpsh's exit statuses (exit_status.c):
 * each status's number, name, rank (the worst seen wins) and meaning.  The
 * rank function, --help and the man page's EXIT STATUS section are made
 * from it.  The numbers are enum shell_status (shell.h).
 */
#ifndef SMTPSH_EXIT_STATUS_H
#define SMTPSH_EXIT_STATUS_H

#include <stddef.h>

struct exit_status_row {
	int code;                /* the process's exit status */
	const char *name;        /* a word for it ("transient") */
	int rank;                /* higher wins when two are seen */
	const char *summary;     /* one line, N_() marked (--help) */
	const char *detail;      /* the man page's paragraph, without a final "." */
};

size_t exit_status_count(void);
/* Rows in the order --help and the man page list them. */
const struct exit_status_row *exit_status_at(size_t i);
/* The rank of a status; 0 for one the table does not hold. */
int exit_status_rank(int code);

/* --stage-status (swaks' numbers, so a swaks script's checks keep
 * working): the stage of the automatic sequence that failed decides. */
enum shell_stage_exit {
	STAGE_EXIT_USAGE = 1,        /* the options */
	STAGE_EXIT_CONNECT = 2,      /* the MX lookup or the connect */
	STAGE_EXIT_CLOSED = 6,       /* the server closed the connection unasked */
	STAGE_EXIT_BANNER = 21,
	STAGE_EXIT_HELLO = 22,
	STAGE_EXIT_MAIL = 23,
	STAGE_EXIT_RCPT = 24,        /* no recipient accepted */
	STAGE_EXIT_DATA = 25,        /* DATA refused */
	STAGE_EXIT_BODY = 26,        /* the message refused after its body */
	STAGE_EXIT_QUIT = 27,
	STAGE_EXIT_AUTH = 28,
	STAGE_EXIT_TLS = 29,
	STAGE_EXIT_TLS_HELLO = 32,   /* the EHLO after the TLS handshake */
	STAGE_EXIT_XCLIENT = 33,
	STAGE_EXIT_XCLIENT_HELLO = 34,
	STAGE_EXIT_PROXY = 36,       /* the PROXY header could not be sent */
};
size_t exit_stage_count(void);
/* The stage rows in number order: code, name (the detail column), and
 * what failed. */
const struct exit_status_row *exit_stage_at(size_t i);

#endif
