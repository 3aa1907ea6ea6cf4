/*
 * linebuf.c - bounded line assembly (linebuf.h).
 *
 * The linebuf owns `data` (max + 1 bytes, allocated once by linebuf_init,
 * freed by linebuf_free).  A line ends at LF (RFC 5321 2.3.8 says CRLF; a
 * bare LF is accepted and reported through ended_crlf == false).  A CR is
 * held back (pending_cr) until the next byte shows whether it belongs to a
 * CRLF; a CR not followed by LF is an ordinary byte of the line.  Bytes past
 * `max` are counted in `cut`, never stored.  Errors: SMTP_ERR_NOMEM from
 * linebuf_init only.
 */
#include "linebuf.h"

#include <stdlib.h>
#include <string.h>

enum smtp_errkind linebuf_init(struct linebuf *lb, size_t max)
{
	memset(lb, 0, sizeof *lb);
	if (max == (size_t)-1)
		return SMTP_ERR_NOMEM;
	lb->data = malloc(max + 1);
	if (lb->data == NULL)
		return SMTP_ERR_NOMEM;
	lb->max = max;
	lb->data[0] = '\0';
	return SMTP_OK;
}

void linebuf_free(struct linebuf *lb)
{
	free(lb->data);
	memset(lb, 0, sizeof *lb);
}

void linebuf_reset(struct linebuf *lb)
{
	lb->len = 0;
	lb->cut = 0;
	lb->complete = false;
	lb->ended_crlf = false;
	lb->pending_cr = false;
	if (lb->data != NULL)
		lb->data[0] = '\0';
}

static void linebuf_store(struct linebuf *lb, const char *p, size_t n)
{
	size_t room = lb->max - lb->len;
	size_t keep = n < room ? n : room;
	if (keep > 0) {
		memcpy(lb->data + lb->len, p, keep);
		lb->len += keep;
	}
	lb->cut += n - keep;
}

size_t linebuf_feed(struct linebuf *lb, const char *in, size_t len)
{
	if (lb->complete || lb->data == NULL || len == 0)
		return 0;
	const char *lf = memchr(in, '\n', len);
	size_t upto = lf != NULL ? (size_t)(lf - in) : len;   /* bytes before LF */
	size_t i = 0;
	while (i < upto) {
		if (lb->pending_cr) {
			lb->pending_cr = false;
			linebuf_store(lb, "\r", 1);
		}
		/* copy a run of non-CR bytes at once */
		const char *cr = memchr(in + i, '\r', upto - i);
		size_t run = cr != NULL ? (size_t)(cr - (in + i)) : upto - i;
		linebuf_store(lb, in + i, run);
		i += run;
		if (i < upto) {         /* in[i] is a CR */
			lb->pending_cr = true;
			i++;
		}
	}
	if (lf == NULL)
		return len;
	lb->ended_crlf = lb->pending_cr;
	lb->pending_cr = false;
	lb->complete = true;
	lb->data[lb->len] = '\0';
	return upto + 1;
}

bool linebuf_partial(const struct linebuf *lb)
{
	return !lb->complete && (lb->len > 0 || lb->cut > 0 || lb->pending_cr);
}
