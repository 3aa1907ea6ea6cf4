/*
 * escape.c - server bytes to display-safe text (escape.h).
 *
 * Both functions append to a caller-owned strbuf and are all-or-nothing:
 * when the strbuf's maximum (or memory) runs out they return SMTP_ERR_NOMEM
 * and the strbuf is as it was.  Input is any bytes, NUL included.
 *
 * UTF-8 is decoded strictly (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF); a byte that does not start a well-formed sequence
 * is escaped on its own and decoding resumes at the next byte.  Code points
 * that can fool a reader are escaped even when well-formed (security-cases
 * TO-05): C1 controls U+0080-U+009F, soft hyphen, the Arabic letter mark,
 * zero-width and directional marks U+200B-U+200F, line/paragraph separators
 * U+2028-U+2029, bidi embeddings/overrides U+202A-U+202E, invisible
 * operators and bidi isolates U+2060-U+206F, the BOM U+FEFF, interlinear
 * annotations U+FFF9-U+FFFB, and tag characters U+E0000-U+E007F.
 *
 * Terminal mapping (unambiguous: a literal backslash is doubled, TO-08):
 *   TAB \t   CR \r   LF \n   ESC \e   backslash \\
 *   other C0, DEL, invalid UTF-8 bytes     \xNN       (two lowercase hex)
 *   suspicious code points                 \u{NNNN}   (lowercase hex)
 * JSON mapping (RFC 8259 7): " \\ \b \f \n \r \t; other C0 and DEL \u00nn;
 * suspicious code points \unnnn (surrogate pairs above U+FFFF); an invalid
 * UTF-8 byte 0xNN becomes \u00nn, so the output is always valid UTF-8.
 */
#include "escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Length of the well-formed UTF-8 sequence at s (2..4) and its code point,
 * or 0 when s[0] does not start one.  Only for s[0] >= 0x80. */
static size_t escape_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char b = s[0];
	size_t len;
	uint32_t v;
	unsigned char lo = 0x80, hi = 0xbf;   /* range of the second byte */
	if (b >= 0xc2 && b <= 0xdf) {
		len = 2; v = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3; v = b & 0x0f;
		if (b == 0xe0) lo = 0xa0;          /* overlong */
		if (b == 0xed) hi = 0x9f;          /* surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4; v = b & 0x07;
		if (b == 0xf0) lo = 0x90;          /* overlong */
		if (b == 0xf4) hi = 0x8f;          /* above U+10FFFF */
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		unsigned char c = s[i];
		if (i == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xbf))
			return 0;
		v = (v << 6) | (c & 0x3f);
	}
	*cp = v;
	return len;
}

static bool escape_cp_suspicious(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0xad || cp == 0x61c ||
	    (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
	    (cp >= 0xfff9 && cp <= 0xfffb) || (cp >= 0xe0000 && cp <= 0xe007f);
}

enum escape_style { ESCAPE_TERMINAL, ESCAPE_JSON };

static enum smtp_errkind escape_ascii(struct strbuf *out, unsigned char c,
    enum escape_style style)
{
	const char *e = NULL;
	if (style == ESCAPE_TERMINAL) {
		switch (c) {
		case '\t': e = "\\t"; break;
		case '\r': e = "\\r"; break;
		case '\n': e = "\\n"; break;
		case 0x1b: e = "\\e"; break;
		case '\\': e = "\\\\"; break;
		default: return strbuf_appendf(out, "\\x%02x", c);
		}
	} else {
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default: return strbuf_appendf(out, "\\u%04x", c);
		}
	}
	return strbuf_append(out, e, 2);
}

static enum smtp_errkind escape_codepoint(struct strbuf *out, uint32_t cp,
    enum escape_style style)
{
	if (style == ESCAPE_TERMINAL)
		return strbuf_appendf(out, "\\u{%04x}", (unsigned)cp);
	if (cp < 0x10000)
		return strbuf_appendf(out, "\\u%04x", (unsigned)cp);
	uint32_t v = cp - 0x10000;
	return strbuf_appendf(out, "\\u%04x\\u%04x", (unsigned)(0xd800 + (v >> 10)),
	    (unsigned)(0xdc00 + (v & 0x3ff)));
}

static bool escape_ascii_needed(unsigned char c, enum escape_style style)
{
	if (c < 0x20 || c == 0x7f || c == '\\')
		return true;
	return style == ESCAPE_JSON && c == '"';
}

static enum smtp_errkind escape_run(struct strbuf *out, const char *in,
    size_t len, enum escape_style style)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t saved = out->len;
	size_t run = 0;     /* start of the pending run of bytes that pass */
	size_t i = 0;
	enum smtp_errkind rc = SMTP_OK;
	while (i < len && rc == SMTP_OK) {
		unsigned char c = s[i];
		size_t step = 1;
		bool pass, valid = false;
		uint32_t cp = 0;
		if (c < 0x80) {
			pass = !escape_ascii_needed(c, style);
		} else {
			size_t n = escape_utf8_decode(s + i, len - i, &cp);
			valid = n > 0;
			pass = valid && !escape_cp_suspicious(cp);
			if (valid)
				step = n;
		}
		if (pass) {
			i += step;
			continue;
		}
		rc = strbuf_append(out, s + run, i - run);
		if (rc != SMTP_OK)
			break;
		if (c < 0x80)
			rc = escape_ascii(out, c, style);
		else if (valid)
			rc = escape_codepoint(out, cp, style);
		else if (style == ESCAPE_TERMINAL)
			rc = strbuf_appendf(out, "\\x%02x", c);
		else
			rc = strbuf_appendf(out, "\\u%04x", c);
		i += step;
		run = i;
	}
	if (rc == SMTP_OK)
		rc = strbuf_append(out, s + run, i - run);
	if (rc != SMTP_OK) {
		out->len = saved;
		if (out->data != NULL)
			out->data[saved] = '\0';
	}
	return rc;
}

enum smtp_errkind escape_terminal(struct strbuf *out, const char *in, size_t len)
{
	return escape_run(out, in, len, ESCAPE_TERMINAL);
}

enum smtp_errkind escape_json(struct strbuf *out, const char *in, size_t len)
{
	return escape_run(out, in, len, ESCAPE_JSON);
}

static int unescape_hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A code point as UTF-8 (what \u{...} stood for). */
static enum smtp_errkind unescape_utf8(struct strbuf *out, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return strbuf_append(out, b, n);
}

enum smtp_errkind unescape_terminal(struct strbuf *out, const char *in, size_t len)
{
	enum smtp_errkind k = SMTP_OK;
	for (size_t i = 0; k == SMTP_OK && i < len; i++) {
		if (in[i] != '\\' || i + 1 == len) {
			k = strbuf_appendc(out, in[i]);
			continue;
		}
		char c = in[++i];
		int h1, h2;
		switch (c) {
		case 't': k = strbuf_appendc(out, '\t'); break;
		case 'r': k = strbuf_appendc(out, '\r'); break;
		case 'n': k = strbuf_appendc(out, '\n'); break;
		case 'e': k = strbuf_appendc(out, '\033'); break;
		case '\\': k = strbuf_appendc(out, '\\'); break;
		case 'x':
			if (i + 2 < len && (h1 = unescape_hex(in[i + 1])) >= 0 &&
			    (h2 = unescape_hex(in[i + 2])) >= 0) {
				k = strbuf_appendc(out, (char)(h1 << 4 | h2));
				i += 2;
			} else {
				k = strbuf_append(out, in + i - 1, 2);
			}
			break;
		case 'u': {
			uint32_t cp = 0;
			size_t j = i + 1;
			bool ok = j < len && in[j] == '{';
			for (j++; ok && j < len && in[j] != '}'; j++) {
				int h = unescape_hex(in[j]);
				if (h < 0 || cp > 0x10ffff)
					ok = false;
				else
					cp = cp << 4 | (uint32_t)h;
			}
			if (ok && j < len && cp <= 0x10ffff) {
				k = unescape_utf8(out, cp);
				i = j;
			} else {
				k = strbuf_append(out, in + i - 1, 2);
			}
			break;
		}
		default:
			k = strbuf_append(out, in + i - 1, 2);
			break;
		}
	}
	return k;
}
