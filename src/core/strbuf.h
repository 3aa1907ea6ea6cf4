/*
 * strbuf.h - a growable byte buffer with a hard maximum given at creation
 * (the idea of curl's dynbuf).  Appending past the maximum fails with
 * SMTP_ERR_NOMEM and leaves the contents as they were; nothing overflows.
 * The data is always NUL-terminated (len does not count the NUL), and may
 * itself contain NUL bytes: len is authoritative.
 */
#ifndef SMTPSH_STRBUF_H
#define SMTPSH_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "error.h"

struct strbuf {
	char *data;      /* NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;      /* never grows beyond max bytes of content */
};

void strbuf_init(struct strbuf *sb, size_t max);
void strbuf_free(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);          /* len = 0, keeps memory */
enum smtp_errkind strbuf_append(struct strbuf *sb, const void *p, size_t n);
enum smtp_errkind strbuf_appendc(struct strbuf *sb, char c);
enum smtp_errkind strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
enum smtp_errkind strbuf_vappendf(struct strbuf *sb, const char *fmt, va_list ap);
/* "" when empty, never NULL. */
const char *strbuf_str(const struct strbuf *sb);

#endif
