/*
 * tlscmd.c - the shell's STARTTLS, implicit TLS (--tls), `tls` and AUTH.
 * The protocol work is the core's (starttls.c, tls.c, auth.c); this file
 * decides what the user sees: the verification result in words, bytes
 * discarded after the 220 (STARTTLS injection, RFC 3207 5), the reminder
 * to EHLO again, the 334 challenges decoded, and a placeholder wherever a
 * secret or its base64 form would appear (screen, history, transcript).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth.h"
#include "escape.h"
#include "secret.h"
#include "shell.h"

static void tls_print_summary(struct shell *sh, const struct tls_info *ti)
{
	struct strbuf sb;
	strbuf_init(&sb, 8192);
	strbuf_appendf(&sb, "= TLS %s, %s; certificate for ", ti->version, ti->cipher);
	escape_terminal(&sb, ti->subject, strlen(ti->subject));
	strbuf_appendf(&sb, "\n= verification: %s%s%s\n", ti->verified ? sh->col_ok : sh->col_bad,
	    ti->verified ? "ok" : ti->verify_text, sh->col_off);
	if (!ti->verified)
		strbuf_appendf(&sb, "! continuing although verification failed (--insecure)\n");
	fwrite(sb.data, 1, sb.len, stdout);
	fflush(stdout);
	strbuf_free(&sb);
}

void shell_prepare_connect(struct shell *sh, const char *host)
{
	if (!sh->implicit_tls) {
		sh->sess.opt.after_connect = NULL;
		return;
	}
	memset(&sh->itls, 0, sizeof sh->itls);
	snprintf(sh->tls.checked_name, sizeof sh->tls.checked_name, "%s", host);
	sh->itls.opt.host = sh->tls.checked_name;
	sh->itls.opt.cafile = sh->cafile;
	sh->itls.opt.insecure = sh->insecure;
	sh->sess.opt.after_connect = implicit_tls_after_connect;
	sh->sess.opt.after_connect_ctx = &sh->itls;
}

void shell_report_implicit_tls(struct shell *sh)
{
	if (!sh->implicit_tls || !sh->itls.done)
		return;
	sh->tls = sh->itls.info;
	sh->tls_known = true;
	if (transcript_is_open(&sh->transcript))
		transcript_note(&sh->transcript, "implicit TLS: %s %s, verification: %s",
		    sh->tls.version, sh->tls.cipher, sh->tls.verified ? "ok" : sh->tls.verify_text);
	if (!sh->json)
		tls_print_summary(sh, &sh->tls);
}

void shell_starttls(struct shell *sh)
{
	struct smtp_error err;
	if (!session_is_open(&sh->sess)) {
		smtp_error_set(&err, SMTP_ERR_STATE, 0, "not connected (use `open HOST [PORT]`); nothing was sent");
		shell_error(sh, &err);
		return;
	}
	struct tls_options o = { .host = sh->sess.host, .cafile = sh->cafile, .insecure = sh->insecure };
	struct smtp_reply r;
	smtp_reply_init(&r);
	struct strbuf injected;
	strbuf_init(&injected, 64 * 1024);
	size_t discarded = 0;
	struct tls_info info;
	memset(&info, 0, sizeof info);
	enum smtp_state prior = sh->sess.state;
	if (!sh->json)
		shell_print_sent(sh, "STARTTLS", 8);
	enum smtp_errkind k = session_starttls(&sh->sess, &o, &r, &info, &discarded, &injected, &err);
	if (r.code != 0)
		shell_show_reply(sh, verb_by_id(VERB_STARTTLS), "STARTTLS", 8, &r,
		    verb_verdict(verb_by_id(VERB_STARTTLS), r.code), prior, 0);
	if (discarded > 0) {
		struct strbuf sb;
		strbuf_init(&sb, 128 * 1024);
		strbuf_appendf(&sb, "! %zu byte%s the server sent after its 220 and before the TLS handshake "
		    "were discarded, never read as replies (STARTTLS injection, RFC 3207 5): ",
		    discarded, discarded == 1 ? "" : "s");
		escape_terminal(&sb, injected.data != NULL ? injected.data : "", injected.len);
		strbuf_appendc(&sb, '\n');
		fflush(stdout);
		fwrite(sb.data, 1, sb.len, stderr);
		strbuf_free(&sb);
		if (transcript_is_open(&sh->transcript))
			transcript_note(&sh->transcript, "%zu bytes after the 220 to STARTTLS discarded", discarded);
	}
	if (info.version[0] != '\0') {
		sh->tls = info;
		sh->tls_known = true;
	}
	if (k != SMTP_OK) {
		if (k != SMTP_ERR_REFUSED || r.code == 0)
			shell_error(sh, &err);
		if (transcript_is_open(&sh->transcript))
			transcript_note(&sh->transcript, "STARTTLS failed: %s", err.msg);
	} else {
		if (transcript_is_open(&sh->transcript))
			transcript_note(&sh->transcript, "TLS started: %s %s, verification: %s",
			    info.version, info.cipher, info.verified ? "ok" : info.verify_text);
		if (!sh->json) {
			tls_print_summary(sh, &info);
			printf("! what the server said before TLS is forgotten (RFC 3207 4.2): send ehlo again\n");
		}
	}
	strbuf_free(&injected);
	smtp_reply_free(&r);
}

void shell_tls_show(struct shell *sh)
{
	if (!sh->tls_known) {
		printf("no TLS handshake in this session (starttls, or connect with --tls)\n");
		return;
	}
	const struct tls_info *t = &sh->tls;
	struct strbuf sb;
	strbuf_init(&sb, 16384);
	strbuf_appendf(&sb, "version:      %s\ncipher:       %s\nsubject:      ", t->version, t->cipher);
	escape_terminal(&sb, t->subject, strlen(t->subject));
	strbuf_appendf(&sb, "\nissuer:       ");
	escape_terminal(&sb, t->issuer, strlen(t->issuer));
	strbuf_appendf(&sb, "\nnames (SAN):  ");
	escape_terminal(&sb, t->sans, strlen(t->sans));
	strbuf_appendf(&sb, "\nvalid:        %s .. %s\nchecked name: ", t->not_before, t->not_after);
	escape_terminal(&sb, t->checked_name, strlen(t->checked_name));
	strbuf_appendf(&sb, "%s\nverification: %s\n", t->name_is_ip ? " (as an IP address; no SNI)" : "",
	    t->verified ? "ok" : t->verify_text);
	fwrite(sb.data, 1, sb.len, stdout);
	strbuf_free(&sb);
}

/* Send one AUTH line: shown and recorded as its redacted form. */
static int auth_send(struct shell *sh, const char *line, size_t len, struct smtp_reply *r)
{
	struct strbuf shown;
	strbuf_init(&shown, 1024);
	auth_line_display(line, len, &shown);
	if (transcript_is_open(&sh->transcript))
		transcript_redact_next_out(&sh->transcript, strbuf_str(&shown));
	if (!sh->json)
		shell_print_sent(sh, shown.data != NULL ? shown.data : "", shown.len);
	const struct verb *v = verb_by_id(VERB_AUTH);
	enum smtp_state prior = sh->sess.state;
	struct smtp_error err;
	enum verdict vd;
	enum smtp_errkind k = session_command(&sh->sess, v, line, len, r, &vd, &err);
	if (k != SMTP_OK) {
		shell_error(sh, &err);
		strbuf_free(&shown);
		return 0;
	}
	shell_show_reply(sh, v, strbuf_str(&shown), shown.len, r, vd, prior, 0);
	strbuf_free(&shown);
	return r->code;
}

static bool auth_confirm_plaintext(struct shell *sh)
{
	if (tls_active(&sh->sess.tr) || sh->allow_plain_auth)
		return true;
	if (!sh->interactive || !isatty(STDIN_FILENO)) {
		struct smtp_error err;
		smtp_error_set(&err, SMTP_ERR_USAGE, 0, "AUTH over a connection without TLS would expose "
		    "the secret; starttls first, or give --allow-plaintext-auth; nothing was sent");
		shell_error(sh, &err);
		return false;
	}
	printf("! this connection is not encrypted: the secret would cross the network readable.\n"
	    "  Send it anyway? [y/N] ");
	fflush(stdout);
	char answer[16];
	if (fgets(answer, sizeof answer, stdin) == NULL || (answer[0] != 'y' && answer[0] != 'Y')) {
		printf("not sent\n");
		return false;
	}
	return true;
}

void shell_auth(struct shell *sh, const char *mech_name, const char *user)
{
	struct smtp_error err;
	enum auth_mech mech;
	if (mech_name == NULL || !auth_mech_parse(mech_name, &mech)) {
		smtp_error_set(&err, SMTP_ERR_USAGE, 0, "auth: give a mechanism (PLAIN, LOGIN or CRAM-MD5) "
		    "and a user: auth MECH USER");
		shell_error(sh, &err);
		return;
	}
	if (user == NULL || user[0] == '\0') {
		smtp_error_set(&err, SMTP_ERR_USAGE, 0, "auth %s: give the user name: auth %s USER",
		    auth_mech_name(mech), auth_mech_name(mech));
		shell_error(sh, &err);
		return;
	}
	if (!session_is_open(&sh->sess)) {
		smtp_error_set(&err, SMTP_ERR_STATE, 0, "not connected (use `open HOST [PORT]`); nothing was sent");
		shell_error(sh, &err);
		return;
	}
	if (!auth_confirm_plaintext(sh))
		return;
	char secret[AUTH_CREDENTIAL_MAX + 2];
	const char *from = NULL;
	struct secret_source src = { sh->password_file, true, sh->interactive };
	char prompt[300];
	snprintf(prompt, sizeof prompt, "secret for %s: ", user);
	if (secret_get(&src, prompt, secret, sizeof secret, &from, &err) != SMTP_OK) {
		shell_error(sh, &err);
		secret_wipe(secret, sizeof secret);
		return;
	}
	struct auth_exchange ax;
	struct strbuf line, challenge;
	strbuf_init(&line, 16384);
	strbuf_init(&challenge, AUTH_CHALLENGE_B64_MAX);
	struct smtp_reply r;
	smtp_reply_init(&r);
	if (auth_begin(&ax, mech, NULL, user, secret, mech == AUTH_MECH_PLAIN, &line, &err) != SMTP_OK) {
		shell_error(sh, &err);
		goto out;
	}
	int code = auth_send(sh, line.data, line.len, &r);
	auth_wipe(&line);
	while (code == 334) {
		strbuf_reset(&challenge);
		enum smtp_errkind k = auth_step(&ax, &r, &line, &challenge, &err);
		if (!sh->json && challenge.len > 0) {
			struct strbuf sb;
			strbuf_init(&sb, AUTH_CHALLENGE_B64_MAX * 4);
			strbuf_appendf(&sb, "= the server's challenge, decoded: ");
			escape_terminal(&sb, challenge.data, challenge.len);
			strbuf_appendc(&sb, '\n');
			fwrite(sb.data, 1, sb.len, stdout);
			strbuf_free(&sb);
		}
		if (k != SMTP_OK)
			shell_error(sh, &err);       /* line is "*": cancel (RFC 4954 4) */
		if (line.len == 0)
			break;
		code = auth_send(sh, line.data, line.len, &r);
		auth_wipe(&line);
	}
out:
	auth_wipe(&line);
	strbuf_free(&line);
	strbuf_free(&challenge);
	smtp_reply_free(&r);
	secret_wipe(secret, sizeof secret);
}
