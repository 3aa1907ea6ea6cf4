/*
 * lookupfile.c - reading a lookup's names and an earlier run's results
 * (lookupfile.h), a line at a time into fixed buffers.  A results file is
 * trusted only as far as it is checked: no control byte but the line ends
 * (smtpsh escapes everything it writes), records of smtpsh's own shape,
 * and row k naming the k-th name exactly as smtpsh renders it
 * (escape_json or escape_terminal), so a row is never credited to the
 * wrong name.
 */
#include "lookupfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "json.h"
#include "output.h"
#include "strbuf.h"

enum smtp_errkind lookup_reader_open(struct lookup_reader *rd, const char *path,
    struct smtp_error *err)
{
	memset(rd, 0, sizeof *rd);
	snprintf(rd->path, sizeof rd->path, "%s", path);
	rd->is_stdin = strcmp(path, "-") == 0;
	rd->f = rd->is_stdin ? stdin : fopen(path, "rb");
	if (rd->f == NULL)
		return smtp_error_set(err, SMTP_ERR_FILE, errno, "cannot read %.200s: %s", path,
		    strerror(errno));
	return SMTP_OK;
}

void lookup_reader_words(struct lookup_reader *rd, const char *const *words, size_t n)
{
	memset(rd, 0, sizeof *rd);
	rd->words = words;
	rd->nwords = n;
}

enum smtp_errkind lookup_reader_next(struct lookup_reader *rd, const char **name,
    struct smtp_error *err)
{
	*name = NULL;
	if (rd->f == NULL) {
		if (rd->next < rd->nwords)
			*name = rd->words[rd->next++];
		return SMTP_OK;
	}
	for (;;) {
		size_t len = 0;
		int c = EOF;
		bool any = false;
		while ((c = getc(rd->f)) != EOF) {
			if (!any)
				rd->line++;
			any = true;
			if (c == '\n')
				break;
			if (c == '\0')
				return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s line %zu holds a NUL byte",
				    rd->path, rd->line);
			if (len == LOOKUP_LINE_MAX)
				return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s line %zu is longer than "
				    "%d bytes: not a names file", rd->path, rd->line, LOOKUP_LINE_MAX);
			rd->buf[len++] = (char)c;
		}
		if (!any) {
			if (ferror(rd->f))
				return smtp_error_set(err, SMTP_ERR_FILE, errno, "reading %.200s failed",
				    rd->path);
			return SMTP_OK;
		}
		char *p = rd->buf, *e = rd->buf + len;
		while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		*e = '\0';
		if (p < e && *p != '#') {
			*name = p;
			return SMTP_OK;
		}
	}
}

void lookup_reader_close(struct lookup_reader *rd)
{
	if (rd->f != NULL && !rd->is_stdin)
		fclose(rd->f);
	rd->f = NULL;
}

/* ---- --resume ---- */

static bool lookup_rendered_equal(const char *got, size_t glen, const char *name, bool json)
{
	struct strbuf sb;
	strbuf_init(&sb, 16 * strlen(name) + 16);    /* the longest escape of a byte */
	if (json)
		(void)escape_json(&sb, name, strlen(name));
	else
		(void)escape_terminal(&sb, name, strlen(name));
	bool eq = sb.len == glen && memcmp(strbuf_str(&sb), got, glen) == 0;
	strbuf_free(&sb);
	return eq;
}

/* A JSON string body starting at s (after its quote): its length, or -1. */
static long lookup_json_body(const char *s, const char *end)
{
	for (const char *p = s; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p - s;
	}
	return -1;
}

/* One CSV field starting at *p: the unquoted value's bounds in the file
 * (quotes doubled inside are left doubled: names never hold one after
 * escape_terminal unless the name did).  *p moves past its separator. */
static bool lookup_csv_field(char **p, const char **val, size_t *vlen, bool *last)
{
	char *s = *p;
	if (*s == '"') {
		char *q = s + 1;
		for (;;) {
			q = strchr(q, '"');
			if (q == NULL)
				return false;
			if (q[1] != '"')
				break;
			q += 2;
		}
		*val = s + 1;
		*vlen = (size_t)(q - s - 1);
		s = q + 1;
	} else {
		*val = s;
		s += strcspn(s, ",\r\n");
		*vlen = (size_t)(s - *val);
	}
	if (*s == ',') {
		*last = false;
		*p = s + 1;
		return true;
	}
	*last = true;
	if (*s == '\r')
		s++;
	if (*s == '\n')
		s++;
	*p = s;
	return true;
}

enum smtp_errkind lookup_resume_open(struct lookup_resume *rs, FILE *f, const char *path,
    bool json, struct smtp_error *err)
{
	memset(rs, 0, sizeof *rs);
	rs->f = f;
	rs->json = json;
	snprintf(rs->path, sizeof rs->path, "%s", path);
	rs->buf = malloc(LOOKUP_RECORD_MAX + 2);
	if (rs->buf == NULL)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory for %.200s", path);
	return SMTP_OK;
}

void lookup_resume_rewind(struct lookup_resume *rs)
{
	rewind(rs->f);
	rs->started = false;
	rs->row = 0;
	rs->line = 0;
}

/* One line into rs->buf (line end kept): its length, 0 at the end. */
static enum smtp_errkind lookup_resume_line(struct lookup_resume *rs, size_t *len,
    struct smtp_error *err)
{
	size_t n = 0;
	int c;
	while ((c = getc(rs->f)) != EOF) {
		if ((c < 0x20 && c != '\r' && c != '\n') || c == 0x7f)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s holds control bytes: not "
			    "smtpsh's output", rs->path);
		if (n == LOOKUP_RECORD_MAX)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s has a row longer than %u "
			    "bytes: not smtpsh's output", rs->path, LOOKUP_RECORD_MAX);
		rs->buf[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (c == EOF && ferror(rs->f))
		return smtp_error_set(err, SMTP_ERR_FILE, errno, "reading %.200s failed", rs->path);
	rs->buf[n] = '\0';
	*len = n;
	if (n > 0)
		rs->line++;
	/* A last line without its line end was cut (a run killed mid-write):
	 * it is no record to keep, and nothing is asked. */
	if (n > 0 && rs->buf[n - 1] != '\n')
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s line %zu: a record cut short (no "
		    "line end): not a whole smtpsh row; nothing was asked", rs->path, rs->line);
	return SMTP_OK;
}

/* A --json line: a lookup record (*is_row), another smtpsh record, or an
 * error. */
static enum smtp_errkind lookup_resume_json(struct lookup_resume *rs, const char *name,
    size_t len, bool *is_row, enum lookup_verdict *v, struct smtp_error *err)
{
	static const char head[] = "{\"type\":\"lookup\",\"name\":\"";
	static const char vkey[] = "\"verdict\":\"";
	char *p = rs->buf, *end = rs->buf + len;
	*is_row = false;
	/* Kept rows are copied into the new results: every record must be
	 * one whole JSON object, or --json output would break. */
	if (p[0] != '\n' && p[0] != '\r' && !json_valid_object(p, len))
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s line %zu: not one whole JSON "
		    "object; nothing was asked", rs->path, rs->line);
	if (strncmp(p, head, sizeof head - 1) != 0) {
		if (strncmp(p, "{\"type\":", 8) != 0 && p[0] != '\n' && p[0] != '\r')
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s is not smtpsh --json output",
			    rs->path);
		return SMTP_OK;
	}
	*is_row = true;
	const char *nm = p + sizeof head - 1;
	long nlen = lookup_json_body(nm, end);
	const char *vp = nlen < 0 ? NULL : strstr(nm + nlen, vkey);
	if (vp == NULL || vp >= end)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s: row %zu is not an smtpsh --json "
		    "lookup record", rs->path, rs->row);
	vp += sizeof vkey - 1;
	const char *vq = memchr(vp, '"', (size_t)(end - vp));
	if (vq == NULL || !lookup_verdict_parse(vp, (size_t)(vq - vp), v))
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s: row %zu has no verdict",
		    rs->path, rs->row);
	if (name != NULL && !lookup_rendered_equal(nm, (size_t)nlen, name, true))
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s: row %zu is not for name %zu of "
		    "this list: not a run of these names", rs->path, rs->row, rs->row);
	return SMTP_OK;
}

/* A --csv line (after the header): a row, or an error. */
static enum smtp_errkind lookup_resume_csv(struct lookup_resume *rs, const char *name,
    enum lookup_verdict *v, struct smtp_error *err)
{
	char *p = rs->buf;
	const char *val[3];
	size_t vlen[3];
	size_t f = 0;
	bool last = false;
	while (!last) {
		const char *s;
		size_t l;
		if (!lookup_csv_field(&p, &s, &l, &last))
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s: row %zu has an "
			    "unterminated quote", rs->path, rs->row);
		if (f < 3) {
			val[f] = s;
			vlen[f] = l;
		}
		f++;
	}
	if (f != 9)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s: row %zu has %zu fields, not 9",
		    rs->path, rs->row, f);
	if (!lookup_verdict_parse(val[2], vlen[2], v))
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s: row %zu has no verdict",
		    rs->path, rs->row);
	if (vlen[0] > 1 && val[0][0] == '\'' && csv_needs_neutralising(val[0] + 1, vlen[0] - 1)) {
		val[0]++;        /* the "'" render_csv.c put before a formula */
		vlen[0]--;
	}
	if (name != NULL && !lookup_rendered_equal(val[0], vlen[0], name, false))
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s: row %zu is not for name %zu of "
		    "this list: not a run of these names", rs->path, rs->row, rs->row);
	return SMTP_OK;
}

enum smtp_errkind lookup_resume_next(struct lookup_resume *rs, const char *name, bool *have,
    enum lookup_verdict *verdict, const char **rec, size_t *len, struct smtp_error *err)
{
	static const char header[] = "name,method,verdict,code,enhanced,text,addresses,attempts,reason\r\n";
	*have = false;
	for (;;) {
		size_t n = 0;
		enum smtp_errkind k = lookup_resume_line(rs, &n, err);
		if (k != SMTP_OK || n == 0)
			return k;
		if (!rs->json && !rs->started) {
			if (strcmp(rs->buf, header) != 0)
				return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s is not smtpsh --csv "
				    "output (its header row differs)", rs->path);
			rs->started = true;
			continue;
		}
		if (rs->buf[0] == '\n' || (rs->buf[0] == '\r' && rs->buf[1] == '\n'))
			continue;
		rs->row++;
		bool is_row = true;
		k = rs->json ? lookup_resume_json(rs, name, n, &is_row, verdict, err) :
		    lookup_resume_csv(rs, name, verdict, err);
		if (k != SMTP_OK)
			return k;
		if (!is_row) {
			rs->row--;
			continue;
		}
		*have = true;
		if (rec != NULL) {
			*rec = rs->buf;
			*len = n;
		}
		return SMTP_OK;
	}
}

void lookup_resume_close(struct lookup_resume *rs)
{
	free(rs->buf);
	rs->buf = NULL;
}
