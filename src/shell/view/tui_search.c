/*
 * tui_search.c - the full-screen view's search (tui_int.h): `/TEXT` looks
 * through every kept line, starting at the lowest line on screen and going
 * up, round to the bottom when it reaches the top; case is ignored
 * (towlower() on each character, so Cyrillic too) and colour markers are
 * skipped.  Right after a search, n and N on an empty input line go to the
 * next match (up) and the previous one (down), wrapping around.  What the
 * search has to say ("match 2 of 5", "... is not in the transcript") is
 * drawn in the hint row, never added to the transcript, so a search can
 * never find its own words.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "tui_int.h"

/* s folded into out (at most cap bytes, NUL-terminated): lower case,
 * marker and control bytes left out. */
static void tui_fold(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	while (*s != '\0' && o + MB_LEN_MAX < cap) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f) {
			s++;
			continue;
		}
		if (c < 0x80) {
			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
			s++;
			continue;
		}
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, strlen(s), &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);  /* not this locale's: kept as it is */
			out[o++] = *s++;
			continue;
		}
		char mb[MB_LEN_MAX];
		mbstate_t ws;
		memset(&ws, 0, sizeof ws);
		size_t m = wcrtomb(mb, (wchar_t)towlower((wint_t)wc), &ws);
		if (m == (size_t)-1) {
			memcpy(out + o, s, n);
			o += n;
		} else {
			memcpy(out + o, mb, m);
			o += m;
		}
		s += n;
	}
	out[o] = '\0';
}

bool tui_search_hit(const struct tui *t, const char *line)
{
	if (t->needle[0] == '\0')
		return false;
	char folded[TUI_LINE_MAX * 2];
	tui_fold(line, folded, sizeof folded);
	return strstr(folded, t->needle) != NULL;
}

size_t tui_search_count(const struct tui *t, size_t *ordinal)
{
	size_t n = 0;
	*ordinal = 0;
	for (size_t i = 0; i < t->count; i++) {
		if (tui_search_hit(t, tui_line(t, i))) {
			n++;
			if (t->have_match && i == t->match)
				*ordinal = n;
		}
	}
	return n;
}

/* Scroll so the match is on screen: left alone when it is, else about the
 * middle of the transcript pane. */
static void tui_show_match(struct tui *t)
{
	int h = t->trans != NULL ? getmaxy(t->trans) : TUI_BODY_MIN_ROWS;
	size_t below = tui_rows_after(t, t->match);
	size_t rows = (size_t)tui_wrap_count(tui_line(t, t->match), tui_trans_width(t));
	if (below >= t->scroll && below + rows <= t->scroll + (size_t)h)
		return;
	size_t mid = below + rows / 2;
	t->scroll = mid > (size_t)h / 2 ? mid - (size_t)h / 2 : 0;
	size_t total = tui_rows_total(t);
	size_t most = total > (size_t)h ? total - (size_t)h : 0;
	if (t->scroll > most)
		t->scroll = most;
}

/* From line `from` (itself included) the nearest match going up (dir -1)
 * or down (+1), round the ends. */
static bool tui_find(struct tui *t, size_t from, int dir)
{
	for (size_t k = 0; k < t->count; k++) {
		size_t i = dir < 0 ? (from + t->count - k) % t->count : (from + k) % t->count;
		if (tui_search_hit(t, tui_line(t, i))) {
			t->match = i;
			t->have_match = true;
			tui_show_match(t);
			return true;
		}
	}
	return false;
}

void tui_search_start(struct tui *t, const char *text)
{
	snprintf(t->sh->tui.search, sizeof t->sh->tui.search, "%s", text);
	tui_fold(text, t->needle, sizeof t->needle);
	t->have_match = false;
	t->searching = t->needle[0] != '\0';
	t->stepped = 0;
	if (t->searching && t->count > 0)
		(void)tui_find(t, tui_line_at_row(t, t->scroll), -1);
}

void tui_search_step(struct tui *t, int dir)
{
	if (!t->have_match || t->count == 0)
		return;
	(void)tui_find(t, dir < 0 ? (t->match + t->count - 1) % t->count : (t->match + 1) % t->count,
	    dir);
}

void tui_search_hint(const struct tui *t, char *buf, size_t cap)
{
	size_t ordinal, n = tui_search_count(t, &ordinal);
	if (n == 0 && cap > 1) {
		buf[0] = ' ';
		snprintf(buf + 1, cap - 1, _("\"%s\" is not in the transcript"), t->sh->tui.search);
	} else if (n == 0) {
		buf[0] = '\0';
	}
	else if (ordinal == 0)
		/* TRANSLATORS: the hint row after a search whose match scrolled
		 * away; n and N are keys. */
		snprintf(buf, cap, _(" /%s: %zu matches   n: next   N: previous   Esc: typing"),
		    t->sh->tui.search, n);
	else
		/* TRANSLATORS: the hint row after a search: which match is shown,
		 * of how many; n and N are keys, Esc goes back to typing. */
		snprintf(buf, cap, _(" /%s: match %zu of %zu   n: next   N: previous   Esc: typing"),
		    t->sh->tui.search, ordinal, n);
}
