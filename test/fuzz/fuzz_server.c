/*
 * fuzz_server.c - libFuzzer target for the teaching server's protocol
 * engine: the input is what a client sends, fed to one session without a
 * socket (the engine takes bytes and fills an output buffer), in pieces
 * whose size the first byte picks.  After each piece the output is
 * checked and dropped, as if sent, and TURN's body pump runs, as the poll
 * loop in server.c does.  Limits are small (1 MiB of memory, 64 KiB
 * messages, the default error limit) so the refusals are reached.
 *
 * Invariants: outside TURN every line the server writes is a reply
 * ("ddd", ' ' or '-', text, CRLF; 2xx..5xx; at most 512 octets); unsent
 * output never reaches SRV_OUT_MAX; once the session and its store are
 * freed the memory count is back to zero (nothing escapes the ceiling's
 * accounting).
 *
 * The server's sources are compiled into this harness so that libFuzzer
 * instruments them too; that keeps test/fuzz/meson.build to one entry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/server/demo_dir.c"
#include "../../src/server/msgstore.c"
#include "../../src/server/server.c"
#include "../../src/server/server_ask.c"
#include "../../src/server/server_auth.c"
#include "../../src/server/server_cmd.c"
#include "../../src/server/server_conn.c"
#include "../../src/server/server_data.c"
#include "../../src/server/server_reply.c"
#include "../../src/server/server_show.c"
#include "../../src/server/server_tls.c"
#include "../../src/server/server_turn.c"
#include "../../src/server/server_turned.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check and drop what the server would send now. */
static void fuzz_drain(struct srv_conn *c, bool replies)
{
	if (c->out.len >= SRV_OUT_MAX)
		abort();
	const char *p = c->out.data, *end = p + c->out.len;
	while (replies && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL || nl == p || nl[-1] != '\r')
			abort();                          /* every line ends in CRLF */
		size_t n = (size_t)(nl - p) + 1;
		if (n < 6 || n > SMTP_REPLY_LINE_MAX)
			abort();
		if (p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' ||
		    p[2] > '9' || (p[3] != ' ' && p[3] != '-'))
			abort();
		p = nl + 1;
	}
	strbuf_reset(&c->out);
	c->outpos = 0;
	c->reply_mark = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > 1u << 20)
		return 0;
	size_t piece = (size_t)data[0] * 7 + 1;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;

	struct srv *s = calloc(1, sizeof *s);
	struct srv_conn *c = calloc(1, sizeof *c);
	if (s == NULL || c == NULL)
		abort();
	s->cfg = (struct server_config){ .max_memory_bytes = 1u << 20,
	    .max_message_bytes = 64u * 1024 };
	srv_apply_defaults(&s->cfg, s->hostname, sizeof s->hostname, true);
	srv_mem_init(&s->mem, s->cfg.max_memory_bytes);
	if (demo_dir_init(&s->dir, &s->mem) != 0 || srv_tls_init(&s->tls) != 0 ||
	    srv_conn_init(c, -1, s) != 0)
		abort();
	srv_conn_greet(c);
	fuzz_drain(c, true);
	for (size_t off = 0; off < len && !c->closing;) {
		size_t n = len - off < piece ? len - off : piece;
		bool turned = c->turn != TURN_NONE;
		size_t used = srv_conn_input(s, c, in + off, n);
		if (used > n || (used < n && !c->closing))
			abort();                          /* all of it, unless closing */
		off += n;
		/* Output made after TURN started holds our commands, not replies. */
		bool replies = !turned && c->turn == TURN_NONE;
		srv_turn_pump(s, c);
		srv_conn_charge_out(c);
		fuzz_drain(c, replies);
	}
	if (c->turn != TURN_NONE)
		srv_turn_requeue(s, c);
	srv_conn_free(c);
	demo_dir_free(&s->dir);
	srv_tls_free(&s->tls);         /* STARTTLS's certificate, when one was made */
	if (atomic_load(&s->mem.used) != 0 || atomic_load(&s->mem.stored) != 0)
		abort();                                  /* the count leaked */
	free(s);
	free(c);
	return 0;
}
