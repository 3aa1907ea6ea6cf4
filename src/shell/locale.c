/*
 * locale.c - the shell's language (tr.h): setlocale and the gettext
 * domain, once, at start.  No state of its own.
 */
#include "tr.h"

#include <locale.h>
#include <stdlib.h>

#include "smtpsh_config.h"

void shell_locale_init(void)
{
	/* LC_CTYPE for readline and ncurses, LC_MESSAGES for gettext; not
	 * LC_NUMERIC (JSON numbers and times are written with a '.'). */
	(void)setlocale(LC_CTYPE, "");
	(void)setlocale(LC_MESSAGES, "");
	const char *dir = getenv("SMTPSH_LOCALEDIR");
	(void)bindtextdomain("smtpsh", dir != NULL && dir[0] != '\0' ? dir : SMTPSH_LOCALEDIR);
	(void)bind_textdomain_codeset("smtpsh", "UTF-8");
	(void)textdomain("smtpsh");
}

const char *shell_gettext(const char *english)
{
	if (english == NULL || english[0] == '\0')
		return english;
	return gettext(english);
}

const char *shell_tr(const char *english)
{
	return shell_gettext(english);
}
