/*
 * tui_int.h - what the full-screen view's files share: struct tui (tui.c
 * owns it: readline's feed, the way in and out), the transcript ring in
 * tui_ring.c, the layout and drawing in tui_screen.c, wrapping lines into
 * rows in tui_wrap.c, the search in tui_search.c, and the signal handlers
 * in tui_signals.c.  Private to tui*.c.  Calls go one way: tui.c ->
 * tui_screen.c -> tui_search.c -> tui_wrap.c -> tui_ring.c; tui_replay.c
 * (a replay in the view) -> tui.c.
 */
#ifndef SMTPSH_TUI_INT_H
#define SMTPSH_TUI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "shell.h"

/* After our headers: curses defines macros such as `lines`. */
#include <curses.h>

#include "termlibs_curses.h"

#define TUI_KEEP_LINES 5000
#define TUI_LINE_MAX 2048
#define TUI_DIAGRAM_COLS 30
/* The columns of the mark starting a wrapped line's continuation rows. */
#define TUI_CONT_COLS 2

/* The least the layout needs (issue 17): across, the diagram, a one-column
 * gap and TUI_TRANS_MIN_COLS of transcript; down, the status bar, the
 * hint, the input line and TUI_BODY_MIN_ROWS of transcript.  A terminal
 * made smaller than this after the view started shows only "terminal too
 * small" until it grows again; the session and the typed line go on. */
#define TUI_TRANS_MIN_COLS 20
#define TUI_BODY_MIN_ROWS 4
#define TUI_BAR_ROWS 3
#define TUI_FIT_COLS (TUI_DIAGRAM_COLS + 1 + TUI_TRANS_MIN_COLS)
#define TUI_FIT_ROWS (TUI_BAR_ROWS + TUI_BODY_MIN_ROWS)

/* Marker bytes standing for the text renderer's colours. */
enum { MK_OK = 1, MK_MID, MK_WARN, MK_BAD, MK_LOCAL, MK_DIM, MK_OFF };

/* What the view is for: a session, or a replay (tui_replay.c) stepping
 * or played to its end. */
enum { TUI_REPLAY_NONE, TUI_REPLAY_STEPS, TUI_REPLAY_OVER };

struct tui {
	struct shell *sh;
	SCREEN *scr;
	int winch_fd;                 /* tui_signals.c's pipe, -1 without */
	int replaying;                /* TUI_REPLAY_* */
	int step_answer;              /* a replay's step: 1 next, -1 stop, 0 not yet */
	WINDOW *status, *trans, *diagram, *hint, *input;  /* NULL when too_small */
	WINDOW *keys;                 /* a 1x1 pad keys are read from: never drawn */
	bool too_small;               /* below TUI_FIT_*, or curses refused a window */
	int rows, cols;
	char **ring;                  /* TUI_KEEP_LINES lines, oldest at head */
	size_t head, count;
	size_t scroll;                /* screen rows back from the bottom */
	char needle[SHELL_SEARCH_MAX * 2];  /* the search, folded; "" for none */
	size_t match;                 /* the line of the match shown ... */
	bool have_match;              /* ... if any */
	bool searching;               /* right after a search: n, N, the hint */
	int stepped;                  /* the last of those keys ('n', 'N'; 0 none) */
	char partial[TUI_LINE_MAX];   /* a record's unfinished last line */
	size_t partial_len;
	int key;                      /* the byte readline reads next */
	bool have_key;
	bool leave;
	FILE *devnull;
	const char *saved_col[7];
};


/* tui.c.  Begin takes the terminal (NULL, after saying why, when it
 * cannot: then nothing was changed); the loop runs keys, signals and the
 * session until `leave` or the shell stops; finish gives everything back.
 * The prompt is the shell's, or a replay's. */
struct tui *tui_begin(struct shell *sh, int replaying);
void tui_loop(struct tui *t);
void tui_finish(struct tui *t);
void tui_prompt(struct tui *t);

/* Windows made afresh for stdscr's size (the old ones deleted first, so
 * nothing is ever resized or moved to a size that does not fit); below
 * TUI_FIT_COLS x TUI_FIT_ROWS, or when newwin() fails, there are none and
 * too_small is set.  Drop deletes them (before endwin, or a new size). */
void tui_layout(struct tui *t);
void tui_windows_drop(struct tui *t);

/* tui_ring.c.  The transcript: lines kept in a ring of TUI_KEEP_LINES; a record's
 * unfinished last line waits in partial.  Adding goes back to the bottom. */
void tui_transcript_add(struct tui *t, const char *text, size_t len);
/* Line mode's text, its colour escapes (ours, from terminfo) turned into
 * the view's markers, then added. */
void tui_transcript_import(struct tui *t, const char *text, size_t len);
/* Kept line i, 0 the oldest. */
const char *tui_line(const struct tui *t, size_t i);

/* Each draws its window into curses' virtual screen (wnoutrefresh); only
 * when !too_small.  Drawing calls that only fail at a window's edge (text
 * cut) are not checked: cut is what is meant. */
void tui_draw_status(struct tui *t);
void tui_draw_transcript(struct tui *t);
void tui_draw_hint(struct tui *t);
/* The whole screen when too_small: "terminal too small" and the size
 * needed, cut to the terminal, on stdscr; then doupdate(). */
void tui_draw_too_small(struct tui *t);

/* tui_wrap.c.  One character at s: its bytes, and its display columns in
 * *cols (none for a marker or control byte). */
size_t tui_char(const char *s, int *cols);
/* The row of s that starts at byte `from`, in at most avail columns:
 * returns where its text ends, and in *next where the next row starts
 * (strlen(s) when there is none). */
size_t tui_wrap_row(const char *s, size_t from, int avail, size_t *next);
/* Rows line s takes in a pane `width` wide (continuation rows lose
 * TUI_CONT_COLS to the mark); the mark itself. */
int tui_wrap_count(const char *s, int width);
const char *tui_cont_mark(void);
/* The transcript pane's width (its least when there is no pane); rows
 * taken by the lines after `line`, and by all; the line drawn `back` rows
 * up from the bottom row (0 when above them all). */
int tui_trans_width(const struct tui *t);
size_t tui_rows_after(const struct tui *t, size_t line);
size_t tui_rows_total(const struct tui *t);
size_t tui_line_at_row(const struct tui *t, size_t back);

/* tui_search.c.  Start a search for text ("" ends one) at the lowest line
 * on screen, going up; step to the next match (dir -1, up) or the
 * previous (+1), round the ends; whether a kept line holds the search;
 * how many do, and which of them is the match shown (0: none); the hint
 * row's text while searching. */
void tui_search_start(struct tui *t, const char *text);
void tui_search_step(struct tui *t, int dir);
bool tui_search_hit(const struct tui *t, const char *line);
size_t tui_search_count(const struct tui *t, size_t *ordinal);
void tui_search_hint(const struct tui *t, char *buf, size_t cap);

/* tui_signals.c: SIGWINCH to a pipe (its read end returned, -1 when it
 * could not be set up) and crash handlers that call endwin(); drain
 * empties the pipe; restore puts back the actions found before. */
int tui_signals_install(void);
void tui_signals_drain(void);
void tui_signals_restore(void);

#endif
