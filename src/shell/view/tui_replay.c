/*
 * tui_replay.c - `smtpsh --replay FILE --tui` (tui.h): the replay
 * (replaycmd.c) played inside the full-screen view.  Its records reach the
 * transcript through output.h's sink like a live session's, and the
 * diagram lights the state the replayed replies lead to.  Between commands
 * the replay asks shell_tui's step hook, which runs the view's loop until
 * a line is entered: Enter plays the next command, q stops (the prompt
 * says so), /TEXT searches meanwhile and PgUp/PgDn scroll.  Once the file
 * is played the view stays, for reading, until q or Ctrl-D.
 */
#include "tui.h"
#include "tui_int.h"

static bool tui_replay_step(void *ctx)
{
	struct tui *t = ctx;
	t->step_answer = 0;
	t->leave = false;
	tui_loop(t);
	t->leave = false;
	return t->step_answer > 0 && !t->sh->stop;
}

bool tui_replay(struct shell *sh, const char *path)
{
	struct tui *t = tui_begin(sh, TUI_REPLAY_STEPS);
	if (t == NULL)
		return false;
	/* TRANSLATORS: the first line of a replay in the full-screen view. */
	out_note(&sh->out, N_("replay in the full-screen view: Enter plays the next command, q stops"));
	sh->tui.step = tui_replay_step;
	shell_replay(sh, path, true);
	sh->tui.step = NULL;
	if (!sh->stop) {
		t->replaying = TUI_REPLAY_OVER;
		tui_prompt(t);
		tui_loop(t);
	}
	tui_finish(t);
	return true;
}
