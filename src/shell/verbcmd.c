/*
 * verbcmd.c - an SMTP verb typed in the shell: what it needs before it is
 * sent (a default domain for HELO/EHLO, a body for DATA, TLS and AUTH's
 * own exchanges), what smtpsh notices about it (parameters the server did
 * not advertise), and what follows its reply (TURN).  HELO, EHLO and LHLO
 * are the connection recipe's hello step (recipe.h), with its one
 * EHLO-to-HELO fallback.  Behaviour is read from the verb table's flags (verbs.h), never
 * from a verb's name.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "shell.h"
#include "smtp_limits.h"

/* ESMTP parameters of MAIL and RCPT, and the extension each needs. */
static const struct { const char *param; const char *ext; const char *rfc; } verb_params[] = {
	{ "SIZE", "SIZE", "RFC 1870" },
	{ "BODY", "8BITMIME", "RFC 6152" },
	{ "SMTPUTF8", "SMTPUTF8", "RFC 6531" },
	{ "RET", "DSN", "RFC 3461" },
	{ "ENVID", "DSN", "RFC 3461" },
	{ "NOTIFY", "DSN", "RFC 3461" },
	{ "ORCPT", "DSN", "RFC 3461" },
	{ "AUTH", "AUTH", "RFC 4954" },
	{ "REQUIRETLS", "REQUIRETLS", "RFC 8689" },
	{ "MT-PRIORITY", "MT-PRIORITY", "RFC 6710" },
};

/* A note for each parameter on the line that the server did not advertise. */
static void verb_note_params(struct shell *sh, const char *wire, size_t len)
{
	const char *gt = memchr(wire, '>', len);
	if (gt == NULL)
		return;
	const struct ehlo_set *ext = session_extensions(sh->sess);
	const char *p = gt + 1, *end = wire + len;
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		const char *w = p;
		while (p < end && *p != ' ' && *p != '=')
			p++;
		size_t wl = (size_t)(p - w);
		while (p < end && *p != ' ')
			p++;
		for (size_t i = 0; wl > 0 && i < sizeof verb_params / sizeof verb_params[0]; i++) {
			if (strlen(verb_params[i].param) != wl || strncasecmp(w, verb_params[i].param, wl) != 0)
				continue;
			if (!ext->valid || ehlo_find(ext, verb_params[i].ext) == NULL)
				out_note(&sh->out, N_("the server did not advertise %s (%s), so it may refuse "
				    "the %s parameter"), verb_params[i].ext, verb_params[i].rfc,
				    verb_params[i].param);
		}
	}
}

static bool verb_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* HELO, EHLO or LHLO: the recipe's hello step, shown, with its one
 * fallback from EHLO to HELO (RFC 5321 4.1.1.1). */
static void verb_hello(struct shell *sh, const struct verb *v, const char *arg, size_t arglen,
    bool unqualified)
{
	if (!shell_settle(sh))
		return;
	char domain[SMTP_COMMAND_LINE_MAX];
	snprintf(domain, sizeof domain, "%.*s", (int)arglen, arg);
	struct shell_view view;
	shell_view_init(&view, sh, true);
	if (unqualified) {
		view.unqualified = domain;
		view.unqualified_verb = v->name;
	}
	int code = 0;
	struct smtp_error err;
	enum smtp_errkind k = recipe_hello(sh->sess, &sh->recipe, v->id, domain, &view.obs, &code,
	    &err);
	if (k == SMTP_ERR_CANCELLED)
		shell_cancelled(sh, NULL);
	else if (k != SMTP_OK)
		shell_fail(sh, NULL, &err);
	else
		shell_maybe_stop_code(sh, code);
}

void shell_run_verb(struct shell *sh, const struct verb *v, const char *arg, size_t arglen)
{
	if (v->flags & VERB_F_STARTS_TLS) {
		if (arglen > 0)
			shell_usage_error(sh, N_("starttls takes no argument"));
		else
			shell_starttls(sh);
		return;
	}
	if (v->flags & VERB_F_SENSITIVE) {
		shell_auth(sh, arg, arglen);
		return;
	}
	if (v->flags & VERB_F_RESTARTS) {
		(void)shell_xclient(sh, arg, arglen);
		return;
	}
	if (v->flags & VERB_F_BODY) {
		shell_data(sh, arg, arglen);
		return;
	}
	if (v->flags & VERB_F_CHUNK) {
		shell_bdat(sh, arg, arglen);
		return;
	}
	if (sh->conn.lmtp && (v->flags & VERB_F_HELLO))
		v = verb_by_id(VERB_LHLO);      /* --lmtp: LMTP's hello (RFC 2033 4.1) */
	if ((v->flags & VERB_F_SWAPS_ROLES) && session_is_open(sh->sess) &&
	    session_tls_active(sh->sess)) {
		shell_usage_error(sh, N_("%s under TLS is not served: the turned session would go on "
		    "inside TLS; nothing was sent"), v->name);
		return;
	}
	char domain[SMTP_DOMAIN_MAX + 1];
	bool unqualified = false;
	if ((v->flags & VERB_F_HELLO) && arglen == 0) {
		unqualified = !shell_local_domain(sh, domain, sizeof domain);
		arg = domain;
		arglen = strlen(domain);
	}
	if ((v->flags & (VERB_F_OPENS_MAIL | VERB_F_RECIPIENT)) && !verb_ascii(arg, arglen)) {
		const struct ehlo_set *ext = session_extensions(sh->sess);
		if (!ext->valid || ehlo_find(ext, "SMTPUTF8") == NULL) {
			shell_usage_error(sh, N_("a UTF-8 address needs SMTPUTF8 (RFC 6531), which the server "
			    "did not advertise; nothing was sent"));
			return;
		}
	}
	char wire[SMTP_COMMAND_LINE_MAX];
	size_t wlen = 0;
	struct smtp_error err;
	if (verb_format_command(v, arg, arglen, wire, sizeof wire, &wlen, &err) != SMTP_OK) {
		shell_fail(sh, "shell", &err);
		return;
	}
	if (v->flags & VERB_F_HELLO) {
		verb_hello(sh, v, arg, arglen, unqualified);
		return;
	}
	unsigned long seq;
	if (!shell_send_line(sh, v, wire, wlen, &seq))
		return;
	if (unqualified)
		out_warning(&sh->out, N_("no fully qualified name for this machine; sent \"%s\" "
		    "(give one: %s DOMAIN)"), domain, v->name);
	if (v->flags & (VERB_F_OPENS_MAIL | VERB_F_RECIPIENT))
		verb_note_params(sh, wire, wlen);
	struct session_reply r;
	session_reply_init(&r);
	int code = shell_collect(sh, seq, &r);
	if ((v->flags & VERB_F_SWAPS_ROLES) && code == 250 &&
	    session_state(sh->sess) == SMTP_ST_TURNED)
		shell_turned(sh);
	else if (code != 0)
		shell_maybe_stop(sh, &r);
	session_reply_free(&r);
}
