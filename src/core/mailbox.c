/*
 * mailbox.c - RFC 5321 4.1.2 Mailbox syntax (mailbox.h), with RFC 6531's
 * UTF-8 and RFC 5321 4.1.3's address literals.  Pure; no allocation.
 */
#include "mailbox.h"

#include <arpa/inet.h>
#include <string.h>

/* RFC 5321 4.1.2: the longest Domain (4.5.3.1.2) and label (RFC 1035). */
#define MAILBOX_DOMAIN_MAX 255
#define MAILBOX_LABEL_MAX 63
#define MAILBOX_LITERAL_MAX 64

/* Length of the well-formed non-ASCII UTF-8 sequence at s[i] (RFC 3629),
 * 0 when there is none. */
static size_t utf8_nonascii_len(const char *s, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)s + i;
	size_t left = len - i;
	if (left == 0 || u[0] < 0xC2 || u[0] > 0xF4)
		return 0;
	size_t n = u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
	if (left < n)
		return 0;
	for (size_t k = 1; k < n; k++)
		if ((u[k] & 0xC0) != 0x80)
			return 0;
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if ((u[0] == 0xE0 && u[1] < 0xA0) || (u[0] == 0xED && u[1] > 0x9F) ||
	    (u[0] == 0xF0 && u[1] < 0x90) || (u[0] == 0xF4 && u[1] > 0x8F))
		return 0;
	return n;
}

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5322 atext, as RFC 5321 4.1.2 uses it. */
static bool is_atext(unsigned char c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Dot-string = Atom *("." Atom), atext widened with UTF-8 (RFC 6531). */
static bool dot_string(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (s[i + 1] == '.')
				return false;
			i++;
		} else if (c < 0x80) {
			if (!is_atext(c))
				return false;
			i++;
		} else {
			size_t u = utf8_nonascii_len(s, n, i);
			if (u == 0)
				return false;
			i += u;
		}
	}
	return true;
}

/* Quoted-string = DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE, qtextSMTP
 * widened with UTF-8 (RFC 6531). */
static bool quoted_string(const char *s, size_t n)
{
	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return false;
	for (size_t i = 1; i < n - 1;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\') {
			unsigned char q = (unsigned char)s[i + 1];
			if (i + 1 >= n - 1 || q < 32 || q > 126)
				return false;
			i += 2;
		} else if (c == '"' || c < 32 || c == 127) {
			return false;
		} else if (c < 0x80) {
			i++;
		} else {
			size_t u = utf8_nonascii_len(s, n - 1, i);
			if (u == 0)
				return false;
			i += u;
		}
	}
	return true;
}

/* Domain = sub-domain *("." sub-domain); a sub-domain is an LDH label or a
 * U-label (RFC 6531), 1 to 63 octets, neither end a hyphen. */
static bool domain_name(const char *s, size_t n)
{
	if (n == 0 || n > MAILBOX_DOMAIN_MAX)
		return false;
	size_t label = 0;
	for (size_t i = 0; i <= n;) {
		if (i == n || s[i] == '.') {
			if (label == 0 || label > MAILBOX_LABEL_MAX || s[i - 1] == '-' ||
			    s[i - label] == '-')
				return false;
			label = 0;
			i++;
			continue;
		}
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			if (!is_alnum(c) && c != '-')
				return false;
			label++;
			i++;
		} else {
			size_t u = utf8_nonascii_len(s, n, i);
			if (u == 0)
				return false;
			label += u;
			i += u;
		}
	}
	return true;
}

/* address-literal = "[" ( IPv4 / "IPv6:" IPv6 / tag ":" 1*dcontent ) "]" */
static bool address_literal(const char *s, size_t n)
{
	if (n < 3 || s[0] != '[' || s[n - 1] != ']' || n - 2 >= MAILBOX_LITERAL_MAX)
		return false;
	char in[MAILBOX_LITERAL_MAX];
	memcpy(in, s + 1, n - 2);
	in[n - 2] = '\0';
	unsigned char addr[16];
	if (strncmp(in, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, in + 5, addr) == 1;
	const char *colon = strchr(in, ':');
	if (colon == NULL)
		return inet_pton(AF_INET, in, addr) == 1;
	/* General-address-literal: Standardized-tag = Ldh-str. */
	size_t tag = (size_t)(colon - in);
	if (tag == 0 || in[tag - 1] == '-' || colon[1] == '\0')
		return false;
	for (size_t i = 0; i < tag; i++)
		if (!is_alnum((unsigned char)in[i]) && in[i] != '-')
			return false;
	for (const char *p = colon + 1; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 33 || c > 126 || (c >= 91 && c <= 93))
			return false;
	}
	return true;
}

/* Where the local part ends: after its closing quote for a Quoted-string,
 * else at the first "@" (a Dot-string holds none). */
static size_t local_part_len(const char *s, size_t len)
{
	if (len > 0 && s[0] == '"') {
		for (size_t i = 1; i < len; i++) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				return i + 1;
		}
		return len;
	}
	const char *at = memchr(s, '@', len);
	return at != NULL ? (size_t)(at - s) : len;
}

/* The first reason found by looking at the bytes alone, NULL if none. */
static const char *mailbox_bytes_problem(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 32 || c == 127)
			return "it holds a control character";
		if (c >= 0x80) {
			size_t u = utf8_nonascii_len(s, len, i);
			if (u == 0)
				return "it holds bytes that are not UTF-8";
			i += u;
		} else {
			i++;
		}
	}
	return NULL;
}

const char *mailbox_check(const char *s, size_t len, unsigned flags)
{
	if (s == NULL)
		len = 0;
	if (len == 0)
		return (flags & MAILBOX_EMPTY_OK) ? NULL : "it is empty";
	const char *bytes = mailbox_bytes_problem(s, len);
	if (bytes != NULL)
		return bytes;
	size_t local = local_part_len(s, len);
	bool quoted = s[0] == '"';
	if (!(quoted ? quoted_string(s, local) : dot_string(s, local))) {
		if (!quoted && (memchr(s, '<', local) != NULL || memchr(s, '>', local) != NULL))
			return "\"<\" and \">\" cannot stand in a local part";
		if (!quoted && memchr(s, ' ', local) != NULL)
			return "a space outside quotes";
		if (local == 0)
			return "the local part (before \"@\") is empty";
		return quoted ? "the quoted local part is not closed or holds a bad character"
		              : "the local part is neither a dot-atom nor a quoted string";
	}
	if (local == len)
		return (flags & MAILBOX_LOCAL_OK) ? NULL : "no \"@domain\"";
	if (s[local] != '@')
		return "text after the quoted local part";
	const char *dom = s + local + 1;
	size_t dlen = len - local - 1;
	bool ok = dlen > 0 && dom[0] == '[' ? address_literal(dom, dlen) : domain_name(dom, dlen);
	if (!ok)
		return "the domain is neither a host name nor an address literal";
	return NULL;
}

bool mailbox_domain_ok(const char *s, size_t len, bool ascii_only)
{
	if (s == NULL || mailbox_bytes_problem(s, len) != NULL)
		return false;
	for (size_t i = 0; ascii_only && i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return domain_name(s, len);
}

bool mailbox_quoting_helps(const char *s, size_t len, unsigned flags)
{
	if (s == NULL || len == 0 || s[0] == '"' || mailbox_check(s, len, flags) == NULL)
		return false;
	const char *at = memrchr(s, '@', len);
	size_t local = at != NULL ? (size_t)(at - s) : len;
	char buf[512];
	if (local == 0 || len + 3 > sizeof buf)
		return false;
	size_t n = 0;
	buf[n++] = '"';
	for (size_t i = 0; i < local; i++) {
		if (s[i] == '"' || s[i] == '\\')
			return false;
		buf[n++] = s[i];
	}
	buf[n++] = '"';
	memcpy(buf + n, s + local, len - local);
	n += len - local;
	return mailbox_check(buf, n, flags) == NULL;
}
