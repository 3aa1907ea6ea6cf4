/*
 * lookupfeed.c - a lookup run's names and kept rows, streamed
 * (lookupfeed.h).  Owns the readers and the results files it opens (a
 * private copy of the results file when it is also the output).
 */
#include "lookupfeed.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A private copy of the file at path, open twice (*a and *b, independent
 * offsets), already unlinked. */
static enum smtp_errkind lookup_feed_copy(const char *path, FILE **a, FILE **b,
    struct smtp_error *err)
{
	FILE *in = fopen(path, "rb");
	if (in == NULL)
		return smtp_error_set(err, SMTP_ERR_FILE, errno, "cannot read %.200s: %s", path,
		    strerror(errno));
	const char *dir = getenv("TMPDIR");
	char tmpl[512];
	snprintf(tmpl, sizeof tmpl, "%s/smtpsh-resume-XXXXXX", dir != NULL && dir[0] != '\0' ? dir : "/tmp");
	int fd = mkstemp(tmpl);
	*a = fd >= 0 ? fdopen(fd, "w+b") : NULL;
	enum smtp_errkind k = SMTP_OK;
	if (*a == NULL) {
		k = smtp_error_set(err, SMTP_ERR_FILE, errno, "cannot copy %.200s: %s", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	char chunk[16384];
	size_t got;
	while (k == SMTP_OK && (got = fread(chunk, 1, sizeof chunk, in)) > 0)
		if (fwrite(chunk, 1, got, *a) != got)
			k = smtp_error_set(err, SMTP_ERR_FILE, errno, "cannot copy %.200s", path);
	if (k == SMTP_OK && (ferror(in) || fflush(*a) != 0))
		k = smtp_error_set(err, SMTP_ERR_FILE, errno, "cannot copy %.200s", path);
	fclose(in);
	if (k == SMTP_OK && (*b = fopen(tmpl, "rb")) == NULL)
		k = smtp_error_set(err, SMTP_ERR_FILE, errno, "cannot read the copy of %.200s", path);
	if (fd >= 0)
		unlink(tmpl);
	if (k != SMTP_OK && *a != NULL) {
		fclose(*a);
		*a = NULL;
	}
	if (k == SMTP_OK)
		rewind(*a);
	return k;
}

enum smtp_errkind lookup_feed_open(struct lookup_feed *f, const char *path,
    const char *const *words, size_t n, const char *resume, bool json, bool copy_resume,
    struct smtp_error *err)
{
	memset(f, 0, sizeof *f);
	f->path = path;
	f->words = words;
	f->nwords = n;
	enum smtp_errkind k = SMTP_OK;
	if (path != NULL)
		k = lookup_reader_open(&f->names, path, err);
	else
		lookup_reader_words(&f->names, words, n);
	if (k != SMTP_OK || resume == NULL)
		return k;
	if (copy_resume) {
		k = lookup_feed_copy(resume, &f->ahead_f, &f->behind_f, err);
	} else if ((f->ahead_f = fopen(resume, "rb")) == NULL ||
	    (f->behind_f = fopen(resume, "rb")) == NULL) {
		k = smtp_error_set(err, SMTP_ERR_FILE, errno, "cannot read %.200s: %s", resume,
		    strerror(errno));
	}
	if (k == SMTP_OK)
		k = lookup_resume_open(&f->ahead, f->ahead_f, resume, json, err);
	if (k == SMTP_OK)
		k = lookup_resume_open(&f->behind, f->behind_f, resume, json, err);
	f->resuming = true;
	if (k != SMTP_OK)
		lookup_feed_close(f);
	return k;
}

enum smtp_errkind lookup_feed_next(void *ctx, const char **name, struct smtp_error *err)
{
	struct lookup_feed *f = ctx;
	for (;;) {
		enum smtp_errkind k = lookup_reader_next(&f->names, name, err);
		if (k != SMTP_OK)
			return k;
		bool have = false;
		enum lookup_verdict v = LOOKUP_UNTESTED;
		if (*name == NULL) {
			if (f->resuming && !f->ahead_done) {
				f->ahead_done = true;
				k = lookup_resume_next(&f->ahead, NULL, &have, &v, NULL, NULL, err);
				if (k == SMTP_OK && have)
					k = smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s has more rows than "
					    "there are names", f->ahead.path);
			}
			return k;
		}
		size_t row = f->row++;
		if (f->resuming && !f->ahead_done) {
			k = lookup_resume_next(&f->ahead, *name, &have, &v, NULL, NULL, err);
			if (k != SMTP_OK)
				return k;
			f->ahead_done = !have;
			if (have && v != LOOKUP_UNTESTED) {
				f->kept[v]++;
				continue;               /* answered before: kept as written */
			}
		}
		f->map[f->asked++ % LOOKUP_PENDING_MAX] = row;
		return SMTP_OK;
	}
}

enum smtp_errkind lookup_feed_check(struct lookup_feed *f, size_t *total, struct smtp_error *err)
{
	struct stat st;
	*total = 0;
	if (f->path != NULL && (strcmp(f->path, "-") == 0 || stat(f->path, &st) != 0 ||
	    !S_ISREG(st.st_mode)))
		return SMTP_OK;                   /* read once only: checked as it goes */
	const char *name = "";
	enum smtp_errkind k = SMTP_OK;
	while (k == SMTP_OK && name != NULL)
		k = lookup_feed_next(f, &name, err);
	if (k != SMTP_OK)
		return k;
	*total = f->row;
	if (f->path != NULL) {
		lookup_reader_close(&f->names);
		k = lookup_reader_open(&f->names, f->path, err);
	} else {
		f->names.next = 0;
	}
	if (f->resuming)
		lookup_resume_rewind(&f->ahead);
	f->ahead_done = false;
	f->row = f->asked = 0;
	memset(f->kept, 0, sizeof f->kept);
	return k;
}

size_t lookup_feed_row(const struct lookup_feed *f, size_t index)
{
	return f->map[index % LOOKUP_PENDING_MAX];
}

void lookup_feed_write_kept(struct lookup_feed *f, struct output *o, size_t upto)
{
	if (!f->resuming)
		return;
	struct smtp_error err;
	bool have = true;
	enum lookup_verdict v;
	const char *rec = NULL;
	size_t len = 0;
	while (f->written < upto && have) {
		if (lookup_resume_next(&f->behind, NULL, &have, &v, &rec, &len, &err) != SMTP_OK)
			have = false;             /* checked already by the reader ahead */
		if (have) {
			out_lookup_kept(o, rec, len);
			f->written++;
		}
	}
	if (upto == SIZE_MAX)
		return;
	if (f->written == upto && have &&
	    lookup_resume_next(&f->behind, NULL, &have, &v, &rec, &len, &err) != SMTP_OK)
		have = false;                     /* row upto: its new result replaces it */
	f->written = upto + 1;
}

void lookup_feed_close(struct lookup_feed *f)
{
	lookup_reader_close(&f->names);
	lookup_resume_close(&f->ahead);
	lookup_resume_close(&f->behind);
	if (f->ahead_f != NULL)
		fclose(f->ahead_f);
	if (f->behind_f != NULL)
		fclose(f->behind_f);
	f->ahead_f = f->behind_f = NULL;
}
