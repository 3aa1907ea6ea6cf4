/*
 * mailbox.h - is this text an address smtpsh may put between < and > ?
 *
 * Every address smtpsh builds into a command or a header (--from, --to, the
 * message command, the bare `mail ADDR` / `rcpt ADDR`, a lookup name) passes
 * mailbox_check() first, so a `>`, a space or a control can never end the
 * path early and turn the rest into ESMTP parameters or header lines.
 *
 * The grammar is RFC 5321 4.1.2's Mailbox:
 *   Mailbox    = Local-part "@" ( Domain / address-literal )
 *   Local-part = Dot-string / Quoted-string
 * with RFC 6531's UTF-8 (well-formed, non-ASCII) allowed in atext and in
 * domain labels (SMTPUTF8), and address literals per 4.1.3 (IPv4, IPv6:,
 * and Standardized-tag ":" dcontent).  MAILBOX_LOCAL_OK also accepts a
 * Local-part alone ("alice", "Postmaster"): RFC 821 servers, the teaching
 * server and RFC 5321's <Postmaster> take it.  Source routes are not
 * accepted here: the explicit form `mail from:<@a:b@c>` is sent as typed.
 *
 * Pure; no allocation.
 */
#ifndef SMTPSH_MAILBOX_H
#define SMTPSH_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>

enum mailbox_flags {
	MAILBOX_LOCAL_OK = 1 << 0,   /* a Local-part without "@domain" is fine */
	MAILBOX_EMPTY_OK = 1 << 1,   /* "" is fine (the null reverse-path <>) */
};

/* NULL when s (len bytes) is a mailbox, else why not, as a short English
 * phrase ("a space outside quotes", "the domain \"x>\" is not a host name or
 * address literal") to follow "not an RFC 5321 mailbox: ". */
const char *mailbox_check(const char *s, size_t len, unsigned flags);

/* True when s (len bytes) is a Domain of RFC 5321 4.1.2 (LDH labels of 1
 * to 63 octets, at most 255 in all), with U-labels unless ascii_only (a TLS
 * server name, RFC 6066 3, is ASCII). */
bool mailbox_domain_ok(const char *s, size_t len, bool ascii_only);

/* True when quoting the local part ("john doe"@x) would make a mailbox of
 * s: for a hint in the refusal. */
bool mailbox_quoting_helps(const char *s, size_t len, unsigned flags);

#endif
