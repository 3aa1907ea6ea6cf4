/*
 * lookupfile.c - reading a lookup's names and an earlier run's results
 * (lookupfile.h).  A results file is trusted only as far as it is checked:
 * no control byte but the line ends (smtpsh escapes everything it writes),
 * records of smtpsh's own shape, and row k naming the k-th name exactly as
 * smtpsh renders it (escape_json or escape_terminal), so a row is never
 * credited to the wrong name.
 */
#include "lookupfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "render.h"
#include "strbuf.h"

/* The whole file (or stdin for "-"), NUL-terminated. */
static enum smtp_errkind lookup_slurp(const char *path, char **out, size_t *len,
    struct smtp_error *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (f == NULL)
		return smtp_error_set(err, SMTP_ERR_FILE, errno, "cannot read %.200s: %s", path,
		    strerror(errno));
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	enum smtp_errkind k = SMTP_OK;
	while (buf != NULL) {
		if (n == cap) {
			if (cap >= LOOKUP_FILE_MAX) {
				k = smtp_error_set(err, SMTP_ERR_FILE, 0, "%.200s is larger than %u MiB",
				    path, LOOKUP_FILE_MAX >> 20);
				break;
			}
			char *nb = realloc(buf, cap * 2 + 1);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				k = smtp_error_set(err, SMTP_ERR_FILE, errno, "reading %.200s failed", path);
			break;
		}
	}
	if (!is_stdin)
		fclose(f);
	if (buf == NULL)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory reading %.200s", path);
	if (k != SMTP_OK) {
		free(buf);
		return k;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return SMTP_OK;
}

static enum smtp_errkind lookup_names_add(struct lookup_names *ln, size_t *cap, const char *name,
    struct smtp_error *err)
{
	if (ln->n == *cap) {
		size_t nc = *cap == 0 ? 1024 : *cap * 2;
		const char **nn = realloc(ln->names, nc * sizeof *nn);
		if (nn == NULL)
			return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory for the names");
		ln->names = nn;
		*cap = nc;
	}
	ln->names[ln->n++] = name;
	return SMTP_OK;
}

enum smtp_errkind lookup_names_read(const char *path, struct lookup_names *ln,
    struct smtp_error *err)
{
	memset(ln, 0, sizeof *ln);
	size_t len, cap = 0;
	enum smtp_errkind k = lookup_slurp(path, &ln->buf, &len, err);
	if (k != SMTP_OK)
		return k;
	size_t line = 0;
	for (char *p = ln->buf, *end = ln->buf + len; p < end && k == SMTP_OK;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *stop = nl != NULL ? nl : end;
		line++;
		if (memchr(p, '\0', (size_t)(stop - p)) != NULL) {
			k = smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s line %zu holds a NUL byte",
			    path, line);
			break;
		}
		char *e = stop;
		while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		*e = '\0';
		if (p < e && *p != '#')
			k = lookup_names_add(ln, &cap, p, err);
		p = stop + 1;
	}
	if (k != SMTP_OK)
		lookup_names_free(ln);
	return k;
}

enum smtp_errkind lookup_names_words(const char *const *words, size_t n, struct lookup_names *ln,
    struct smtp_error *err)
{
	memset(ln, 0, sizeof *ln);
	size_t cap = 0;
	for (size_t i = 0; i < n; i++) {
		enum smtp_errkind k = lookup_names_add(ln, &cap, words[i], err);
		if (k != SMTP_OK) {
			lookup_names_free(ln);
			return k;
		}
	}
	return SMTP_OK;
}

void lookup_names_free(struct lookup_names *ln)
{
	free(ln->buf);
	free(ln->names);
	memset(ln, 0, sizeof *ln);
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

static enum smtp_errkind lookup_resume_json(const char *path, const struct lookup_names *ln,
    struct lookup_resume *rs, struct smtp_error *err)
{
	static const char head[] = "{\"type\":\"lookup\",\"name\":\"";
	static const char vkey[] = "\"verdict\":\"";
	for (char *p = rs->buf; *p != '\0';) {
		char *nl = strchr(p, '\n');
		char *end = nl != NULL ? nl + 1 : p + strlen(p);
		if (strncmp(p, head, sizeof head - 1) == 0) {
			if (rs->n == ln->n)
				return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s has more rows than "
				    "there are names", path);
			const char *nm = p + sizeof head - 1;
			long nlen = lookup_json_body(nm, end);
			const char *v = nlen < 0 ? NULL : strstr(nm + nlen, vkey);
			if (v == NULL || v >= end)
				return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s: row %zu is not an "
				    "smtpsh --json lookup record", path, rs->n + 1);
			v += sizeof vkey - 1;
			const char *vq = memchr(v, '"', (size_t)(end - v));
			struct lookup_kept *row = &rs->rows[rs->n];
			if (vq == NULL || !lookup_verdict_parse(v, (size_t)(vq - v), &row->verdict))
				return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s: row %zu has no verdict",
				    path, rs->n + 1);
			if (!lookup_rendered_equal(nm, (size_t)nlen, ln->names[rs->n], true))
				return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s: row %zu is not for "
				    "name %zu of this list: not a run of these names", path, rs->n + 1, rs->n + 1);
			row->rec = p;
			row->len = (size_t)(end - p);
			rs->n++;
		} else if (strncmp(p, "{\"type\":", 8) != 0 && p[0] != '\n') {
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s is not smtpsh --json output",
			    path);
		}
		p = end;
	}
	return SMTP_OK;
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

static enum smtp_errkind lookup_resume_csv(const char *path, const struct lookup_names *ln,
    struct lookup_resume *rs, struct smtp_error *err)
{
	static const char header[] = "name,method,verdict,code,enhanced,text,addresses,attempts,reason\r\n";
	if (strncmp(rs->buf, header, sizeof header - 1) != 0)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s is not smtpsh --csv output "
		    "(its header row differs)", path);
	char *p = rs->buf + sizeof header - 1;
	while (*p != '\0') {
		char *start = p;
		const char *val[3];
		size_t vlen[3];
		size_t f = 0;
		bool last = false;
		while (!last) {
			const char *v;
			size_t l;
			if (!lookup_csv_field(&p, &v, &l, &last))
				return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s: row %zu has an "
				    "unterminated quote", path, rs->n + 1);
			if (f < 3) {
				val[f] = v;
				vlen[f] = l;
			}
			f++;
		}
		if (f != 9)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s: row %zu has %zu fields, "
			    "not 9", path, rs->n + 1, f);
		if (rs->n == ln->n)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s has more rows than there "
			    "are names", path);
		struct lookup_kept *row = &rs->rows[rs->n];
		if (!lookup_verdict_parse(val[2], vlen[2], &row->verdict))
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s: row %zu has no verdict",
			    path, rs->n + 1);
		if (vlen[0] > 1 && val[0][0] == '\'' && csv_needs_neutralising(val[0] + 1, vlen[0] - 1)) {
			val[0]++;        /* the "'" render_csv.c put before a formula */
			vlen[0]--;
		}
		if (!lookup_rendered_equal(val[0], vlen[0], ln->names[rs->n], false))
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s: row %zu is not for name "
			    "%zu of this list: not a run of these names", path, rs->n + 1, rs->n + 1);
		row->rec = start;
		row->len = (size_t)(p - start);
		rs->n++;
	}
	return SMTP_OK;
}

enum smtp_errkind lookup_resume_read(const char *path, bool json, const struct lookup_names *ln,
    struct lookup_resume *rs, struct smtp_error *err)
{
	memset(rs, 0, sizeof *rs);
	size_t len;
	enum smtp_errkind k = lookup_slurp(path, &rs->buf, &len, err);
	if (k != SMTP_OK)
		return k;
	for (size_t i = 0; i < len && k == SMTP_OK; i++) {
		unsigned char c = (unsigned char)rs->buf[i];
		if ((c < 0x20 && c != '\r' && c != '\n') || c == 0x7f)
			k = smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.200s holds control bytes: not "
			    "smtpsh's output", path);
	}
	rs->rows = calloc(ln->n > 0 ? ln->n : 1, sizeof *rs->rows);
	if (k == SMTP_OK && rs->rows == NULL)
		k = smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory for %.200s", path);
	if (k == SMTP_OK)
		k = json ? lookup_resume_json(path, ln, rs, err) : lookup_resume_csv(path, ln, rs, err);
	if (k != SMTP_OK)
		lookup_resume_free(rs);
	return k;
}

void lookup_resume_free(struct lookup_resume *rs)
{
	free(rs->buf);
	free(rs->rows);
	memset(rs, 0, sizeof *rs);
}
