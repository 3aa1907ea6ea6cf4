/*
 * tui_int.h - what the full-screen view's two files share: struct tui
 * (tui.c owns it: the windows, readline's feed, the way in and out) and the
 * transcript ring and drawing in tui_screen.c.  Private to tui*.c.
 */
#ifndef SMTPSH_TUI_INT_H
#define SMTPSH_TUI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "shell.h"

/* After our headers: curses defines macros such as `lines`. */
#include <curses.h>

#define TUI_KEEP_LINES 5000
#define TUI_LINE_MAX 2048
#define TUI_DIAGRAM_COLS 30

/* Marker bytes standing for the text renderer's colours. */
enum { MK_OK = 1, MK_MID, MK_WARN, MK_BAD, MK_LOCAL, MK_DIM, MK_OFF };

struct tui {
	struct shell *sh;
	WINDOW *status, *trans, *diagram, *hint, *input;
	int rows, cols;
	char **ring;                  /* TUI_KEEP_LINES lines, oldest at head */
	size_t head, count;
	size_t scroll;                /* lines back from the bottom */
	char partial[TUI_LINE_MAX];   /* a record's unfinished last line */
	size_t partial_len;
	int key;                      /* the byte readline reads next */
	bool have_key;
	bool leave;
	FILE *devnull;
	const char *saved_col[7];
};


/* The transcript: lines kept in a ring of TUI_KEEP_LINES; a record's
 * unfinished last line waits in partial.  Adding goes back to the bottom. */
void tui_transcript_add(struct tui *t, const char *text, size_t len);
/* Line mode's text, its colour escapes (ours, from terminfo) turned into
 * the view's markers, then added. */
void tui_transcript_import(struct tui *t, const char *text, size_t len);
/* Kept line i, 0 the oldest. */
const char *tui_line(const struct tui *t, size_t i);

/* Each draws its window into curses' virtual screen (wnoutrefresh). */
void tui_draw_status(struct tui *t);
void tui_draw_transcript(struct tui *t);
void tui_draw_hint(struct tui *t);

#endif
