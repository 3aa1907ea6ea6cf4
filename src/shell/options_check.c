/*
 * options_check.c - option values checked against their grammars before
 * any connection (issue 17): the sender and recipients are RFC 5321
 * mailboxes, subject and headers hold no control but TAB (core message.c),
 * the DSN values are RFC 3461's (core dsn.c), the TLS server name is an
 * ASCII host name of at most 255 octets (RFC 6066 3).  A value that fails
 * is named with its option on `err`, and nothing is connected.  Called by
 * options_parse, so the command line and the shell's `message` agree.
 *
 * Files too: --output, --transcript, --cert and --key that name a FIFO, a
 * socket or a directory are refused (open(2) of a FIFO with no peer blocks
 * for ever); a device such as /dev/null is fine.  --output naming the
 * --lookup file is refused (it would empty the names before they are
 * read); the results of a run continue in their own file with --resume F
 * --output F.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dsn.h"
#include "mailbox.h"
#include "mime.h"
#include "options.h"
#include "recipe.h"

/* The user's text in a message: cut, and controls shown as "?". */
static void options_show(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s != '\0' && n + 1 < cap && n < 60; s++)
		out[n++] = ((unsigned char)*s < 32 || *s == 127) ? '?' : *s;
	out[n] = '\0';
}

static bool options_bad(FILE *err, const char *opt, const char *value, const char *why)
{
	char shown[64];
	options_show(shown, sizeof shown, value);
	fprintf(err, "smtpsh: %s \"%s\": %s; nothing was sent\n", opt, shown, why);
	return false;
}

static bool options_check_address(FILE *err, const char *opt, const char *addr, unsigned flags)
{
	const char *why = mailbox_check(addr, strlen(addr), flags);
	if (why == NULL)
		return true;
	char hint[160] = "";
	if (mailbox_quoting_helps(addr, strlen(addr), flags))
		snprintf(hint, sizeof hint, " (quote the local part: \"like this\"@domain)");
	char text[256];
	snprintf(text, sizeof text, "not an RFC 5321 mailbox: %s%s", why, hint);
	return options_bad(err, opt, addr, text);
}

/* A path that exists and is no regular file or device; ENOENT is fine. */
static bool options_check_path(FILE *err, const char *opt, const char *path)
{
	struct stat st;
	if (path == NULL || stat(path, &st) != 0)
		return true;
	if (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))
		return true;
	fprintf(err, "smtpsh: %s %.200s is a %s, not a file; nothing was done\n", opt, path,
	    S_ISFIFO(st.st_mode) ? "FIFO" : S_ISDIR(st.st_mode) ? "directory"
	    : S_ISSOCK(st.st_mode) ? "socket" : "special file");
	return false;
}

static bool options_same_file(const char *x, const char *y)
{
	struct stat a, b;
	return x != NULL && y != NULL && stat(x, &a) == 0 && stat(y, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool options_check_files(const struct smtpsh_args *a, FILE *err)
{
	if (!options_check_path(err, "--output", a->output) ||
	    !options_check_path(err, "--transcript", a->transcript) ||
	    !options_check_path(err, "--cert", a->cert) || !options_check_path(err, "--key", a->key))
		return false;
	if (options_same_file(a->output, a->lookup)) {
		fprintf(err, "smtpsh: --output %.200s is the --lookup names file: it would be emptied "
		    "before it is read (to continue a run into its own results: --resume F --output F)\n",
		    a->output);
		return false;
	}
	return true;
}

/* RFC 5321 4.1.1.1: EHLO's argument is a Domain or an address-literal,
 * in ASCII (A-labels). */
static bool options_helo_ok(const char *helo)
{
	char probe[300];
	size_t n = strlen(helo);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)helo[i] >= 0x80)
			return false;
	if (n + 3 > sizeof probe)
		return false;
	snprintf(probe, sizeof probe, "x@%s", helo);
	return mailbox_check(probe, n + 2, 0) == NULL;
}

bool options_check_values(const struct smtpsh_args *a, FILE *err)
{
	if (!options_check_files(a, err))
		return false;
	const struct message_opts *m = &a->msg;
	/* --from may be <> (the null sender) for a lookup's MAIL; a message
	 * needs a mailbox, which message_open says. */
	if (m->from != NULL && !options_check_address(err, "--from", m->from, MAILBOX_EMPTY_OK))
		return false;
	for (size_t i = 0; i < m->nto; i++)
		if (!options_check_address(err, "--to", m->to[i], 0))
			return false;
	if (m->subject != NULL && !mime_header_text_ok(m->subject))
		return options_bad(err, "--subject", m->subject,
		    "a control character (only TAB may stand in a header)");
	for (size_t i = 0; i < m->nheaders; i++) {
		const char *h = m->headers[i];
		const char *colon = strchr(h, ':');
		if (colon == NULL || !mime_header_name_ok(h, (size_t)(colon - h)) ||
		    !mime_header_text_ok(colon + 1))
			return options_bad(err, "--header", h, "wants one line \"Name: value\" "
			    "(a printable name, no control character but TAB)");
	}
	const char *why;
	if (m->notify != NULL && (why = dsn_notify_check(m->notify)) != NULL)
		return options_bad(err, "--notify", m->notify, why);
	if (m->ret != NULL && (why = dsn_ret_check(m->ret)) != NULL)
		return options_bad(err, "--ret", m->ret, why);
	if (m->envid != NULL && (why = dsn_envid_check(m->envid)) != NULL)
		return options_bad(err, "--envid", m->envid, why);
	if (a->helo != NULL && !options_helo_ok(a->helo))
		return options_bad(err, "--helo", a->helo, "wants a domain or an address literal such "
		    "as [192.0.2.1] (RFC 5321 4.1.1.1)");
	if (a->domain != NULL && !mailbox_domain_ok(a->domain, strlen(a->domain), false))
		return options_bad(err, "--domain", a->domain, "wants a domain name (RFC 5321 4.1.2)");
	for (size_t i = 0; i < a->nxclient; i++) {
		struct smtp_error xerr;
		if (recipe_xclient_check(a->xclient[i], &xerr) != SMTP_OK)
			return options_bad(err, "--xclient", a->xclient[i], xerr.msg);
	}
	if (a->verify_name != NULL && !mailbox_domain_ok(a->verify_name, strlen(a->verify_name),
	    true))
		return options_bad(err, "--verify-name", a->verify_name, "wants an ASCII host name "
		    "(RFC 6125)");
	if (a->sni != NULL && !mailbox_domain_ok(a->sni, strlen(a->sni), true))
		return options_bad(err, "--sni", a->sni, "wants an ASCII host name of at most 255 "
		    "octets (RFC 6066 3)");
	return true;
}
