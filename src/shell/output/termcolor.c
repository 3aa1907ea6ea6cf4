/*
 * termcolor.c - colour by reply class via terminfo (termcolor.h).  The strings are
 * computed once at start-up and copied into static storage owned here;
 * nothing else in smtpsh emits terminal control sequences.  Also the
 * terminal's width (the lookup table fits it).
 */
#include "termcolor.h"

#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "output.h"

/* After our headers: term.h defines macros such as `lines`. */
#include <curses.h>
#include <term.h>

#include "termlibs_curses.h"

enum { TERM_COLORS = 6, TERM_SEQ_MAX = 32 };
static char term_seq[TERM_COLORS + 1][TERM_SEQ_MAX];

static void term_copy(int slot, const char *s)
{
	snprintf(term_seq[slot], TERM_SEQ_MAX, "%s", s != NULL ? s : "");
}

void term_setup_colors(struct output *o, bool want_color)
{
	for (int i = 0; i <= TERM_COLORS; i++)
		term_seq[i][0] = '\0';
	bool on = want_color && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	/* Colours are terminfo's: without ncurses, none (said by the
	 * prompt or the view, which need it too). */
	struct smtp_error lerr;
	on = on && termlibs_need_curses("colour", &lerr) == SMTP_OK;
	if (on) {
		int err = 0;
		if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
			on = false;
		} else {
			char *setaf = tigetstr("setaf");
			char *sgr0 = tigetstr("sgr0");
			if (setaf == NULL || setaf == (char *)-1 || sgr0 == NULL || sgr0 == (char *)-1) {
				on = false;
			} else {
				static const int colors[TERM_COLORS] = {
					COLOR_GREEN, COLOR_CYAN, COLOR_YELLOW, COLOR_RED, COLOR_MAGENTA, COLOR_BLUE };
				for (int i = 0; i < TERM_COLORS; i++)
					term_copy(i, tiparm(setaf, colors[i]));
				term_copy(TERM_COLORS, sgr0);
			}
		}
	}
	(void)on;
	o->col_ok = term_seq[0];
	o->col_mid = term_seq[1];
	o->col_warn = term_seq[2];
	o->col_bad = term_seq[3];
	o->col_local = term_seq[4];
	o->col_dim = term_seq[5];
	o->col_off = term_seq[TERM_COLORS];
	o->ellipsis = strcmp(nl_langinfo(CODESET), "UTF-8") == 0 ? "\u2026" : "~";
}

unsigned term_rows(int fd)
{
	struct winsize ws;
	if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_row;
}

unsigned term_width(int fd)
{
	struct winsize ws;
	if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_col;
}
