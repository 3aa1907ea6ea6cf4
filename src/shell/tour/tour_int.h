/*
 * tour_int.h - the tour's steps as data, private to src/shell/tour/: the
 * table (tour_steps.c) and the engine that walks it (tour.c).
 *
 * A walkthrough step gives the line to type (`type`); an exercise gives
 * none, only the reply code to bring about (`codes`), and a hint for a
 * wrong try.  `tour next` types `perform` for the student (else `type`),
 * and answers an AUTH secret prompt with `secret` (a demo account's
 * password, which the step's text gives: docs/teaching-server.md).
 */
#ifndef SMTPSH_TOUR_INT_H
#define SMTPSH_TOUR_INT_H

#include <stddef.h>

#define TOUR_PERFORM_MAX 8

struct tour_step {
	const char *title;
	const char *before;          /* what to do, and why */
	const char *type;            /* the line to type; NULL: an exercise */
	const char *word;            /* the first word the check expects (NULL:
	                              * an exercise, any command counts) */
	const char *also;            /* another first word that reaches the same
	                              * goal (ehlo for helo), or NULL */
	short codes[4];              /* replies that complete the step (0-ended);
	                              * none: a shell command, done when run */
	const char *after;           /* what the reply shows */
	const char *hint;            /* an exercise's hint after a wrong try */
	const char *perform[TOUR_PERFORM_MAX]; /* tour next's lines, NULL-ended;
	                              * empty: `type` alone */
	const char *secret;          /* tour next's AUTH password, or NULL */
};

const struct tour_step *tour_step_at(size_t i);

#endif
