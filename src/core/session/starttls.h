/*
 * starttls.h - implicit TLS at connect (RFC 8314 section 3.3, port 465):
 * set session_options.after_connect to implicit_tls_after_connect and
 * after_connect_ctx to a struct implicit_tls; session_open() then runs
 * tls_start() between connect and the greeting, with the same verification
 * and the same failures as STARTTLS.  (STARTTLS itself is session.h's
 * session_start_tls, after a 220 to a STARTTLS sent like any command.)
 */
#ifndef SMTPSH_STARTTLS_H
#define SMTPSH_STARTTLS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "reply.h"
#include "session.h"
#include "strbuf.h"
#include "tls.h"

struct implicit_tls {
	struct tls_options opt;     /* opt.host: the host the user typed */
	struct tls_info info;       /* filled by the handshake */
	bool done;                  /* the handshake ran (info is meaningful) */
};

/* An after_connect hook (session.h); ctx is a struct implicit_tls. */
enum smtp_errkind implicit_tls_after_connect(void *ctx, struct transport *t,
    struct smtp_error *err);

#endif
