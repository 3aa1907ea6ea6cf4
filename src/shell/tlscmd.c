/*
 * tlscmd.c - the shell's STARTTLS and `tls`: the command sent with what
 * smtpsh notices first (not advertised, a second STARTTLS refused), then
 * the connection recipe's handshake step (recipe.h: the bytes discarded
 * after the 220, STARTTLS injection, RFC 3207 5; the verification result;
 * EHLO again, RFC 3207 4.2), shown by recipe_view.c; `tls` shows what the
 * handshake found and `tls --save FILE` writes the server's chain as PEM.
 * Implicit TLS at connect is connect.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "shell.h"
#include "smtp_limits.h"
#include "tokenize.h"

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

/* `tls --save FILE`: the chain as the server sent it, PEM, leaf first
 * (swaks' --tls-get-peer-cert), from the live TLS connection. */
static void shell_tls_save(struct shell *sh, const char *path)
{
	struct strbuf pem;
	strbuf_init(&pem, 1024 * 1024);
	size_t count = 0;
	struct smtp_error err;
	enum smtp_errkind k = !session_is_open(sh->sess) ?
	    smtp_error_set(&err, SMTP_ERR_STATE, 0, "not connected: tls --save needs the TLS "
	    "connection the certificates came on") :
	    session_tls_chain_pem(sh->sess, &pem, &count, &err);
	FILE *f = NULL;
	if (k == SMTP_OK && (f = fopen(path, "w")) == NULL)
		k = smtp_error_set(&err, SMTP_ERR_FILE, errno, "cannot write %.200s: %s", path,
		    strerror(errno));
	if (f != NULL) {
		bool ok = fwrite(pem.data, 1, pem.len, f) == pem.len;
		if (fclose(f) != 0 || !ok)
			k = smtp_error_set(&err, SMTP_ERR_FILE, errno, "cannot write %.200s: %s", path,
			    strerror(errno));
	}
	strbuf_free(&pem);
	if (k != SMTP_OK) {
		shell_fail(sh, "tls", &err);
		return;
	}
	out_note(&sh->out, P_("saved %zu certificate, as PEM, to %s",
	    "saved %zu certificates, as PEM, leaf first, to %s", count), count, path);
}

void shell_tls_command(struct shell *sh, const struct tokens *t)
{
	if (t->count == 3 && strcmp(t->word[1], "--save") == 0) {
		shell_tls_save(sh, t->word[2]);
		return;
	}
	if (t->count != 1) {
		shell_usage_error(sh, N_("tls shows the TLS session; tls --save FILE writes the "
		    "server's certificates to FILE as PEM"));
		return;
	}
	shell_tls_show(sh);
}

void shell_tls_show(struct shell *sh)
{
	if (!sh->tls.known) {
		out_note(&sh->out, N_("no TLS handshake in this session (starttls, or connect with --tls)"));
		return;
	}
	out_tls(&sh->out, "show", &sh->tls.info);
}
