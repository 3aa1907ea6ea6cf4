/*
 * termlibs_curses.h - ncurses' and terminfo's functions and variables the
 * shell uses (colours, the full-screen view), through the table
 * termlibs.c fills (termlibs.h).  Include it after <curses.h> (and
 * <term.h> where terminfo's setupterm is called: term.h's macros such as
 * `lines` are kept out of the view's files).
 */
#ifndef SMTPSH_TERMLIBS_CURSES_H
#define SMTPSH_TERMLIBS_CURSES_H

#include <curses.h>

#include "termlibs.h"

#define TERMLIBS_CURSES_FUNCS(X) \
	X(cbreak) \
	X(clearok) \
	X(curs_set) \
	X(def_prog_mode) \
	X(delscreen) \
	X(delwin) \
	X(doupdate) \
	X(endwin) \
	X(has_colors) \
	X(init_pair) \
	X(intrflush) \
	X(isendwin) \
	X(keypad) \
	X(newpad) \
	X(newterm) \
	X(newwin) \
	X(nodelay) \
	X(noecho) \
	X(nonl) \
	X(reset_prog_mode) \
	X(resize_term) \
	X(start_color) \
	X(tigetstr) \
	X(tiparm) \
	X(use_default_colors) \
	X(waddch) \
	X(waddnstr) \
	X(wattr_off) \
	X(wattr_on) \
	X(wattrset) \
	X(wclrtoeol) \
	X(werase) \
	X(wgetch) \
	X(whline) \
	X(wmove) \
	X(wnoutrefresh) \
	X(wrefresh)

#define TERMLIBS_CURSES_VARS(X) \
	X(curscr) \
	X(stdscr)

struct termlibs_curses_table {
#define TERMLIBS_MEMBER(f) __typeof__(f) *f;
	TERMLIBS_CURSES_FUNCS(TERMLIBS_MEMBER)
	TERMLIBS_CURSES_VARS(TERMLIBS_MEMBER)
#undef TERMLIBS_MEMBER
	/* Declared by <term.h> only: its type written out. */
	int (*setupterm)(const char *term, int fd, int *errret);
};
extern struct termlibs_curses_table termlibs_curses;

#ifndef TERMLIBS_TABLE_ONLY
#define cbreak (termlibs_curses.cbreak)
#define clearok (termlibs_curses.clearok)
#define curs_set (termlibs_curses.curs_set)
#define def_prog_mode (termlibs_curses.def_prog_mode)
#define delscreen (termlibs_curses.delscreen)
#define delwin (termlibs_curses.delwin)
#define doupdate (termlibs_curses.doupdate)
#define endwin (termlibs_curses.endwin)
#define has_colors (termlibs_curses.has_colors)
#define init_pair (termlibs_curses.init_pair)
#define intrflush (termlibs_curses.intrflush)
#define isendwin (termlibs_curses.isendwin)
#define keypad (termlibs_curses.keypad)
#define newpad (termlibs_curses.newpad)
#define newterm (termlibs_curses.newterm)
#define newwin (termlibs_curses.newwin)
#define nodelay (termlibs_curses.nodelay)
#define noecho (termlibs_curses.noecho)
#define nonl (termlibs_curses.nonl)
#define reset_prog_mode (termlibs_curses.reset_prog_mode)
#define resize_term (termlibs_curses.resize_term)
#define setupterm (termlibs_curses.setupterm)
#define start_color (termlibs_curses.start_color)
#define tigetstr (termlibs_curses.tigetstr)
#define tiparm (termlibs_curses.tiparm)
#define use_default_colors (termlibs_curses.use_default_colors)
#define waddch (termlibs_curses.waddch)
#define waddnstr (termlibs_curses.waddnstr)
#define wattr_off (termlibs_curses.wattr_off)
#define wattr_on (termlibs_curses.wattr_on)
#define wattrset (termlibs_curses.wattrset)
#define wclrtoeol (termlibs_curses.wclrtoeol)
#define werase (termlibs_curses.werase)
#define wgetch (termlibs_curses.wgetch)
#define whline (termlibs_curses.whline)
#define wmove (termlibs_curses.wmove)
#define wnoutrefresh (termlibs_curses.wnoutrefresh)
#define wrefresh (termlibs_curses.wrefresh)
#define curscr (*termlibs_curses.curscr)
#define stdscr (*termlibs_curses.stdscr)
#endif

#endif
