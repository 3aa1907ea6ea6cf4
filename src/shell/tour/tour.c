/*
 * tour.c - `smtpsh --demo --tour`: a guided tour of RFC 821 against the
 * teaching server, in fifteen short steps (issue 13).  Each step says what
 * to type and why; after every line the student types, the tour looks at
 * what it was and what the server answered: the step's command with the
 * expected reply explains that reply and moves on; anything else is fine
 * (the student may try things off the path) and the tour waits.  `tour`
 * shows the current step again, `tour next` skips it, `tour off` ends it.
 * docs/tutorial.md is this tour as the test suite runs it.
 *
 * The steps are data, in tour_steps.c: the command expected (the first
 * word typed, and the verb it is, if any), the reply codes that count, and
 * the texts.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "shell.h"
#include "tour_int.h"

static void tour_show(struct shell *sh)
{
	const struct tour_step *s = tour_step_at(sh->tour.step);
	out_tour(&sh->out, sh->tour.step + 1, tour_count(), s->title, s->before, s->type, 0,
	    NULL);
}

void tour_start(struct shell *sh)
{
	sh->tour.on = true;
	sh->tour.step = 0;
	tour_show(sh);
}

void tour_command(struct shell *sh, const char *arg)
{
	if (strcmp(arg, "off") == 0) {
		sh->tour.on = false;
		out_note(&sh->out, N_("the tour is off (tour starts it again)"));
		return;
	}
	if (!sh->tour.on) {
		tour_start(sh);
		return;
	}
	if (strcmp(arg, "next") == 0 && sh->tour.step + 1 < tour_count())
		sh->tour.step++;
	tour_show(sh);
}

/* After a line the student ran: the step's command with a reply that
 * counts moves the tour on. */
void tour_after_line(struct shell *sh, const char *line, size_t len)
{
	if (!sh->tour.on || sh->tour.step >= tour_count())
		return;
	const struct tour_step *s = tour_step_at(sh->tour.step);
	size_t w = 0;
	while (w < len && line[w] != ' ')
		w++;
	if (w != strlen(s->word) || strncasecmp(line, s->word, w) != 0)
		return;                  /* off the path: fine, the tour waits */
	if (s->codes[0] != 0) {
		bool hit = false;
		for (size_t i = 0; i < sizeof s->codes / sizeof s->codes[0] && s->codes[i] != 0; i++)
			hit = hit || s->codes[i] == sh->seen.last_code;
		if (!hit)
			return;
	}
	out_tour(&sh->out, sh->tour.step + 1, tour_count(), s->title, NULL, NULL, 0, s->after);
	if (++sh->tour.step == tour_count()) {
		sh->tour.on = false;
		return;
	}
	tour_show(sh);
}
