/*
 * lookupfile.h - the files of a lookup run: the names to ask (one a line,
 * blank lines and "#" comments skipped, "-" for stdin) and, for --resume,
 * an earlier run's results (smtpsh's own --csv or --json output), whose
 * answered rows are kept as they were written.
 *
 * Both are read whole into memory, bounded by LOOKUP_FILE_MAX.  The caller
 * owns the structs and frees them with the _free calls.  Errors:
 * SMTP_ERR_FILE (unreadable, too big), SMTP_ERR_USAGE (a NUL byte, a
 * results file that is not smtpsh's or not of this list).
 */
#ifndef SMTPSH_LOOKUPFILE_H
#define SMTPSH_LOOKUPFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "lookup.h"

/* The largest names or results file read. */
#define LOOKUP_FILE_MAX (512u * 1024 * 1024)

struct lookup_names {
	char *buf;                   /* the file, lines NUL-terminated in place */
	const char **names;          /* into buf (or the caller's words) */
	size_t n;
};

enum smtp_errkind lookup_names_read(const char *path, struct lookup_names *ln,
    struct smtp_error *err);
/* Names given as words (`lookup NAME NAME...`): pointers kept, not copied. */
enum smtp_errkind lookup_names_words(const char *const *words, size_t n, struct lookup_names *ln,
    struct smtp_error *err);
void lookup_names_free(struct lookup_names *ln);

/* One row of an earlier run. */
struct lookup_kept {
	const char *rec;             /* the record as written (into buf) */
	size_t len;
	enum lookup_verdict verdict;
};

struct lookup_resume {
	char *buf;
	struct lookup_kept *rows;
	size_t n;
};

/* Read RESULTS (json: expect --json records, else CSV) and check that row
 * k is names[k] as smtpsh would have written it. */
enum smtp_errkind lookup_resume_read(const char *path, bool json, const struct lookup_names *ln,
    struct lookup_resume *rs, struct smtp_error *err);
void lookup_resume_free(struct lookup_resume *rs);

#endif
