/*
 * i18n.h - how the core's English reaches a person in another language.
 *
 * The core's tables (codes, enhanced codes, states, verbs, extensions) are
 * English, and stay English wherever a program reads them: --json, the
 * transcript, the teaching server.  Every string in them that a person
 * reads is marked N_() so that xgettext collects it into po/smtpsh.pot;
 * the shell's text renderer translates it when it prints it.  The few
 * functions here that compose a sentence from table strings take a
 * translator, so the pieces and the pattern are translated together:
 * NULL keeps English.  The core never calls gettext itself.
 */
#ifndef SMTPSH_I18N_H
#define SMTPSH_I18N_H

#include <stddef.h>

/* Marks a string for xgettext; it stays the English string. */
#define N_(english) english

/* Returns the text to show for an English msgid (never NULL for non-NULL). */
typedef const char *(*text_translator)(const char *english);

/* format_arg: a translated format string keeps the arguments' types (and
 * -Wformat checks the English one). */
__attribute__((format_arg(2)))
static inline const char *tr_text(text_translator tr, const char *english)
{
	return tr != NULL && english != NULL ? tr(english) : english;
}

#endif
