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

#endif
