/*
 * tr.h - the shell's language (GNU gettext, in glibc).  What the shell
 * prints for a person goes through _() (and P_() where a number decides
 * the form); the core's English tables are translated where they are
 * printed, through shell_tr (i18n.h's text_translator).  --json, the
 * transcript and the man page stay English: scripts never change with the
 * locale.  Catalogues: po/ (LINGUAS), built by po/meson.build.
 */
#ifndef SMTPSH_TR_H
#define SMTPSH_TR_H

#include <libintl.h>

#include "i18n.h"

#define _(english) shell_gettext(english)
#define P_(one, many, n) ngettext((one), (many), (n))

/* gettext, except that "" stays "" (gettext gives the catalogue's header)
 * and NULL stays NULL. */
__attribute__((format_arg(1)))
const char *shell_gettext(const char *english);

/* The locale from the environment (LC_ALL, LC_MESSAGES, LANG) for
 * messages and characters; numbers stay "C" (JSON, times).  The
 * catalogues come from SMTPSH_LOCALEDIR in the environment when set (the
 * tests: the build tree), else the installed localedir. */
void shell_locale_init(void);

/* shell_gettext as a text_translator. */
const char *shell_tr(const char *english);

#endif
