/*
 * tui_ring.c - the full-screen view's transcript (tui_int.h): what the
 * shell printed, colour as marker bytes, kept line by line in a ring of
 * TUI_KEEP_LINES (the oldest dropped first, the search's match index
 * following), a record's unfinished last line waiting in `partial`; and
 * line mode's backlog brought in with its colour escapes turned into the
 * markers.  Calls nothing else of the view: wrapping, search and drawing
 * read it through tui_line().
 */
#include <stdlib.h>
#include <string.h>

#include "tui_int.h"

static void tui_keep_line(struct tui *t, const char *s, size_t n)
{
	char *copy = malloc(n + 1);
	if (copy == NULL)
		return;
	memcpy(copy, s, n);
	copy[n] = '\0';
	size_t at = (t->head + t->count) % TUI_KEEP_LINES;
	if (t->count == TUI_KEEP_LINES) {
		free(t->ring[t->head]);
		if (t->have_match && t->match == 0)   /* the search's match goes too */
			t->have_match = false;
		else if (t->have_match)
			t->match--;
		t->head = (t->head + 1) % TUI_KEEP_LINES;
		at = (t->head + t->count - 1) % TUI_KEEP_LINES;
	} else {
		t->count++;
	}
	t->ring[at] = copy;
}

const char *tui_line(const struct tui *t, size_t i)
{
	return t->ring[(t->head + i) % TUI_KEEP_LINES];
}

void tui_transcript_add(struct tui *t, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			tui_keep_line(t, t->partial, t->partial_len);
			t->partial_len = 0;
		} else if (t->partial_len < sizeof t->partial - 1) {
			t->partial[t->partial_len++] = text[i];
		}
	}
	t->scroll = 0;
}

void tui_transcript_import(struct tui *t, const char *text, size_t len)
{
	const struct output *o = &t->sh->out;
	const char *cols[7] = { o->col_ok, o->col_mid, o->col_warn, o->col_bad, o->col_local,
		o->col_dim, o->col_off };
	struct strbuf sb;
	strbuf_init(&sb, OUT_BACKLOG_MAX);
	for (size_t i = 0; i < len;) {
		size_t k = 0, n = 0;
		for (; k < 7; k++) {
			n = strlen(cols[k]);
			if (n > 0 && n <= len - i && memcmp(text + i, cols[k], n) == 0)
				break;
		}
		if (k < 7) {
			(void)strbuf_appendc(&sb, (char)(MK_OK + k));
			i += n;
		} else {
			(void)strbuf_appendc(&sb, text[i++]);
		}
	}
	tui_transcript_add(t, strbuf_str(&sb), sb.len);
	strbuf_free(&sb);
}
