/*
 * connect.c - `open` and `reconnect` for the shell.  `open`: the host and
 * port checked, then the connection recipe's first step (recipe.h: a mail
 * domain by its MX route, RFC 5321 5.1, or the host as given; the greeting,
 * with a hint when a server says nothing -- a plain connection to an SMTPS
 * port hears nothing until it sends TLS, RFC 8314 3.3), shown by
 * recipe_view.c.  `reconnect` (and `open` alone): the last connection's
 * recipe done again on a new one, each step shown.
 */
#include <stdio.h>
#include <string.h>

#include "secret.h"
#include "shell.h"
#include "smtp_limits.h"

void shell_recipe_target(const struct shell *sh, struct recipe *rc, const char *host,
    const char *port, bool routed)
{
	bool has_port = port != NULL && port[0] != '\0';
	bool mx = sh->conn.route == SMTPSH_ROUTE_MX ||
	    (sh->conn.route == SMTPSH_ROUTE_AUTO && !has_port);
	snprintf(rc->host, sizeof rc->host, "%s", host);
	snprintf(rc->port, sizeof rc->port, "%s", has_port ? port : "");
	rc->by_route = routed && mx && !mx_is_address(host) && !transport_is_unix(host);
}

static bool shell_open_as(struct shell *sh, const char *host, const char *port, bool shown)
{
	struct smtp_error err;
	/* A typo is refused before the open connection is touched. */
	bool has_port = port != NULL && port[0] != '\0';
	if (transport_is_unix(host) && has_port) {
		shell_usage_error(sh, N_("a unix: socket takes no port; nothing was changed"));
		return false;
	}
	if (has_port && !transport_is_unix(host) && !session_port_ok(port)) {
		shell_usage_error(sh, N_("port \"%.20s\" is not a port number (1..65535): refused; "
		    "nothing was changed"), port);
		return false;
	}
	if (strlen(host) > SMTP_DOMAIN_MAX) {
		shell_usage_error(sh, N_("a host name is at most %d octets (RFC 5321 4.5.3.1.2); "
		    "nothing was changed"), SMTP_DOMAIN_MAX);
		return false;
	}
	if (session_is_open(sh->sess))
		shell_close(sh, N_("previous connection closed (no QUIT)"));
	/* A new connection's own steps, recorded as they succeed. */
	struct recipe *rc = &sh->recipe;
	memset(rc, 0, sizeof *rc);
	shell_recipe_target(sh, rc, host, port, true);
	struct shell_view v;
	shell_view_init(&v, sh, shown);
	struct recipe_env env;
	struct mx_options mo;
	shell_recipe_env(sh, NULL, &env, &mo);
	enum recipe_step failed = RECIPE_STEP_CONNECT;
	enum smtp_errkind k = recipe_open(sh->sess, rc, &env, &v.obs, &failed, &err);
	if (!shown) {
		if (k == SMTP_ERR_CANCELLED)
			shell_cancelled(sh, recipe_step_name(failed));
		if (k != SMTP_OK && session_is_open(sh->sess))
			session_close(sh->sess);
		return k == SMTP_OK;
	}
	if (k == SMTP_ERR_CANCELLED && failed == RECIPE_STEP_GREETING) {
		shell_cancelled(sh, "greeting");
		shell_close(sh, N_("connection closed: the greeting was not waited for"));
		return false;
	}
	if (k != SMTP_OK) {
		shell_fail_step(sh, recipe_step_name(failed), &err);
		return false;
	}
	shell_maybe_stop_code(sh, v.last_code);
	return true;
}

bool shell_open(struct shell *sh, const char *host, const char *port)
{
	return shell_open_as(sh, host, port, true);
}

bool shell_open_quiet(struct shell *sh, const char *host, const char *port)
{
	return shell_open_as(sh, host, port, false);
}

void shell_reconnect(struct shell *sh)
{
	if (sh->recipe.host[0] == '\0') {
		shell_usage_error(sh, N_("nothing to reconnect to: no connection was opened in this "
		    "session (open HOST [PORT])"));
		return;
	}
	if (session_is_open(sh->sess))
		shell_close(sh, N_("previous connection closed (no QUIT)"));
	struct shell_view v;
	shell_view_init(&v, sh, true);
	struct recipe_env env;
	struct mx_options mo;
	shell_recipe_env(sh, &sh->recipe, &env, &mo);
	char steps[SMTP_COMMAND_LINE_MAX + 64] = "";
	const struct recipe *rc = &sh->recipe;
	if (rc->hello[0] != '\0')
		snprintf(steps, sizeof steps, "%s %.*s%s%s%s", verb_by_id(rc->hello_verb)->name,
		    80, rc->hello, rc->starttls ? ", STARTTLS" : "", rc->auth ? ", AUTH " : "",
		    rc->auth ? auth_mech_name(rc->mech) : "");
	if (steps[0] != '\0')
		out_note(&sh->out, N_("reconnecting to %s, then again: %s"), rc->host, steps);
	else
		out_note(&sh->out, N_("reconnecting to %s"), rc->host);
	struct secret_guard guard;
	secret_guard_begin(&guard);
	enum recipe_step failed = RECIPE_STEP_CONNECT;
	struct smtp_error err;
	enum smtp_errkind k = recipe_replay(sh->sess, &sh->recipe, &env, &v.obs, &failed, &err);
	shell_mask_standing(sh);
	secret_guard_end(&guard);
	if (k == SMTP_OK)
		return;
	if (k == SMTP_ERR_CANCELLED)
		shell_cancelled(sh, recipe_step_name(failed));
	else
		shell_fail(sh, recipe_step_name(failed), &err);
}
