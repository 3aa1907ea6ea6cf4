/*
 * tour_int.h - the tour's steps as data, private to src/shell/tour/: the
 * table (tour_steps.c) and the engine that walks it (tour.c).
 */
#ifndef SMTPSH_TOUR_INT_H
#define SMTPSH_TOUR_INT_H

#include <stddef.h>

struct tour_step {
	const char *title;
	const char *before;          /* what to type, and why */
	const char *type;            /* the line to type */
	const char *word;            /* its first word, as the check sees it */
	short codes[4];              /* replies that complete the step (0-ended);
	                              * none: a shell command, done when run */
	const char *after;           /* what the reply shows */
};

const struct tour_step *tour_step_at(size_t i);

#endif
