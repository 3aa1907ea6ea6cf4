/*
 * tokenize.h - the shell's word splitter.  Pure: one input line in, words
 * out.  Used by the interactive shell, script mode and -e alike.
 *
 * Words are separated by blanks (SP, HT).  "..." and '...' quote; inside
 * '...' nothing is special; inside "..." and bare, a backslash escapes the
 * next character, and the escapes \n \r \t \0 \\ \" \' \xHH produce those
 * bytes.  The input line itself must hold no CR, LF or NUL.  Any word that
 * would contain CR, LF or NUL (typed or made by an escape) is refused with
 * TOK_FORBIDDEN_BYTE, so nothing of it ever reaches the wire.
 */
#ifndef SMTPSH_TOKENIZE_H
#define SMTPSH_TOKENIZE_H

#include <stddef.h>

#define TOK_MAX_WORDS 64
#define TOK_MAX_BYTES 8192

enum tok_status {
	TOK_OK = 0,
	TOK_UNTERMINATED_QUOTE,
	TOK_TRAILING_BACKSLASH,
	TOK_BAD_ESCAPE,        /* \x not followed by two hex digits */
	TOK_FORBIDDEN_BYTE,    /* CR, LF or NUL in a word */
	TOK_TOO_MANY_WORDS,
	TOK_TOO_LONG,
};

struct tokens {
	size_t count;
	char *word[TOK_MAX_WORDS];     /* NUL-terminated, point into storage */
	size_t len[TOK_MAX_WORDS];
	size_t start[TOK_MAX_WORDS];   /* offset of each word in the input line */
	char storage[TOK_MAX_BYTES + TOK_MAX_WORDS];
};

/* On failure *err_pos (if non-NULL) is the input offset of the problem. */
enum tok_status tokenize_line(const char *line, size_t len, struct tokens *out,
    size_t *err_pos);
/* One line, e.g. "unterminated \" quote". */
const char *tok_status_message(enum tok_status st);

#endif
