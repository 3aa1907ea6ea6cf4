/*
 * options_table.c - the command line's one option table: each option's
 * long name, key, argument and help line.  --help, the man page, shell
 * completion and the shell's `lookup` options all read it (options.h).
 */
#include "options.h"
#include "options_int.h"

#include "tr.h"

static const struct smtpsh_option option_table[] = {
	{ "execute", 'e', "CMD", N_("run CMD (repeatable), then exit") },
	{ "json", OPT_JSON, NULL, N_("one JSON object per line on stdout, each with a \"type\"") },
	{ "stop-on-error", OPT_STOP, NULL, N_("at the first 4xx/5xx reply send QUIT and stop") },
	{ "timeout", OPT_TIMEOUT, "SECS", N_("MX lookup, connect, TLS handshake and reply "
	  "deadline (default: RFC 5321 4.5.3.2's, per command)") },
	{ "ipv4", '4', NULL, N_("IPv4 only") },
	{ "ipv6", '6', NULL, N_("IPv6 only") },
	{ "no-mx", OPT_NO_MX, NULL, N_("connect to HOST as given, never to its MX hosts") },
	{ "mx", OPT_MX, NULL, N_("route by MX even when a port is given (each MX host on that port)") },
	{ "bind", OPT_BIND, "ADDR", N_("connect from this local IPv4 or IPv6 address") },
	{ "local-interface", OPT_BIND, "ADDR", N_("the same as --bind (swaks' name)") },
	{ "no-color", OPT_NO_COLOR, NULL, N_("no colour (also when NO_COLOR is set or stdout is no tty)") },
	{ "no-pager", OPT_NO_PAGER, NULL, N_("never page long output (help, mailbox) through $PAGER") },
	{ "tls", OPT_TLS, NULL, N_("implicit TLS right after connecting (SMTPS, port 465)") },
	{ "insecure", OPT_INSECURE, NULL, N_("go on when the certificate does not verify (still shown)") },
	{ "cafile", OPT_CAFILE, "FILE", N_("trust these CA certificates instead of the system's") },
	{ "sni", OPT_SNI, "NAME", N_("send NAME as the TLS server name (SNI) instead of the host's") },
	{ "tls-protocol", OPT_TLS_PROTOCOL, "VERSION", N_("the lowest TLS version to accept: 1.2 "
	  "(the default, RFC 8997) or 1.3") },
	{ "tls-cipher", OPT_TLS_CIPHER, "LIST", N_("OpenSSL cipher list for TLS 1.2 (it then caps "
	  "the version at 1.2), or TLS 1.3 suites (TLS_AES_128_GCM_SHA256:...)") },
	{ "verify-name", OPT_VERIFY_NAME, "NAME", N_("check the certificate against NAME (and "
	  "send it as SNI) when connecting by address or through MX") },
	{ "cert", OPT_CERT, "FILE", N_("present this client certificate (PEM, chain allowed)") },
	{ "key", OPT_KEY, "FILE", N_("its private key (PEM, not encrypted; default: in the --cert file)") },
	{ "password-file", OPT_PASSWORD_FILE, "FILE", N_("the AUTH secret (else SMTPSH_PASSWORD, "
	  "else a prompt)") },
	{ "token-file", OPT_TOKEN_FILE, "FILE", N_("the OAuth 2.0 bearer token for AUTH XOAUTH2 and "
	  "OAUTHBEARER (else SMTPSH_TOKEN, else a prompt)") },
	{ "allow-plaintext-auth", OPT_ALLOW_PLAIN, NULL, N_("allow AUTH without TLS in scripts") },
	{ "transcript", OPT_TRANSCRIPT, "FILE", N_("every byte each way, timestamped, secrets "
	  "replaced; appended to FILE") },
	{ "transcript-overwrite", OPT_TRANSCRIPT_OVERWRITE, NULL, N_("empty the transcript FILE first") },
	{ "from", OPT_FROM, "ADDR", N_("send a test message from ADDR (MAIL, the RCPTs, DATA), "
	  "reporting the recipients refused; with --lookup, the MAIL FROM of RCPT probes "
	  "(default: the null sender <>)") },
	{ "to", OPT_TO, "ADDR", N_("a recipient of the test message (repeatable)") },
	{ "subject", OPT_SUBJECT, "TEXT", N_("its Subject (default: smtpsh test message)") },
	{ "header", OPT_HEADER, "'NAME: VALUE'", N_("an extra header line (repeatable)") },
	{ "body", OPT_BODY, "TEXT", N_("its body text") },
	{ "body-file", OPT_BODY_FILE, "FILE", N_("its body, from FILE") },
	{ "attach", OPT_ATTACH, "FILE", N_("attach FILE, base64, its media type from its name "
	  "(repeatable)") },
	{ "no-pipelining", OPT_NO_PIPELINING, NULL, N_("one command at a time even when the server "
	  "advertises PIPELINING (test messages and lookups)") },
	{ "bdat", OPT_BDAT, NULL, N_("send the message with BDAT chunks (CHUNKING, RFC 3030)") },
	{ "helo", OPT_HELO, "NAME", N_("our name in HELO/EHLO (a domain or [address]); default: "
	  "this machine's full name") },
	{ "ehlo", OPT_HELO, "NAME", N_("the same as --helo") },
	{ "proxy", OPT_PROXY, "1|2", N_("send a HAProxy PROXY header (version 1 text, 2 binary) "
	  "before anything else, for a server behind a load balancer") },
	{ "proxy-source", OPT_PROXY_SOURCE, "ADDR:PORT", N_("the client the PROXY header names "
	  "(default: this end of the connection)") },
	{ "proxy-dest", OPT_PROXY_DEST, "ADDR:PORT", N_("the address the PROXY header says was "
	  "reached (default: the server's end)") },
	{ "xclient", OPT_XCLIENT, "'ATTR=VALUE ...'", N_("Postfix XCLIENT after the hello (and "
	  "STARTTLS), then the hello again: NAME, ADDR, PORT, PROTO, HELO, LOGIN, DESTADDR, DESTPORT "
	  "(repeatable; each one command)") },
	{ "profile", OPT_PROFILE, "PROFILE", N_("the settings (and host) of [PROFILE] in ~/.config/smtpsh/config") },
	{ "timing", OPT_TIMING, NULL, N_("show each reply's latency (JSON: elapsed_ms)") },
	{ "lmtp", OPT_LMTP, NULL, N_("speak LMTP (RFC 2033): LHLO, one reply per recipient") },
	{ "starttls", OPT_STARTTLS, NULL, N_("STARTTLS before the message (refused: stop)") },
	{ "auth", OPT_AUTH, "MECH", N_("AUTH before the message (PLAIN, LOGIN, CRAM-MD5, "
	  "SCRAM-SHA-256, XOAUTH2, OAUTHBEARER)") },
	{ "auth-user", OPT_AUTH_USER, "USER", N_("the user for --auth") },
	{ "notify", OPT_NOTIFY, "WHEN", N_("DSN: NOTIFY=WHEN on each RCPT (NEVER, or SUCCESS,FAILURE,DELAY)") },
	{ "ret", OPT_RET, "FULL|HDRS", N_("DSN: RET= on MAIL") },
	{ "envid", OPT_ENVID, "ID", N_("DSN: ENVID= on MAIL") },
	{ "orcpt", OPT_ORCPT, NULL, N_("DSN: ORCPT=rfc822;ADDR on each RCPT") },
	{ "requiretls", OPT_REQUIRETLS, NULL, N_("REQUIRETLS on MAIL (RFC 8689; needs TLS)") },
	{ "force", OPT_FORCE, NULL, N_("send a message larger than the server's SIZE limit anyway") },
	{ "stage-status", OPT_STAGE_STATUS, NULL, N_("exit with the number of the stage that "
	  "failed, as swaks does (21 banner, 22 hello, 23 MAIL, 24 RCPT, 25 DATA, 26 the message, "
	  "27 QUIT, 28 AUTH, 29 TLS, 32 the EHLO after TLS, 33 XCLIENT, 34 the hello after it)") },
	{ "quit-after", OPT_QUIT_AFTER, "STAGE", N_("stop after connect, banner, ehlo, tls, xclient, "
	  "auth, mail, rcpt or data (then QUIT)") },
	{ "tui", OPT_TUI, NULL, N_("the full-screen view: status bar, transcript, state diagram "
	  "(`view` switches back); with --serve: the class as a live table") },
	{ "replay", OPT_REPLAY, "FILE", N_("play a --transcript back offline, with meanings and verdicts") },
	{ "step", OPT_STEP, NULL, N_("with --replay: one command at a time (Enter: next)") },
	{ "lookup", OPT_LOOKUP, "FILE", N_("check every name in FILE (one a line, # comments, - for "
	  "stdin) against HOST, then exit") },
	{ "audit", OPT_AUDIT, NULL, N_("audit HOST, or every MX host of DOMAIN: open relay, "
	  "VRFY/EXPN, AUTH before TLS, STARTTLS, banner, limits, early talking, TLS versions, "
	  "ciphers and certificate, SMTP smuggling (with --to), reverse DNS, DANE, MTA-STS, TLS-RPT; "
	  "a finding per check with its fix") },
	{ "method", OPT_METHOD, "METHOD", N_("how lookups ask: vrfy, expn, rcpt, or auto (the default: "
	  "VRFY when it gives real answers, else RCPT)") },
	{ "domain", OPT_DOMAIN, "DOMAIN", N_("appended to bare names for RCPT probes") },
	{ "csv", OPT_CSV, NULL, N_("lookup results as CSV (RFC 4180, a header row)") },
	{ "output", OPT_OUTPUT, "FILE", N_("write lookup results to FILE (the screen keeps the progress)") },
	{ "rate", OPT_RATE, "N[/s|/m]", N_("at most N lookup commands a second (or a minute)") },
	{ "per-connection", OPT_PER_CONNECTION, "N", N_("ask N names per connection, then reconnect "
	  "(default: learn the server's limit)") },
	{ "max-connections", OPT_MAX_CONNECTIONS, "N", N_("open at most N connections for a lookup run") },
	{ "retries", OPT_RETRIES, "N", N_("ask a name again N times after a temporary (4xx) answer "
	  "(default 2)") },
	{ "resume", OPT_RESUME, "RESULTS", N_("keep the answered rows of an earlier --csv or --json run "
	  "and ask only the rest") },
	{ "demo", OPT_DEMO, NULL, N_("start the built-in teaching server and connect to it") },
	{ "tour", OPT_TOUR, NULL, N_("with --demo: a guided tour of RFC 821, then exercises") },
	{ "serve", OPT_SERVE, "[ADDR:]PORT", N_("run the teaching server alone (127.0.0.1 by default), "
	  "one line per session event on stdout") },
	{ "disable", OPT_DISABLE, "VERB", N_("the teaching server answers VERB with 502 (repeatable)") },
	{ "quiet", OPT_QUIET, NULL, N_("--serve: no log of the class's sessions on stdout") },
	{ "error-limit", OPT_ERROR_LIMIT, "N", N_("the teaching server ends a session with 421 after "
	  "N error replies (default 20)") },
	{ "help", 'h', NULL, N_("this text") },
	{ "version", 'V', NULL, N_("the version") },
};

_Static_assert(sizeof option_table / sizeof option_table[0] <= OPTIONS_MAX,
    "options.c's getopt table has room for every option");
#define OPTION_COUNT (sizeof option_table / sizeof option_table[0])

size_t options_count(void)
{
	return OPTION_COUNT;
}

const struct smtpsh_option *options_at(size_t i)
{
	return i < OPTION_COUNT ? &option_table[i] : NULL;
}
