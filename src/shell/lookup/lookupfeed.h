/*
 * lookupfeed.h - what a lookup run reads, streamed (lookupcmd.c's part):
 * the engine's source (the names, less those an earlier run answered,
 * --resume) and the rows kept from that run, written back in input order
 * around the engine's results.  Two readers go through the results file:
 * one ahead, deciding which names to ask, one behind, copying the kept rows
 * once every row before them is written.  Memory is flat: the engine reads
 * at most LOOKUP_PENDING_MAX names ahead, and the map from its names to
 * input rows is a ring of that size.
 *
 * lookup_feed_check() reads everything once before a run (a regular names
 * file only; stdin cannot be read twice), so a bad names or results file
 * fails before any name is asked, and the count of names is known for the
 * progress bar.  Read once only (stdin, a device), a bad line found on the
 * way stops the run there.  Errors: lookupfile.h's.
 */
#ifndef SMTPSH_LOOKUPFEED_H
#define SMTPSH_LOOKUPFEED_H

#include "lookupfile.h"
#include "output.h"

struct lookup_feed {
	struct lookup_reader names;
	const char *path;                     /* NULL: words */
	const char *const *words;
	size_t nwords;
	struct lookup_resume ahead, behind;   /* when resuming */
	bool resuming, ahead_done;
	FILE *ahead_f, *behind_f;
	size_t row;                           /* input rows read */
	size_t asked;                         /* names handed to the engine */
	size_t map[LOOKUP_PENDING_MAX];       /* engine index % max -> row */
	size_t kept[LOOKUP_VERDICT__COUNT];
	size_t written;                       /* rows written */
};

/* Open a feed over the file path (or words[0..n) when path is NULL), with
 * the results file resume (NULL: none; json: its format).  A results file
 * that is also the output: copied first (copy_resume), since the output is
 * then emptied and written again. */
enum smtp_errkind lookup_feed_open(struct lookup_feed *f, const char *path,
    const char *const *words, size_t n, const char *resume, bool json, bool copy_resume,
    struct smtp_error *err);
/* Read it all once (when it can be read twice) and start again; *total:
 * the number of names, or 0 when not known. */
enum smtp_errkind lookup_feed_check(struct lookup_feed *f, size_t *total, struct smtp_error *err);
/* The engine's source. */
enum smtp_errkind lookup_feed_next(void *ctx, const char **name, struct smtp_error *err);
/* The input row of engine name index. */
size_t lookup_feed_row(const struct lookup_feed *f, size_t index);
/* Write the kept rows before input row upto (SIZE_MAX: all that are left),
 * and pass over row upto itself (its new result is written next). */
void lookup_feed_write_kept(struct lookup_feed *f, struct output *o, size_t upto);
void lookup_feed_close(struct lookup_feed *f);

#endif
