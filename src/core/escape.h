/*
 * escape.h - the single transform from untrusted bytes (anything a server
 * sent) to display-safe text.  Every sink -- screen, JSON, transcript --
 * passes server bytes through one of these first.
 *
 * escape_terminal: printable ASCII and well-formed UTF-8 pass through,
 * except code points that can fool a reader (C1 controls U+0080-U+009F,
 * bidi overrides/isolates U+202A-U+202E, U+2066-U+2069, and the like);
 * TAB becomes "\t", CR "\r", LF "\n", backslash "\\", ESC "\e", other C0,
 * DEL, invalid UTF-8 bytes and the code points above "\xNN" (or "\u{XXXX}").
 * The output never contains a byte below 0x20 or 0x7F.
 *
 * escape_json: a JSON string body (no quotes): RFC 8259 escapes; invalid
 * UTF-8 bytes become "\u00XX"-style replacements so the output is always
 * valid UTF-8 JSON; C1 and bidi controls escaped as \uXXXX.
 */
#ifndef SMTPSH_ESCAPE_H
#define SMTPSH_ESCAPE_H

#include <stddef.h>

#include "strbuf.h"

enum smtp_errkind escape_terminal(struct strbuf *out, const char *in, size_t len);
enum smtp_errkind escape_json(struct strbuf *out, const char *in, size_t len);
/* The inverse of escape_terminal (transcripts read back by --replay):
 * \t \r \n \e \\ \xNN \u{NNNN} become the bytes they stand for; anything
 * else is copied.  Appends to out (SMTP_ERR_NOMEM at its maximum). */
enum smtp_errkind unescape_terminal(struct strbuf *out, const char *in, size_t len);

#endif
