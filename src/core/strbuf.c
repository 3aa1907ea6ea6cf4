/*
 * strbuf.c - a growable byte buffer with a hard maximum (strbuf.h).
 *
 * The strbuf owns `data` (freed by strbuf_free).  Every append either adds
 * all of its bytes or none: past `max`, or when memory runs out, it returns
 * SMTP_ERR_NOMEM and the contents are unchanged.  The data is kept
 * NUL-terminated; len is authoritative (the content may hold NUL bytes).
 */
#include "strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRBUF_MIN_CAP 64

/* fmt is the caller's printf format: lets the compiler check the vsnprintf
 * calls below without -Wformat-nonliteral complaints. */
enum smtp_errkind strbuf_vappendf(struct strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

void strbuf_init(struct strbuf *sb, size_t max)
{
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->max = max;
}

void strbuf_free(struct strbuf *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->data != NULL)
		sb->data[0] = '\0';
}

/* Make room for `extra` more content bytes plus the NUL. */
static enum smtp_errkind strbuf_reserve(struct strbuf *sb, size_t extra)
{
	if (extra > sb->max - sb->len)
		return SMTP_ERR_NOMEM;
	size_t need = sb->len + extra + 1;   /* cannot overflow: <= max + 1 */
	if (need <= sb->cap)
		return SMTP_OK;
	size_t cap = sb->cap < STRBUF_MIN_CAP ? STRBUF_MIN_CAP : sb->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > sb->max + 1 && sb->max < SIZE_MAX)
		cap = sb->max + 1;
	if (cap < need)
		cap = need;
	char *p = realloc(sb->data, cap);
	if (p == NULL)
		return SMTP_ERR_NOMEM;
	sb->data = p;
	sb->cap = cap;
	return SMTP_OK;
}

enum smtp_errkind strbuf_append(struct strbuf *sb, const void *p, size_t n)
{
	if (n == 0)
		return SMTP_OK;
	enum smtp_errkind rc = strbuf_reserve(sb, n);
	if (rc != SMTP_OK)
		return rc;
	memcpy(sb->data + sb->len, p, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
	return SMTP_OK;
}

enum smtp_errkind strbuf_appendc(struct strbuf *sb, char c)
{
	return strbuf_append(sb, &c, 1);
}

enum smtp_errkind strbuf_vappendf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return SMTP_ERR_USAGE;
	enum smtp_errkind rc = strbuf_reserve(sb, (size_t)n);
	if (rc != SMTP_OK)
		return rc;
	int m = vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	if (m != n) {
		sb->data[sb->len] = '\0';
		return SMTP_ERR_USAGE;
	}
	sb->len += (size_t)n;
	return SMTP_OK;
}

enum smtp_errkind strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum smtp_errkind rc = strbuf_vappendf(sb, fmt, ap);
	va_end(ap);
	return rc;
}

const char *strbuf_str(const struct strbuf *sb)
{
	return sb->data != NULL ? sb->data : "";
}
