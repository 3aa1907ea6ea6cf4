/*
 * xclientcmd.c - `xclient ATTR=VALUE ...` and --xclient: the connection
 * recipe's XCLIENT step (recipe.h, Postfix's XCLIENT_README), shown: the
 * attributes checked against what the server advertised before anything
 * is sent, XCLIENT, and after its 220 the hello again, as the protocol
 * wants.  The recipe remembers it, so `reconnect` sends it again.
 */
#include <stdio.h>

#include "shell.h"

enum shell_xclient_end shell_xclient(struct shell *sh, const char *arg, size_t arglen)
{
	if (!shell_settle(sh))
		return SHELL_XCLIENT_REFUSED;
	char buf[SMTP_COMMAND_LINE_MAX];
	if (arglen >= sizeof buf) {
		shell_usage_error(sh, N_("XCLIENT line too long (RFC 5321 4.5.3.1.4: 512 octets); "
		    "nothing was sent"));
		return SHELL_XCLIENT_REFUSED;
	}
	snprintf(buf, sizeof buf, "%.*s", (int)arglen, arg);
	struct shell_view view;
	shell_view_init(&view, sh, true);
	struct recipe_xclient_result res;
	struct smtp_error err;
	enum smtp_errkind k = recipe_xclient(sh->sess, &sh->recipe, buf, &view.obs, &res, &err);
	if (k == SMTP_ERR_CANCELLED) {
		shell_cancelled(sh, "xclient");
		return res.code == 220 ? SHELL_XCLIENT_HELLO_FAILED : SHELL_XCLIENT_REFUSED;
	}
	if (k != SMTP_OK) {
		shell_fail(sh, "xclient", &err);
		return res.code == 220 ? SHELL_XCLIENT_HELLO_FAILED : SHELL_XCLIENT_REFUSED;
	}
	if (res.code != 220) {
		shell_maybe_stop_code(sh, res.code);
		return SHELL_XCLIENT_REFUSED;
	}
	shell_maybe_stop_code(sh, res.hello_code);
	return res.hello_code == 250 ? SHELL_XCLIENT_OK : SHELL_XCLIENT_HELLO_FAILED;
}
