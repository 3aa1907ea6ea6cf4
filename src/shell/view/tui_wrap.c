/*
 * tui_wrap.c - how the full-screen view wraps a kept line into screen
 * rows (tui_int.h): display columns counted per UTF-8 character with
 * wcwidth() (a Cyrillic letter is two bytes and one column; the marker
 * bytes standing for colours, and any control byte, take none), a row
 * broken at its last space when that leaves it at least a third full and
 * cut at the width otherwise, and each continuation row started by a
 * marker ("↳ ", or "+ " when the terminal's character set is not UTF-8)
 * that needs neither colour nor attributes to be seen.  Scrolling counts
 * these rows, not lines (tui_rows_*).
 */
#include <langinfo.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "tui_int.h"

const char *tui_cont_mark(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs != NULL && strcmp(cs, "UTF-8") == 0 ? "\u21b3 " : "+ ";
}

size_t tui_char(const char *s, int *cols)
{
	unsigned char c = (unsigned char)s[0];
	if (c < 0x20 || c == 0x7f) {
		*cols = 0;                      /* a marker, or a byte never drawn */
		return 1;
	}
	if (c < 0xc0) {
		*cols = 1;                      /* ASCII, or a stray continuation byte */
		return 1;
	}
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	uint32_t cp = c & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
	for (size_t i = 1; i < n; i++) {
		unsigned char d = (unsigned char)s[i];
		if ((d & 0xc0) != 0x80) {       /* cut short (or the string's end) */
			*cols = 1;
			return i;
		}
		cp = cp << 6 | (d & 0x3f);
	}
	int w = wcwidth((wchar_t)cp);
	*cols = w < 0 ? 1 : w;
	return n;
}

/* True when something is left to show from s on. */
static bool tui_rest_visible(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x20 && *s != ' ')
			return true;
	return false;
}

size_t tui_wrap_row(const char *s, size_t from, int avail, size_t *next)
{
	size_t i = from, space = 0;
	int used = 0, at_space = 0;
	while (s[i] != '\0') {
		int w;
		size_t n = tui_char(s + i, &w);
		if (used + w > avail && used > 0)
			break;
		if (s[i] == ' ' && used > 0) {
			space = i;
			at_space = used;
		}
		used += w;
		i += n;
	}
	size_t end = i;
	if (s[i] != '\0' && s[i] != ' ' && space > from && at_space * 3 >= avail)
		end = space;                    /* a word is not cut in two */
	size_t after = end;
	while (s[after] == ' ')
		after++;
	*next = tui_rest_visible(s + after) ? after : strlen(s);
	return end;
}

int tui_wrap_count(const char *s, int width)
{
	size_t at = 0, len = strlen(s), next;
	int rows = 0;
	do {
		(void)tui_wrap_row(s, at, rows == 0 ? width : width - TUI_CONT_COLS, &next);
		rows++;
		at = next;
	} while (at < len);
	return rows;
}

int tui_trans_width(const struct tui *t)
{
	return t->trans != NULL ? getmaxx(t->trans) : TUI_TRANS_MIN_COLS;
}

size_t tui_rows_after(const struct tui *t, size_t line)
{
	int width = tui_trans_width(t);
	size_t rows = 0;
	for (size_t i = line + 1; i < t->count; i++)
		rows += (size_t)tui_wrap_count(tui_line(t, i), width);
	return rows;
}

size_t tui_rows_total(const struct tui *t)
{
	return t->count > 0 ? tui_rows_after(t, 0) +
	    (size_t)tui_wrap_count(tui_line(t, 0), tui_trans_width(t)) : 0;
}

size_t tui_line_at_row(const struct tui *t, size_t back)
{
	int width = tui_trans_width(t);
	size_t rows = 0;
	for (size_t i = t->count; i > 0; i--) {
		rows += (size_t)tui_wrap_count(tui_line(t, i - 1), width);
		if (rows > back)
			return i - 1;
	}
	return 0;
}
