/*
 * tui.h - the full-screen view (`smtpsh --tui`, `view` in the shell): a
 * status bar, the transcript (scrollable, searchable, coloured by reply
 * class), RFC 821's state diagram with the current state highlighted and
 * the commands allowed next, and GNU Readline's line in its callback form,
 * all in one poll() loop (tui.c; the diagram is tui_diagram.c).
 */
#ifndef SMTPSH_TUI_H
#define SMTPSH_TUI_H

#include "shell.h"

/* ncurses' window type, without pulling in curses.h (which defines macros
 * such as `lines`) everywhere. */
struct _win_st;
typedef struct _win_st WINDOW;

/* Run the full-screen view until `view`, exit or Ctrl-D.  Returns false
 * (after saying why) when the terminal cannot show it: TERM=dumb, no
 * terminfo entry, or smaller than TUI_MIN_COLS x TUI_MIN_ROWS.  A terminal
 * made smaller once the view runs shows "terminal too small" below the
 * layout's own minimum (tui_int.h TUI_FIT_*) while the session goes on. */
#define TUI_MIN_COLS 80
#define TUI_MIN_ROWS 24
bool tui_run(struct shell *sh);

/* `smtpsh --replay FILE --tui` (tui_replay.c): the replay played in the
 * view, one command per Enter (q stops), the diagram lit as it goes;
 * once it is over the view stays until q or Ctrl-D.  False, having
 * played nothing, when the view cannot start (said why, as tui_run). */
bool tui_replay(struct shell *sh, const char *path);

/* Text at (y, x), cut to at most cols columns, never inside a UTF-8
 * character (translated labels are Cyrillic: two bytes a column). */
void tui_put_cols(WINDOW *w, int y, int x, const char *s, int cols);

/* tui_diagram.c */
int tui_diagram_height(void);
void tui_diagram_draw(WINDOW *w, enum smtp_state st);

#endif
