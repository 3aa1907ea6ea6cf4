/*
 * unused.h - SMTPSH_UNUSED, the one mark for a parameter a function must
 * take but does not read: a table slot's shared signature (a renderer, an
 * AUTH mechanism's step, a lookup method's ask) where this entry has no
 * use for it.  The build warns on every other unused parameter
 * (-Wunused-parameter, under -Wextra).
 */
#ifndef SMTPSH_UNUSED_H
#define SMTPSH_UNUSED_H

#define SMTPSH_UNUSED __attribute__((unused))

#endif
