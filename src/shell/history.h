/*
 * history.h - the shell's line history (history.c).
 */
#ifndef SMTPSH_HISTORY_H
#define SMTPSH_HISTORY_H

#include <stddef.h>

#include "shell.h"

/* Find (and create, 0700) the history's folder and read the file. */
void history_setup(void);
/* Write the history file, mode 0600; a failure is said on stderr. */
void history_save(void);
/* Save a typed line, unless it is sensitive, in a body, or a repeat. */
void history_remember(struct shell *sh, const char *line, size_t len);

#endif
