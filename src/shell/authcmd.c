/*
 * authcmd.c - the shell's AUTH (RFC 4954): `auth MECH USER` runs the whole
 * exchange with the secret from secret.h (a password, or for XOAUTH2 and
 * OAUTHBEARER a bearer token from --token-file or SMTPSH_TOKEN), and a line typed while a
 * challenge waits (after `raw AUTH LOGIN`) is sent as the response.  The
 * core decides from the wire text which lines are secret and shows them
 * redacted on every sink (session.h); here the secret is held under a
 * guard that keeps it out of core dumps, and wiped after use.  While it is
 * held, the secret, its base64 and each line sent are on the session's
 * mask list (secret_mask.h), so a server that echoes them back has them
 * masked too; shell_mask_standing() puts the list back to the secrets held
 * for the whole run (SMTPSH_PASSWORD, SMTPSH_TOKEN) when the exchange ends.
 * A 235 is judged by auth_check_final() before it counts (SCRAM's proof).
 *
 * In the interactive shell a response to a challenge is read from the
 * terminal with echo off (shell_auth_interactive), so it never reaches the
 * screen or readline's history.  An exchange always ends: after "*" (RFC 4954 4, cancel) exactly one more
 * reply is read; a server that goes on challenging after that is cut off,
 * and auth.c caps the rounds (AUTH_MAX_ROUNDS).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth.h"
#include "secret.h"
#include "secret_mask.h"
#include "shell.h"
#include "smtp_limits.h"

void shell_mask_standing(struct shell *sh)
{
	struct smtp_error err;
	const struct secret_env *env = sh->auth.env_secrets;
	session_mask_clear(sh->sess);
	if (env != NULL && env->password.value != NULL)
		(void)session_mask_add(sh->sess, env->password.value, strlen(env->password.value),
		    true, &err);
	if (env != NULL && env->token.value != NULL)
		(void)session_mask_add(sh->sess, env->token.value, strlen(env->token.value), true,
		    &err);
	if (sh->lookup.held_secret != NULL && sh->lookup.held_secret->set)
		(void)session_mask_add(sh->sess, sh->lookup.held_secret->buf,
		    strlen(sh->lookup.held_secret->buf), true, &err);
}

/* The secret part of a line sent in an AUTH exchange: the initial
 * response of "AUTH MECH IR", or the whole response line; false for an
 * "AUTH MECH" that carries none. */
static bool auth_secret_part(const char **line, size_t *len)
{
	if (*len > 5 && strncasecmp(*line, "AUTH ", 5) == 0) {
		const char *ir = memchr(*line + 5, ' ', *len - 5);
		if (ir == NULL)
			return false;
		*len -= (size_t)(ir + 1 - *line);
		*line = ir + 1;
	}
	return true;
}

/* Mask what an exchange puts on the wire, should the server echo it: a
 * response line, or the initial response of "AUTH MECH IR". */
static void auth_mask_line(struct shell *sh, const char *line, size_t len)
{
	struct smtp_error err;
	if (!auth_secret_part(&line, &len))
		return;
	if (session_mask_add(sh->sess, line, len, false, &err) != SMTP_OK)
		out_note(&sh->out, N_("%s: it may show unmasked if the server echoes it"), err.msg);
}

void shell_auth_mask_typed(struct shell *sh, const char *line, size_t len)
{
	auth_mask_line(sh, line, len);
	if (!auth_secret_part(&line, &len))
		return;
	/* A typed line is base64 of something smtpsh never saw in the clear:
	 * its last NUL-separated part is the password (PLAIN, RFC 4616) or,
	 * for LOGIN, the whole of it. */
	unsigned char dec[base64_decoded_max_const(AUTH_CHALLENGE_B64_MAX) + 3];
	size_t n = 0;
	struct smtp_error err;
	if (len <= AUTH_CHALLENGE_B64_MAX &&
	    base64_decode(line, len, dec, sizeof dec, &n, NULL) == SMTP_OK) {
		const unsigned char *nul = n > 0 ? memrchr(dec, '\0', n) : NULL;
		const unsigned char *last = nul != NULL ? nul + 1 : dec;
		(void)session_mask_add(sh->sess, last, n - (size_t)(last - dec), false, &err);
	}
	secret_wipe((char *)dec, sizeof dec);
}

static bool auth_confirm_plaintext(struct shell *sh)
{
	if (session_tls_active(sh->sess) || sh->auth.allow_plain)
		return true;
	if (!sh->interactive || !isatty(STDIN_FILENO)) {
		struct smtp_error err;
		smtp_error_set(&err, SMTP_ERR_USAGE, 0, "AUTH over a connection without TLS would "
		    "expose the secret; starttls first, or give --allow-plaintext-auth; nothing was sent");
		shell_fail(sh, "auth", &err);
		return false;
	}
	out_note(&sh->out, N_("this connection is not encrypted: the secret would cross the network "
	    "readable."));
	if (!shell_ask(sh, "  Send it anyway?")) {
		out_note(&sh->out, N_("not sent"));
		return false;
	}
	return true;
}

/* A note when the mechanism is not among those the server advertised. */
static void auth_note_unadvertised(struct shell *sh, enum auth_mech mech)
{
	const struct ehlo_set *ext = session_extensions(sh->sess);
	if (!ext->valid)
		return;
	const struct ehlo_ext *a = ehlo_find(ext, "AUTH");
	if (a == NULL) {
		out_note(&sh->out, N_("the server did not advertise AUTH in its EHLO reply"));
		return;
	}
	const char *name = auth_mech_name(mech);
	size_t n = strlen(name);
	for (const char *p = a->params; *p != '\0';) {
		while (*p == ' ')
			p++;
		size_t w = strcspn(p, " ");
		if (w == n && strncasecmp(p, name, n) == 0)
			return;
		p += w;
	}
	out_note(&sh->out, N_("the server did not advertise AUTH %s (it offers: %.200s)"), name, a->params);
}

/* The exchange (the recipe's AUTH step, shown), and what its end means. */
static bool auth_run(struct shell *sh, enum auth_mech mech, const char *user,
    const char *secret)
{
	struct shell_view v;
	shell_view_init(&v, sh, true);
	struct recipe_auth_result res;
	struct smtp_error err;
	enum smtp_errkind k = recipe_auth(sh->sess, &sh->recipe, mech, user, secret, &v.obs, &res,
	    &err);
	if (k == SMTP_ERR_CANCELLED) {
		shell_cancelled(sh, NULL);
	} else if (k != SMTP_OK && !res.refused) {
		shell_fail(sh, "auth", &err);
		/* The server broke the protocol, or sent a challenge that
		 * cannot be answered: status 3, not a usage error. */
		if (res.code != 0)
			shell_note_status(sh, SHELL_EXIT_LOCAL, "auth");
	}
	if (res.closed == RECIPE_AUTH_NO_END)
		shell_close(sh, N_("connection closed: the AUTH exchange would not end"));
	else if (res.closed == RECIPE_AUTH_NO_PROOF)
		shell_close(sh, N_("connection closed: the server did not prove who it is"));
	else if (res.code != 0 && res.code != 334)
		shell_maybe_stop_code(sh, res.code);
	if (k == SMTP_OK)
		snprintf(sh->auth.user, sizeof sh->auth.user, "%s", user);
	return k == SMTP_OK;
}

bool shell_auth(struct shell *sh, const char *arg, size_t arglen)
{
	char mech_name[64] = "", user[SMTP_COMMAND_LINE_MAX] = "";
	const char *sp = memchr(arg, ' ', arglen);
	size_t mlen = sp != NULL ? (size_t)(sp - arg) : arglen;
	snprintf(mech_name, sizeof mech_name, "%.*s", (int)mlen, arg);
	if (sp != NULL)
		snprintf(user, sizeof user, "%.*s", (int)(arglen - mlen - 1), sp + 1);
	enum auth_mech mech;
	if (mech_name[0] == '\0' || !auth_mech_parse(mech_name, &mech)) {
		shell_usage_error(sh, N_("auth: give a mechanism (PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256, "
		    "XOAUTH2 or OAUTHBEARER) and a user: auth MECH USER"));
		return false;
	}
	if (user[0] == '\0') {
		shell_usage_error(sh, N_("auth %s: give the user name: auth %s USER"), auth_mech_name(mech),
		    auth_mech_name(mech));
		return false;
	}
	if (!session_is_open(sh->sess)) {
		struct smtp_error err;
		smtp_error_set(&err, SMTP_ERR_STATE, 0, "not connected (use `open HOST [PORT]`); "
		    "nothing was sent");
		shell_fail(sh, "auth", &err);
		return false;
	}
	if (!auth_confirm_plaintext(sh))
		return false;
	auth_note_unadvertised(sh, mech);
	struct secret_guard guard;
	secret_guard_begin(&guard);
	char secret[AUTH_TOKEN_MAX + 2];
	struct smtp_error err;
	bool ok = false;
	if (shell_auth_secret(sh, mech, user, secret, sizeof secret, &err) != SMTP_OK)
		shell_fail(sh, "auth", &err);
	else
		ok = auth_run(sh, mech, user, secret);
	struct secret_held *held = sh->lookup.held_secret;
	if (!ok && held != NULL && held->set) {
		secret_wipe(held->buf, sizeof held->buf);   /* refused: ask again next time */
		held->set = false;
	}
	secret_wipe(secret, sizeof secret);
	shell_mask_standing(sh);
	secret_guard_end(&guard);
	return ok;
}

void shell_auth_response(struct shell *sh, const char *line, size_t len)
{
	/* `raw LINE` at a challenge means LINE, as everywhere else. */
	if (len >= 4 && strncasecmp(line, "raw ", 4) == 0) {
		line += 4;
		len -= 4;
	}
	shell_auth_mask_typed(sh, line, len);
	struct session_reply r;
	session_reply_init(&r);
	if (shell_exchange(sh, NULL, line, len, &r) != 0)
		shell_maybe_stop(sh, &r);
	session_reply_free(&r);
	if (!session_in_auth(sh->sess))
		shell_mask_standing(sh);          /* the exchange is over */
}

void shell_auth_interactive(struct shell *sh)
{
	while (!sh->stop && session_is_open(sh->sess) && session_in_auth(sh->sess)) {
		struct secret_guard guard;
		secret_guard_begin(&guard);
		char line[AUTH_CHALLENGE_B64_MAX + 2];
		struct smtp_error err;
		if (sh->tui.suspend != NULL)
			sh->tui.suspend(sh->tui.suspend_ctx);
		enum smtp_errkind k = secret_read_tty("auth response (not echoed; * cancels)> ", line,
		    sizeof line, &err);
		if (sh->tui.resume != NULL)
			sh->tui.resume(sh->tui.suspend_ctx);
		if (k == SMTP_OK) {
			shell_auth_response(sh, line, strlen(line));
		} else {
			/* Ctrl-C, end of input or no terminal: cancel (RFC 4954 4). */
			out_note(&sh->out, N_("%s: cancelling the AUTH exchange with \"*\""), err.msg);
			shell_auth_response(sh, "*", 1);
		}
		secret_wipe(line, sizeof line);
		secret_guard_end(&guard);
	}
}
