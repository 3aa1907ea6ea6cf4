/*
 * termlibs.h - the terminal libraries, loaded the first time the shell
 * needs them instead of at every start (issue 20: a script, a lookup or a
 * one-shot message never draws a prompt or a screen, and loading GNU
 * Readline and ncurses cost about 0.4 ms of a 1.8 ms session): Readline
 * for the interactive prompt and its history, ncurses (with terminfo) for
 * colours and the full-screen view.  The loader is the core's
 * (libs_open_symbols, libs.h); the tables are here, since the core knows
 * nothing of terminals.
 *
 * termlibs_rl.h and termlibs_curses.h redirect the names the shell uses to
 * the tables; a file that calls Readline or curses includes them after the
 * library's own headers, and calls termlibs_need_*() first (repl_run,
 * tui_begin, term_setup_colors).  When a library cannot be loaded the call
 * says which and why, in one line, and everything that does not draw on
 * the terminal goes on working.  SMTPSH_LIBREADLINE and SMTPSH_LIBCURSES
 * name other files to load (tests make one missing).
 */
#ifndef SMTPSH_TERMLIBS_H
#define SMTPSH_TERMLIBS_H

#include "error.h"

/* what: the feature, for the message ("the interactive shell"). */
enum smtp_errkind termlibs_need_readline(const char *what, struct smtp_error *err);
enum smtp_errkind termlibs_need_curses(const char *what, struct smtp_error *err);

#endif
