/*
 * lookup_verdict.c - what one reply to a lookup says about a name (lookup.h):
 * the verdict table, the names and meanings of methods and verdicts (the
 * ones `explain` and the man page show), the addresses a reply names and
 * the address an RCPT probe sends.  Pure: no I/O, no allocation.
 *
 * The meanings are marked N_() (i18n.h): the shell translates them where
 * a person reads them; the names are identifiers and stay English.
 *
 * RFC 5321 3.5.3: 252 means the server will not say ("cannot verify"),
 * never that the name exists.  3.4 and 3.5.4: 251 and 551 give a forward
 * address.  RFC 821 4.1.1: 553 to VRFY lists the possibilities of an
 * ambiguous name.  RFC 3463: X.7.X is security or policy, X.1.X addressing.
 */
#include "lookup.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"

static const char *const method_names[] = {
	[LOOKUP_AUTO] = "auto", [LOOKUP_VRFY] = "vrfy", [LOOKUP_EXPN] = "expn",
	[LOOKUP_RCPT] = "rcpt",
};
_Static_assert(sizeof method_names / sizeof method_names[0] == LOOKUP_METHOD__COUNT,
    "a name for every lookup method");

static const struct {
	const char *name;
	const char *meaning;
} verdict_table[] = {
	[LOOKUP_EXISTS] = { "exists",
	    N_("the server says the name is a mailbox or a list it delivers to "
	    "(250; 251: it forwards, and the reply gives the new address)") },
	[LOOKUP_AMBIGUOUS] = { "ambiguous",
	    N_("the name matches several mailboxes (553 to VRFY, RFC 821 4.1.1); "
	    "the reply lists the possibilities") },
	[LOOKUP_UNKNOWN] = { "unknown",
	    N_("the server says no such mailbox here (550, 5.1.x, a refused address "
	    "syntax; 551: the user is elsewhere, and the reply says where)") },
	[LOOKUP_CANNOT_VERIFY] = { "cannot-verify",
	    N_("the server will not say (252, RFC 5321 3.5.3, or VRFY/EXPN not "
	    "implemented): never counted as exists") },
	[LOOKUP_ACCEPTED] = { "accepted",
	    N_("RCPT was accepted, but the domain accepts any name (a catch-all: a "
	    "random name was accepted too), so this is no proof the mailbox exists") },
	[LOOKUP_REJECTED] = { "rejected",
	    N_("the server refused to answer for policy reasons (5.7.x, 554, or "
	    "another refusal that says nothing about the name)") },
	[LOOKUP_TEMPORARY] = { "temporary",
	    N_("only temporary answers (4xx) came, after every retry (--retries): "
	    "ask again later") },
	[LOOKUP_UNTESTED] = { "untested",
	    N_("no answer: the connection could not be made or kept, the run was "
	    "stopped, or the reply could not be read; reason says which") },
};
_Static_assert(sizeof verdict_table / sizeof verdict_table[0] == LOOKUP_VERDICT__COUNT,
    "a name and a meaning for every lookup verdict");

const char *lookup_method_name(enum lookup_method m)
{
	return m < LOOKUP_METHOD__COUNT ? method_names[m] : "?";
}

bool lookup_method_parse(const char *s, enum lookup_method *m)
{
	for (int i = 0; i < LOOKUP_METHOD__COUNT; i++) {
		if (strcasecmp(s, method_names[i]) == 0) {
			*m = (enum lookup_method)i;
			return true;
		}
	}
	return false;
}

const char *lookup_verdict_name(enum lookup_verdict v)
{
	return v < LOOKUP_VERDICT__COUNT ? verdict_table[v].name : "?";
}

bool lookup_verdict_parse(const char *s, size_t len, enum lookup_verdict *v)
{
	for (int i = 0; i < LOOKUP_VERDICT__COUNT; i++) {
		if (strlen(verdict_table[i].name) == len && memcmp(s, verdict_table[i].name, len) == 0) {
			*v = (enum lookup_verdict)i;
			return true;
		}
	}
	return false;
}

const char *lookup_verdict_meaning(enum lookup_verdict v)
{
	return v < LOOKUP_VERDICT__COUNT ? verdict_table[v].meaning : "";
}

static void lookup_text_set(struct lookup_text *t, const char *s, size_t len)
{
	if (len > sizeof t->text - 1)
		len = sizeof t->text - 1;
	memcpy(t->text, s, len);
	t->text[len] = '\0';
	t->len = len;
}

static bool lookup_word_char(char c)
{
	return c != ' ' && c != '\t' && c != '<' && c != '>' && c != ',' && c != ';' &&
	    c != '"' && c != '(' && c != ')';
}

/* The words holding '@' on one line (trailing '.' or ':' dropped). */
static size_t lookup_words_with_at(const char *s, size_t len, struct lookup_text *out, size_t max)
{
	size_t n = 0, i = 0;
	while (i < len && n < max) {
		while (i < len && !lookup_word_char(s[i]))
			i++;
		size_t start = i;
		while (i < len && lookup_word_char(s[i]))
			i++;
		size_t end = i;
		while (end > start && (s[end - 1] == '.' || s[end - 1] == ':'))
			end--;
		if (end > start && memchr(s + start, '@', end - start) != NULL)
			lookup_text_set(&out[n++], s + start, end - start);
	}
	return n;
}

size_t lookup_addresses(const struct smtp_reply *r, struct lookup_text *out, size_t max)
{
	size_t n = 0;
	for (size_t l = 0; l < r->nlines && n < max; l++) {
		const char *s = r->lines[l].text;
		size_t len = r->lines[l].len;
		size_t before = n;
		for (size_t i = 0; i < len && n < max; i++) {
			if (s[i] != '<')
				continue;
			const char *gt = memchr(s + i + 1, '>', len - i - 1);
			if (gt == NULL)
				break;
			size_t alen = (size_t)(gt - (s + i + 1));
			if (alen > 0 && alen <= LOOKUP_NAME_MAX)
				lookup_text_set(&out[n++], s + i + 1, alen);
			i = (size_t)(gt - s);
		}
		if (n == before)
			n += lookup_words_with_at(s, len, out + n, max - n);
	}
	return n;
}

static bool lookup_mentions(const struct smtp_reply *r, const char *word)
{
	size_t wl = strlen(word);
	for (size_t l = 0; l < r->nlines; l++)
		for (size_t i = 0; i + wl <= r->lines[l].len; i++)
			if (strncasecmp(r->lines[l].text + i, word, wl) == 0)
				return true;
	return false;
}

bool lookup_wants_domain(const struct smtp_reply *r)
{
	return r->code == 501 && lookup_mentions(r, "domain");
}

/* RFC 3463 subject digit of the reply's enhanced code, -1 when none (or a
 * subject of more than one digit). */
static int lookup_enhanced_subject(const struct smtp_reply *r)
{
	return r->enh.cls != 0 && r->enh.subject <= 9 ? r->enh.subject : -1;
}

static enum lookup_verdict lookup_verdict_of(enum lookup_method m, const struct smtp_reply *r,
    size_t naddr)
{
	int code = r->code;
	int subject = lookup_enhanced_subject(r);
	bool asks = m == LOOKUP_VRFY || m == LOOKUP_EXPN;
	if (code < 200 || code > 599 || code / 100 == 3)
		return LOOKUP_UNTESTED;
	if (code / 100 == 4)
		return LOOKUP_TEMPORARY;
	if (code == 250 || code == 251)
		return LOOKUP_EXISTS;
	if (code / 100 == 2)
		return LOOKUP_CANNOT_VERIFY;
	if (subject == 7 || code == 554)
		return LOOKUP_REJECTED;
	if (code == 553)
		return naddr >= 2 || lookup_mentions(r, "ambiguous") ? LOOKUP_AMBIGUOUS : LOOKUP_UNKNOWN;
	if (code == 550 || code == 551 || code == 501 || subject == 1)
		return LOOKUP_UNKNOWN;
	if (asks && (code == 500 || code == 502 || code == 504))
		return LOOKUP_CANNOT_VERIFY;
	return LOOKUP_REJECTED;
}

enum lookup_verdict lookup_classify(enum lookup_method m, const struct smtp_reply *r,
    bool catch_all, struct lookup_result *out)
{
	out->code = r->code;
	snprintf(out->enhanced, sizeof out->enhanced, "%s", r->enhanced);
	out->nlines = 0;
	for (size_t l = 0; l < r->nlines && out->nlines < LOOKUP_LINES_KEEP; l++)
		lookup_text_set(&out->lines[out->nlines++], r->lines[l].text, r->lines[l].len);
	out->lines_dropped = r->nlines - out->nlines + r->lines_dropped;
	out->naddresses = 0;
	int code = r->code;
	if (code == 250 || code == 251 || code == 551 || code == 553)
		out->naddresses = lookup_addresses(r, out->addresses, LOOKUP_ADDRESSES_MAX);
	enum lookup_verdict v = lookup_verdict_of(m, r, out->naddresses);
	if (v == LOOKUP_EXISTS && catch_all)
		v = LOOKUP_ACCEPTED;
	out->verdict = v;
	return v;
}

bool lookup_rcpt_address(const char *name, const char *domain, char *out, size_t cap)
{
	size_t len = strlen(name);
	if (len >= 2 && name[0] == '<' && name[len - 1] == '>') {
		name++;
		len -= 2;
	}
	int n;
	if (memchr(name, '@', len) == NULL && domain != NULL && domain[0] != '\0')
		n = snprintf(out, cap, "%.*s@%s", (int)len, name, domain);
	else
		n = snprintf(out, cap, "%.*s", (int)len, name);
	return n >= 0 && (size_t)n < cap;
}
