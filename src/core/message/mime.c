/*
 * mime.c - header text of a built message (mime.h): what may stand in a
 * header, RFC 2047 encoded-words for non-ASCII text, RFC 2231 parameters
 * for file names.  Writes into a caller's strbuf; no allocation of its own.
 */
#include "mime.h"

#include <string.h>

#include "auth.h"

bool mime_header_text_ok(const char *s)
{
	if (s == NULL)
		return false;
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 32 && *s != '\t') || *s == 127)
			return false;
	return true;
}

bool mime_header_name_ok(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126 || s[i] == ':')
			return false;
	return true;
}

bool mime_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* RFC 2047 5(1): an encoded-word is at most 75 characters, so 45 bytes of
 * text (60 of base64) go in each "=?UTF-8?B?...?=". */
#define MIME_WORD_RAW 45
/* The most text encoded for one header (longer is cut at a character). */
#define MIME_WORD_TEXT_MAX 2000

/* RFC 2047 "B" encoding when the text is not ASCII: encoded-words of at
 * most 75 characters, each holding whole UTF-8 characters, folded onto
 * lines of their own. */
void mime_put_word(struct strbuf *sb, const char *s)
{
	if (mime_ascii(s)) {
		(void)strbuf_appendf(sb, "%s", s);
		return;
	}
	size_t len = strlen(s);
	if (len > MIME_WORD_TEXT_MAX)
		len = MIME_WORD_TEXT_MAX;
	for (size_t at = 0; at < len;) {
		size_t n = len - at < MIME_WORD_RAW ? len - at : MIME_WORD_RAW;
		/* Never split a character: back off continuation bytes. */
		while (at + n < len && n > 1 && ((unsigned char)s[at + n] & 0xC0) == 0x80)
			n--;
		char enc[MIME_WORD_RAW * 2];
		size_t elen = 0;
		if (base64_encode(s + at, n, enc, sizeof enc, &elen) != SMTP_OK)
			return;
		(void)strbuf_appendf(sb, "%s=?UTF-8?B?%s?=", at > 0 ? "\r\n " : "", enc);
		at += n;
	}
}

/* RFC 2231 attribute-char: what may stand unencoded in a parameter value. */
static bool mime_attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$&+-.^_`|~", c) != NULL);
}

/* A MIME parameter (RFC 2045 5.1) on a folded line of its own: `attr="v"`
 * when v is printable ASCII without quotes or backslashes, else RFC 2231's
 * `attr*0*=UTF-8''%XX...` in continuations of at most 60 characters, so no
 * control, quote or non-ASCII byte of a file name reaches the header. */
void mime_put_param(struct strbuf *sb, const char *attr, const char *v)
{
	bool plain = true;
	for (const char *p = v; *p != '\0'; p++)
		if ((unsigned char)*p < 32 || (unsigned char)*p > 126 || *p == '"' || *p == '\\')
			plain = false;
	if (plain && strlen(v) <= 60) {
		(void)strbuf_appendf(sb, "; %s=\"%s\"", attr, v);
		return;
	}
	unsigned section = 0;
	size_t col = 61;   /* start a new continuation at once */
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++) {
		if (col > 60) {
			(void)strbuf_appendf(sb, ";\r\n %s*%u*=%s", attr, section,
			    section == 0 ? "UTF-8''" : "");
			section++;
			col = 0;
		}
		if (mime_attr_char(*p)) {
			(void)strbuf_appendf(sb, "%c", *p);
			col++;
		} else {
			(void)strbuf_appendf(sb, "%%%02X", *p);
			col += 3;
		}
	}
}
