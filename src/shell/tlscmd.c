/*
 * tlscmd.c - the shell's STARTTLS and `tls`.  The
 * protocol work is the core's (session_start_tls, tls.c); this file decides
 * what the user sees: the verification result, the bytes discarded after
 * the 220 (STARTTLS injection, RFC 3207 5), and the EHLO sent again after
 * the handshake (RFC 3207 4.2: what was learnt before TLS is forgotten, so
 * smtpsh asks again, as swaks does).  Implicit TLS at connect is
 * connect.c's.
 */
#include <stdio.h>
#include <string.h>

#include "shell.h"
#include "smtp_limits.h"

/* RFC 3207 4.2: EHLO again with the domain given before the handshake. */
static void shell_ehlo_again(struct shell *sh, const char *domain)
{
	char name[256];
	if (domain[0] == '\0')
		(void)shell_local_domain(sh, name, sizeof name);
	else
		snprintf(name, sizeof name, "%s", domain);
	char wire[SMTP_COMMAND_LINE_MAX];
	size_t wlen;
	struct smtp_error err;
	const struct verb *ehlo = verb_by_id(VERB_EHLO);
	if (verb_format_command(ehlo, name, strlen(name), wire, sizeof wire, &wlen, &err) != SMTP_OK) {
		shell_fail(sh, "ehlo", &err);
		return;
	}
	out_note(&sh->out, N_("what the server said before TLS is forgotten (RFC 3207 4.2): "
	    "asking again with EHLO"));
	struct session_reply r;
	session_reply_init(&r);
	if (shell_exchange(sh, ehlo, wire, wlen, &r) != 0)
		shell_maybe_stop(sh, &r);
	session_reply_free(&r);
}

void shell_starttls(struct shell *sh)
{
	struct smtp_error err;
	if (session_tls_active(sh->sess)) {
		shell_usage_error(sh, N_("TLS is already active: RFC 3207 4.2 forbids a second STARTTLS; "
		    "nothing was sent"));
		return;
	}
	char domain[256];
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

	struct tls_options o;
	shell_tls_options(sh, session_host(sh->sess), &o);
	struct tls_info info;
	memset(&info, 0, sizeof info);
	struct strbuf injected;
	strbuf_init(&injected, 64 * 1024);
	size_t discarded = 0;
	enum smtp_errkind k = session_start_tls(sh->sess, &o, &info, &discarded, &injected, &err);
	if (discarded > 0) {
		out_warning(&sh->out, N_("bytes the server sent after its 220 and before the TLS "
		    "handshake were discarded, never read as replies (STARTTLS injection, RFC 3207 5; "
		    "%zu bytes): %.*s"), discarded,
		    (int)(injected.len > 200 ? 200 : injected.len), strbuf_str(&injected));
		shell_transcript_note(sh, "%zu bytes after the 220 to STARTTLS discarded", discarded);
	}
	strbuf_free(&injected);
	if (info.version[0] != '\0') {
		sh->tls = info;
		sh->tls_known = true;
	}
	if (k != SMTP_OK) {
		if (k == SMTP_ERR_CANCELLED)
			shell_cancelled(sh, "tls");
		shell_fail(sh, "tls", &err);
		return;
	}
	shell_transcript_note(sh, "TLS started: %s %s, verification: %s", info.version,
	    info.cipher, info.verified ? "ok" : info.verify_text);
	out_tls(&sh->out, "starttls", &info);
	sh->recipe.starttls = true;
	shell_ehlo_again(sh, domain);
}

void shell_tls_show(struct shell *sh)
{
	if (!sh->tls_known) {
		out_note(&sh->out, N_("no TLS handshake in this session (starttls, or connect with --tls)"));
		return;
	}
	out_tls(&sh->out, "show", &sh->tls);
}
