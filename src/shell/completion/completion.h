/*
 * completion.h - shell completion for smtpsh (the completion module):
 * `smtpsh --completion bash|zsh` writes the bash or zsh completion script
 * from the option table, at build time, as `--man-page` writes the man
 * page; `smtpsh --completion profiles` lists the config file's profiles
 * for those scripts, at completion time.
 */
#ifndef SMTPSH_COMPLETION_H
#define SMTPSH_COMPLETION_H

#include <stdio.h>

/* what: "bash", "zsh" or "profiles".  0, or an exit status after a
 * message on err (an unknown `what`; an option whose argument the
 * completion does not know: see completion_args.c). */
int completion_write(const char *what, FILE *out, FILE *err);

#endif
