/*
 * lookupfile.h - the files of a lookup run, streamed: the names to ask
 * (one a line, blank lines and "#" comments skipped, "-" for stdin, or the
 * words of `lookup NAME NAME...`) and, for --resume, an earlier run's
 * results (smtpsh's own --csv or --json output), whose answered rows are
 * kept as they were written.
 *
 * Both are read a line at a time into a buffer of fixed size, so memory
 * stays flat whatever their length.  A names line longer than
 * LOOKUP_LINE_MAX bytes, or one holding a NUL byte, is an error naming the
 * file and the line (SMTP_ERR_USAGE): no names file has such lines, and
 * reading on could take forever (/dev/zero).  A results row is checked as
 * it is read (lookup_resume_next).  The caller owns the structs; the
 * _close calls free what they hold.  Errors: SMTP_ERR_FILE (unreadable),
 * SMTP_ERR_USAGE (a bad line, a results file that is not smtpsh's or not
 * of this list), SMTP_ERR_NOMEM.
 */
#ifndef SMTPSH_LOOKUPFILE_H
#define SMTPSH_LOOKUPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "lookup.h"

/* The longest line of a names file (a name is at most 256 octets, RFC
 * 5321 4.5.3.1.3; the rest leaves room for blanks around it). */
#define LOOKUP_LINE_MAX LOOKUP_INPUT_MAX
/* The longest row of a results file (8 reply lines of 512 octets and 16
 * addresses, escaped, fit many times over). */
#define LOOKUP_RECORD_MAX (256u * 1024)

/* What is kept of a file's name, for messages (cut). */
#define LOOKUP_FILE_NAME_MAX 256

struct lookup_reader {
	FILE *f;                      /* NULL: words */
	bool is_stdin;
	char path[LOOKUP_FILE_NAME_MAX];
	size_t line;                  /* the line last read, from 1 */
	const char *const *words;
	size_t nwords, next;
	char buf[LOOKUP_LINE_MAX + 2];
};

enum smtp_errkind lookup_reader_open(struct lookup_reader *rd, const char *path,
    struct smtp_error *err);
/* Names given as words: pointers kept, not copied. */
void lookup_reader_words(struct lookup_reader *rd, const char *const *words, size_t n);
/* The next name (*name, valid until the next call), NULL at the end. */
enum smtp_errkind lookup_reader_next(struct lookup_reader *rd, const char **name,
    struct smtp_error *err);
void lookup_reader_close(struct lookup_reader *rd);

struct lookup_resume {
	FILE *f;
	char path[LOOKUP_FILE_NAME_MAX];
	bool json;
	bool started;                 /* CSV: the header row was read */
	size_t row;                   /* rows read */
	size_t line;                  /* lines read, for messages */
	char *buf;                    /* LOOKUP_RECORD_MAX + 2 */
};

/* Read RESULTS from f (json: --json records, else CSV); path names it in
 * errors.  f is the caller's: _close does not close it. */
enum smtp_errkind lookup_resume_open(struct lookup_resume *rs, FILE *f, const char *path,
    bool json, struct smtp_error *err);
/* Start again from the first row. */
void lookup_resume_rewind(struct lookup_resume *rs);
/* The next row: *have false at the end of the file; else *verdict, and
 * *rec and *len the record as written (line end included, valid until the
 * next call).  With name not NULL, the row must be for it, as smtpsh
 * renders it (escape_json or escape_terminal): a row is never credited to
 * the wrong name. */
enum smtp_errkind lookup_resume_next(struct lookup_resume *rs, const char *name, bool *have,
    enum lookup_verdict *verdict, const char **rec, size_t *len, struct smtp_error *err);
void lookup_resume_close(struct lookup_resume *rs);

#endif
