/*
 * manpage.h - the man page from docs/smtpsh.1.in and the shell's tables
 * (manpage.c).  Build-time only: `smtpsh --man-page TEMPLATE`.
 */
#ifndef SMTPSH_MANPAGE_H
#define SMTPSH_MANPAGE_H

#include <stdio.h>

/* 0, or an exit status after a message on err. */
int manpage_write(const char *template_path, FILE *out, FILE *err);

#endif
