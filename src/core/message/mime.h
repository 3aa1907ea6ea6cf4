/*
 * mime.h - header text of a built message (message.c uses it; options
 * checks call the two predicates before connecting):
 * - mime_header_text_ok: a header value or subject holds no control but
 *   TAB (RFC 5322 2.2: no CR or LF can start a header of its own);
 * - mime_header_name_ok: a field name is printable ASCII without ":";
 * - mime_put_word: RFC 2047 "B" encoded-words (at most 75 characters, whole
 *   UTF-8 characters each, folded) for text that is not ASCII;
 * - mime_put_param: a MIME parameter `; attr="v"`, or RFC 2231's
 *   `attr*0*=UTF-8''%XX` continuations when v is not plain printable ASCII.
 */
#ifndef SMTPSH_MIME_H
#define SMTPSH_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

bool mime_ascii(const char *s);
bool mime_header_text_ok(const char *s);
bool mime_header_name_ok(const char *s, size_t len);
void mime_put_word(struct strbuf *sb, const char *s);
void mime_put_param(struct strbuf *sb, const char *attr, const char *v);

#endif
