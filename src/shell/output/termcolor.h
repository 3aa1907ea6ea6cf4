/*
 * termcolor.h - colour through terminfo (setupterm / tigetstr / tiparm): escape
 * strings for reply classes, or empty strings when colour is off (stdout
 * not a terminal, --no-color, NO_COLOR set, or a terminal without colours);
 * and the terminal's width, for the lookup table.
 */
#ifndef SMTPSH_TERMCOLOR_H
#define SMTPSH_TERMCOLOR_H

#include <stdbool.h>

struct output;

/* Decide and fill o->col_* (and o->ellipsis: "…" in a UTF-8 locale). */
void term_setup_colors(struct output *o, bool want_color);
/* The columns (rows) of the terminal fd is, or 0 when it is none. */
unsigned term_width(int fd);
unsigned term_rows(int fd);

#endif
