/*
 * dsn.c - RFC 3461 DSN parameter values (dsn.h).
 */
#include "dsn.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* RFC 3461 4.1's NOTIFY keywords (NEVER alone, the others in a list) and
 * 4.3's RET values: one table each, for the checks and the shell
 * completion's lists. */
static const char *const notify_words[] = { "NEVER", "SUCCESS", "FAILURE", "DELAY" };
static const char *const ret_words[] = { "FULL", "HDRS" };

const char *dsn_notify_word(size_t i)
{
	return i < sizeof notify_words / sizeof notify_words[0] ? notify_words[i] : NULL;
}

const char *dsn_ret_word(size_t i)
{
	return i < sizeof ret_words / sizeof ret_words[0] ? ret_words[i] : NULL;
}

const char *dsn_notify_check(const char *s)
{
	const char *const *words = notify_words + 1;      /* after NEVER */
	const size_t nwords = sizeof notify_words / sizeof notify_words[0] - 1;
	if (s == NULL || s[0] == '\0')
		return "it is empty";
	if (strcasecmp(s, notify_words[0]) == 0)
		return NULL;
	unsigned seen = 0;
	for (const char *p = s;;) {
		size_t n = strcspn(p, ",");
		size_t k = 0;
		while (k < nwords && !(strlen(words[k]) == n && strncasecmp(p, words[k], n) == 0))
			k++;
		if (k == nwords)
			return "NEVER, or SUCCESS, FAILURE and DELAY joined by commas (RFC 3461 4.1)";
		if (seen & (1u << k))
			return "a keyword is given twice (RFC 3461 4.1)";
		seen |= 1u << k;
		if (p[n] == '\0')
			return NULL;
		p += n + 1;
	}
}

const char *dsn_ret_check(const char *s)
{
	for (size_t i = 0; s != NULL && dsn_ret_word(i) != NULL; i++)
		if (strcasecmp(s, ret_words[i]) == 0)
			return NULL;
	return "FULL or HDRS (RFC 3461 4.3)";
}

const char *dsn_envid_check(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;
	if (n == 0 || n > DSN_ENVID_MAX)
		return "1 to 100 characters (RFC 3461 4.4)";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 32 || (unsigned char)s[i] > 126)
			return "printable ASCII only (RFC 3461 4.4)";
	return NULL;
}

bool dsn_xtext(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	if (cap == 0)
		return false;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = c >= 33 && c <= 126 && c != '+' && c != '=';
		if (n + (plain ? 1 : 3) >= cap) {
			out[0] = '\0';
			return false;
		}
		if (plain)
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, cap - n, "+%02X", c);
	}
	out[n] = '\0';
	return true;
}
