/*
 * tour.c - `smtpsh --demo --tour`: the engine of the guided tour of RFC 821
 * against the teaching server (issues 13 and 21); the steps are data, in
 * tour_steps.c.  A walkthrough step says what to type and why; an exercise
 * names a reply code and leaves the command to the student.  After every
 * line that brought a reply, the tour says where that leaves the step: the
 * step's command with a reply that counts explains it and moves on; the
 * same goal reached another way ("that also works"), another command, or
 * an exercise's wrong try (with a hint) get one line each, and the tour
 * waits.  `tour` shows the current step again, `tour next` has the shell
 * type the step's command (shown as such) so the session stays where the
 * next step expects it (an AUTH step's demo password given by the tour,
 * never typed out), `tour off` ends it.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "shell.h"
#include "tour_int.h"
#include "verbs.h"

static void tour_show(struct shell *sh)
{
	const struct tour_step *s = tour_step_at(sh->tour.step);
	out_tour(&sh->out, sh->tour.step + 1, tour_count(), s->title, s->before, s->type,
	    s->type == NULL ? s->codes[0] : 0, NULL);
}

void tour_start(struct shell *sh)
{
	sh->tour.on = true;
	sh->tour.step = 0;
	sh->tour.performing = false;
	sh->tour.replies = sh->seen.replies;
	tour_show(sh);
}

const char *const *tour_command(struct shell *sh, const char *arg)
{
	if (strcmp(arg, "off") == 0) {
		sh->tour.on = false;
		out_note(&sh->out, N_("the tour is off (tour starts it again)"));
		return NULL;
	}
	if (!sh->tour.on) {
		tour_start(sh);
		return NULL;
	}
	if (strcmp(arg, "next") != 0) {
		tour_show(sh);
		return NULL;
	}
	/* The step is done for the student, as the student would do it: the
	 * lines go through the shell (shellcmd.c runs them) and the tour sees
	 * them as typed, so the session stays where the next step expects. */
	const struct tour_step *s = tour_step_at(sh->tour.step);
	static const char *one[2];
	one[0] = s->type;
	one[1] = NULL;
	sh->tour.performing = true;
	return s->perform[0] != NULL ? s->perform : one;
}

const char *tour_secret(const struct shell *sh)
{
	if (!sh->tour.on || !sh->tour.performing)
		return NULL;
	const struct tour_step *s = tour_step_at(sh->tour.step);
	return s != NULL ? s->secret : NULL;
}

/* The first word of a line as a person reads it: a verb's name ("VRFY";
 * the verb after raw), else the word itself ("mailbox"). */
static void tour_word(const char *line, size_t len, char *out, size_t cap)
{
	size_t a = 0, w = 0;
	while (w < len && line[w] != ' ')
		w++;
	if (w == 3 && strncasecmp(line, "raw", 3) == 0 && w < len) {
		a = w + 1;
		for (w = a; w < len && line[w] != ' '; w++)
			;
	}
	const struct verb *v = verb_lookup(line + a, w - a);
	if (v != NULL)
		snprintf(out, cap, "%s", v->name);
	else
		snprintf(out, cap, "%.*s", (int)(w - a), line + a);
}

static bool tour_is(const char *word, const char *want)
{
	return want != NULL && strcasecmp(word, want) == 0;
}

static bool tour_hit(const struct tour_step *s, int code)
{
	for (size_t i = 0; i < sizeof s->codes / sizeof s->codes[0] && s->codes[i] != 0; i++)
		if (s->codes[i] == code)
			return true;
	return false;
}

static void tour_done(struct shell *sh, const struct tour_step *s)
{
	out_tour(&sh->out, sh->tour.step + 1, tour_count(), s->title, NULL, NULL, 0, s->after);
	if (++sh->tour.step == tour_count()) {
		sh->tour.on = false;
		return;
	}
	tour_show(sh);
}

/* After a line the student ran (DATA's: after its body). */
void tour_after_line(struct shell *sh, const char *line, size_t len)
{
	if (!sh->tour.on || sh->tour.step >= tour_count() || sh->body.on)
		return;                  /* a body is DATA's: judged at its end */
	const struct tour_step *s = tour_step_at(sh->tour.step);
	bool replied = sh->seen.replies != sh->tour.replies;
	int code = sh->seen.last_code;
	sh->tour.replies = sh->seen.replies;
	char word[32], want[32];
	tour_word(line, len, word, sizeof word);
	if (strcasecmp(word, "tour") == 0) {
		sh->tour.performing = false;   /* `tour next` has run its lines */
		return;
	}
	bool remark = !sh->tour.performing; /* what the tour typed is on script */
	if (s->type == NULL) {                /* an exercise: any command */
		if (replied && tour_hit(s, code))
			tour_done(sh, s);
		else if (replied && remark)
			out_note(&sh->out, N_("not yet: %s got %d, the goal is %d. Hint: %s"), word, code,
			    s->codes[0], out_translates(&sh->out) ? _(s->hint) : s->hint);
		return;
	}
	tour_word(s->word, strlen(s->word), want, sizeof want);
	bool same = tour_is(word, s->word) || tour_is(word, s->also);
	if (s->codes[0] == 0) {               /* a shell command: done when run */
		if (same)
			tour_done(sh, s);
		else if (replied && remark)
			out_note(&sh->out, N_("that was %s, not %s: still waiting for `%s`"), word, want,
			    s->type);
		return;
	}
	if (!replied)
		return;                           /* a shell command: no reply to judge */
	if (same && tour_hit(s, code)) {
		if (remark && (len != strlen(s->type) || strncasecmp(line, s->type, len) != 0))
			out_note(&sh->out, N_("that also works: %s got %d, as the step wanted"), word, code);
		tour_done(sh, s);
	} else if (same && remark) {
		out_note(&sh->out, N_("%s got %d, not %d: still waiting for `%s`"), word, code,
		    s->codes[0], s->type);
	} else if (remark) {
		out_note(&sh->out, N_("that was %s (%d), not %s: still waiting for `%s`"), word, code,
		    want, s->type);
	}
}
