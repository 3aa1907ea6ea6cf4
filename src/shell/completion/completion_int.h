/*
 * completion_int.h - inside the completion module: what each option's
 * argument completes to (completion_args.c, from the argument's name in
 * the option table), and the two script writers (completion_bash.c,
 * completion_zsh.c).
 */
#ifndef SMTPSH_COMPLETION_INT_H
#define SMTPSH_COMPLETION_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "options.h"

enum completion_kind {
	COMPLETE_NONE,       /* a free value (a number, an address): nothing offered */
	COMPLETE_FILE,       /* a file name */
	COMPLETE_PROFILE,    /* a profile of the config file, asked for at completion time */
	COMPLETE_WORDS,      /* one of a fixed list, from its table */
};

struct completion_arg {
	enum completion_kind kind;
	/* COMPLETE_WORDS: the i-th value, NULL past the last. */
	const char *(*word)(size_t i);
};

/* What o's argument completes to (o->arg not NULL).  false: its argument
 * name is not in completion_args.c's table (said on err), so a new option
 * cannot be forgotten: the build stops. */
bool completion_arg_of(const struct smtpsh_option *o, struct completion_arg *out, FILE *err);
/* Every option's argument known?  false: the first unknown, said on err. */
bool completion_args_check(FILE *err);

/* The scripts, on out. */
void completion_bash(FILE *out);
void completion_zsh(FILE *out);

#endif
