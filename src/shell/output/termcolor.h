/*
 * termcolor.h - colour through terminfo (setupterm / tigetstr / tiparm): escape
 * strings for reply classes, or empty strings when colour is off (stdout
 * not a terminal, --no-color, NO_COLOR set, or a terminal without colours).
 */
#ifndef SMTPSH_TERMCOLOR_H
#define SMTPSH_TERMCOLOR_H

#include <stdbool.h>

struct output;

/* Decide and fill o->col_* . */
void term_setup_colors(struct output *o, bool want_color);

#endif
