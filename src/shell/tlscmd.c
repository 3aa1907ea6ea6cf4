/*
 * tlscmd.c - the shell's STARTTLS and `tls`: the command sent with what
 * smtpsh notices first (not advertised, a second STARTTLS refused), then
 * the connection recipe's handshake step (recipe.h: the bytes discarded
 * after the 220, STARTTLS injection, RFC 3207 5; the verification result;
 * EHLO again, RFC 3207 4.2), shown by recipe_view.c.  Implicit TLS at
 * connect is connect.c's.
 */
#include <stdio.h>
#include <string.h>

#include "shell.h"
#include "smtp_limits.h"

void shell_starttls(struct shell *sh)
{
	struct smtp_error err;
	if (session_tls_active(sh->sess)) {
		shell_usage_error(sh, N_("TLS is already active: RFC 3207 4.2 forbids a second STARTTLS; "
		    "nothing was sent"));
		return;
	}
	char domain[SMTP_DOMAIN_MAX + 1];
	snprintf(domain, sizeof domain, "%s", session_helo_domain(sh->sess));
	unsigned long seq;
	if (!shell_send_line(sh, verb_by_id(VERB_STARTTLS), "STARTTLS", 8, &seq))
		return;
	const struct ehlo_set *ext = session_extensions(sh->sess);
	if (ext->valid && ehlo_find(ext, "STARTTLS") == NULL)
		out_note(&sh->out, N_("the server did not advertise STARTTLS in its EHLO reply"));
	else if (!ext->valid)
		out_note(&sh->out, N_("no EHLO reply in this session: nothing says the server did "
		    "advertise STARTTLS"));
	struct session_reply r;
	session_reply_init(&r);
	int code = shell_collect(sh, seq, &r);
	bool go = session_tls_pending(sh->sess);
	if (code != 0 && !go)
		out_note(&sh->out, N_("no TLS: the connection is still plaintext"));
	if (code != 0)
		shell_maybe_stop(sh, &r);
	session_reply_free(&r);
	if (!go || sh->stop)
		return;

	/* The handshake, and EHLO again (RFC 3207 4.2: what was learnt before
	 * TLS is forgotten, so smtpsh asks again, as swaks does). */
	struct tls_options o;
	shell_tls_options(sh, session_host(sh->sess), &o);
	if (domain[0] == '\0')
		(void)shell_local_domain(sh, domain, sizeof domain);
	struct shell_view v;
	shell_view_init(&v, sh, true);
	struct tls_info info;
	bool before = sh->recipe.starttls;
	enum smtp_errkind k = recipe_tls_handshake(sh->sess, &sh->recipe, &o, domain, &v.obs, &info,
	    &err);
	bool shook = sh->recipe.starttls && !before;
	if (k == SMTP_ERR_CANCELLED)
		shell_cancelled(sh, shook ? NULL : "tls");
	if (k != SMTP_OK && (k != SMTP_ERR_CANCELLED || !shook))
		shell_fail(sh, shook ? "ehlo" : "tls", &err);
	else if (k == SMTP_OK)
		shell_maybe_stop_code(sh, v.last_code);
}

void shell_tls_show(struct shell *sh)
{
	if (!sh->tls.known) {
		out_note(&sh->out, N_("no TLS handshake in this session (starttls, or connect with --tls)"));
		return;
	}
	out_tls(&sh->out, "show", &sh->tls.info);
}
