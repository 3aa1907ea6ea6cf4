/*
 * lookup_probe.c - the lookup engine's single probes (lookup_int.h): the
 * VRFY and EXPN methods, one name at a time (a list VRFY names is expanded
 * by EXPN; a 500 or 502 makes auto choose again, or stops a forced
 * method); auto's choice of method (VRFY of postmaster and of a random
 * name: real answers to both, or RCPT); the RCPT transaction (MAIL FROM once, RSET every
 * LOOKUP_RCPT_PER_TXN recipients, both sent ahead of a pipelined group when
 * the server allows it, RFC 2920 3.1; DATA is never sent); and the catch-all
 * probe: an RCPT of a random name that cannot exist, once per domain.
 */
#include "lookup_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "smtp_limits.h"
#include "unused.h"
#include "verbs.h"

const char *lookup_name_domain(const struct lookup *lk)
{
	if (lk->cfg->domain != NULL && lk->cfg->domain[0] != '\0')
		return lk->cfg->domain;
	return lk->qualify[0] != '\0' ? lk->qualify : NULL;
}

/* The argument for name: name@domain for a bare name when there is a
 * domain, else the name as given. */
static void lookup_name_arg(const struct lookup *lk, const char *name, char *arg, size_t cap)
{
	const char *d = lookup_name_domain(lk);
	if (d == NULL || strchr(name, '@') != NULL || !lookup_rcpt_address(name, d, arg, cap))
		snprintf(arg, cap, "%s", name);
}

bool lookup_qualify(struct lookup *lk, const struct smtp_reply *r)
{
	const char *d = session_extensions(lk->s)->domain;
	if (d[0] == '\0')
		d = session_greeting_domain(lk->s);   /* HELO only, or an address literal */
	if (lookup_name_domain(lk) != NULL || d[0] == '\0')
		return false;
	snprintf(lk->qualify, sizeof lk->qualify, "%s", d);
	const struct reply_line *l = r->nlines > 0 ? &r->lines[0] : NULL;
	lookup_event(lk, LOOKUP_EV_METHOD, NULL, "the server wants a domain (%03d %.*s): bare "
	    "names are asked as name@%s from now on (--domain chooses another)", r->code,
	    l != NULL ? (int)(l->len > 120 ? 120 : l->len) : 0, l != NULL ? l->text : "", d);
	return true;
}

/* VRFY or EXPN (id) of name, qualified with lookup_name_domain(); a 501
 * asking for a domain to a bare name is not its answer: the name is asked
 * again as name@(the EHLO domain), and bare names get it from then on.
 * arg gets what was sent last (cap SMTP_COMMAND_LINE_MAX). */
static enum smtp_errkind lookup_ask_name(struct lookup *lk, enum verb_id id, const char *name,
    char *arg, struct session_reply *out, struct smtp_error *err)
{
	lookup_name_arg(lk, name, arg, SMTP_COMMAND_LINE_MAX);
	enum smtp_errkind k = lookup_command(lk, verb_by_id(id), arg, out, err);
	if (k == SMTP_OK && strchr(arg, '@') == NULL && lookup_wants_domain(&out->reply) &&
	    lookup_qualify(lk, &out->reply)) {
		lookup_name_arg(lk, name, arg, SMTP_COMMAND_LINE_MAX);
		session_reply_free(out);
		session_reply_init(out);
		k = lookup_command(lk, verb_by_id(id), arg, out, err);
	}
	return k;
}

/* A local part nobody has: LOOKUP_PROBE_PREFIX and 12 random hex digits. */
static void lookup_random_name(char *out, size_t cap)
{
	unsigned char b[6];
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		unsigned long long x = (unsigned long long)ts.tv_nsec * 2654435761ull ^ (unsigned long long)ts.tv_sec;
		memcpy(b, &x, sizeof b);
	}
	snprintf(out, cap, LOOKUP_PROBE_PREFIX "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
	    b[4], b[5]);
}

static bool lookup_real_yes(int code)
{
	return code == 250 || code == 251;
}

static bool lookup_real_no(const struct smtp_reply *r)
{
	return (r->code == 550 || r->code == 551 || r->code == 553) &&
	    !(r->enh.cls != 0 && r->enh.subject == 7);
}

/* VRFY or EXPN (id) of a random name: does it say yes to anything? */
static enum smtp_errkind lookup_vrfy_random(struct lookup *lk, enum verb_id id,
    struct session_reply *r, struct smtp_error *err)
{
	char name[64], arg[SMTP_COMMAND_LINE_MAX];
	lookup_random_name(name, sizeof name);
	enum smtp_errkind k = lookup_ask_name(lk, id, name, arg, r, err);
	if (k == SMTP_OK && lookup_real_yes(r->reply.code)) {
		lk->vrfy_catch_all = true;
		lk->sum->catch_all = 1;
		lookup_event(lk, LOOKUP_EV_CATCH_ALL, NULL, "%s says yes to a random name (%s: "
		    "%d): its \"exists\" is reported as \"accepted\"", verb_by_id(id)->name, arg,
		    r->reply.code);
	} else if (k == SMTP_OK && lk->sum->catch_all < 0) {
		lk->sum->catch_all = 0;
	}
	return k;
}

/* VRFY or EXPN (id) of postmaster and of a random name: true when the
 * first is a real yes and the second a real no. */
static bool lookup_probe_pair(struct lookup *lk, enum verb_id id, enum smtp_errkind *k,
    int codes[2], struct smtp_error *err)
{
	struct session_reply pm, rnd;
	session_reply_init(&pm);
	session_reply_init(&rnd);
	char arg[SMTP_COMMAND_LINE_MAX];
	*k = lookup_ask_name(lk, id, "postmaster", arg, &pm, err);
	if (*k == SMTP_OK)
		*k = lookup_vrfy_random(lk, id, &rnd, err);
	codes[0] = pm.reply.code;
	codes[1] = rnd.reply.code;
	bool real = *k == SMTP_OK && lookup_real_yes(pm.reply.code) && lookup_real_no(&rnd.reply);
	session_reply_free(&pm);
	session_reply_free(&rnd);
	return real;
}

enum smtp_errkind lookup_vrfy_begin(struct lookup *lk, struct smtp_error *err)
{
	struct session_reply rnd;
	session_reply_init(&rnd);
	enum smtp_errkind k = lookup_vrfy_random(lk, VERB_VRFY, &rnd, err);
	session_reply_free(&rnd);
	return k;
}

enum smtp_errkind lookup_auto_begin(struct lookup *lk, struct smtp_error *err)
{
	enum smtp_errkind k = SMTP_OK;
	int vc[2] = { 0, 0 }, ec[2] = { 0, 0 };
	bool vrfy = false, expn = false;
	if (!(lk->methods_off & (1u << LOOKUP_VRFY)))
		vrfy = lookup_probe_pair(lk, VERB_VRFY, &k, vc, err);
	if (!vrfy && k != SMTP_ERR_CLOSED && k != SMTP_ERR_CANCELLED &&
	    !(lk->methods_off & (1u << LOOKUP_EXPN))) {
		lk->vrfy_catch_all = false;        /* VRFY's yes to anything is no matter now */
		lk->sum->catch_all = -1;
		expn = lookup_probe_pair(lk, VERB_EXPN, &k, ec, err);
	}
	if (k == SMTP_ERR_CLOSED || k == SMTP_ERR_CANCELLED)
		return k;
	lk->method = vrfy ? LOOKUP_VRFY : expn ? LOOKUP_EXPN : LOOKUP_RCPT;
	if (vrfy)
		lookup_event(lk, LOOKUP_EV_METHOD, NULL, "VRFY gives real answers (postmaster: %d, "
		    "a random name: %d): asking by VRFY", vc[0], vc[1]);
	else if (expn)
		lookup_event(lk, LOOKUP_EV_METHOD, NULL, "VRFY does not tell (postmaster: %d, a "
		    "random name: %d), EXPN does (%d, %d): asking by EXPN", vc[0], vc[1], ec[0], ec[1]);
	else if (k != SMTP_OK)
		lookup_event(lk, LOOKUP_EV_METHOD, NULL, "VRFY and EXPN could not be sent (%s): "
		    "asking by RCPT", err->msg);
	else
		lookup_event(lk, LOOKUP_EV_METHOD, NULL, "neither VRFY (postmaster: %d, a random "
		    "name: %d) nor EXPN (%d, %d) tells: asking by RCPT inside one MAIL transaction "
		    "(never DATA)", vc[0], vc[1], ec[0], ec[1]);
	if (!vrfy && !expn) {
		lk->vrfy_catch_all = false;        /* RCPT decides that now */
		lk->sum->catch_all = -1;
	}
	return SMTP_OK;
}

bool lookup_txn_needed(const struct lookup *lk)
{
	return !lk->txn || lk->txn_rcpts >= LOOKUP_RCPT_PER_TXN;
}

enum smtp_errkind lookup_txn_lines(struct lookup *lk, struct session_line *lines,
    char (*wire)[SMTP_COMMAND_LINE_MAX], size_t *n, bool *rset, struct smtp_error *err)
{
	enum smtp_state st = session_state(lk->s);
	*n = 0;
	*rset = lk->txn || st == SMTP_ST_MAIL || st == SMTP_ST_RCPT;
	enum smtp_errkind k = SMTP_OK;
	if (*rset)
		k = lookup_line(VERB_RSET, "", &lines[(*n)++], wire[0], err);
	lk->txn = false;
	lk->txn_rcpts = 0;
	if (k == SMTP_OK)
		k = lookup_line(VERB_MAIL, lk->cfg->from != NULL ? lk->cfg->from : "",
		    &lines[(*n)++], wire[*rset ? 1 : 0], err);
	return k;
}

enum smtp_errkind lookup_txn_read(struct lookup *lk, unsigned long rset_seq,
    unsigned long mail_seq, long long until, struct smtp_error *err)
{
	struct session_reply r;
	session_reply_init(&r);
	enum smtp_errkind k = rset_seq != 0 ? lookup_read(lk, rset_seq, until, &r, err) : SMTP_OK;
	if (k == SMTP_OK)
		k = lookup_read(lk, mail_seq, until, &r, err);
	if (k == SMTP_OK && r.reply.code == 250) {
		lk->txn = true;
	} else if (k == SMTP_OK) {
		const struct reply_line *l = r.reply.nlines > 0 ? &r.reply.lines[0] : NULL;
		smtp_error_set(err, r.reply.code / 100 == 4 ? SMTP_ERR_AGAIN : SMTP_ERR_REFUSED, 0,
		    "MAIL FROM:<%.100s> was refused: %03d %.*s", lk->cfg->from != NULL ? lk->cfg->from : "",
		    r.reply.code, l != NULL ? (int)(l->len > 120 ? 120 : l->len) : 0,
		    l != NULL ? l->text : "");
		k = err->kind;
	}
	session_reply_free(&r);
	return k;
}

enum smtp_errkind lookup_ensure_txn(struct lookup *lk, struct smtp_error *err)
{
	if (!lookup_txn_needed(lk))
		return SMTP_OK;
	struct session_line lines[2];
	char wire[2][SMTP_COMMAND_LINE_MAX];
	size_t n = 0;
	bool rset = false;
	enum smtp_errkind k = lookup_txn_lines(lk, lines, wire, &n, &rset, err);
	if (k == SMTP_OK)
		k = session_send_group(lk->s, lines, n, err);
	if (k != SMTP_OK)
		return k;
	return lookup_txn_read(lk, rset ? lines[0].seq : 0, lines[n - 1].seq, SESSION_WAIT_OWED, err);
}

/* The domain an RCPT for name i goes to ("" for a bare name). */
static const char *lookup_domain_of(const struct lookup *lk, size_t i, char *buf, size_t cap)
{
	if (!lookup_rcpt_address(lookup_item(lk, i)->name, lookup_name_domain(lk), buf, cap))
		return "";
	const char *at = strrchr(buf, '@');
	return at != NULL ? at + 1 : "";
}

bool lookup_is_catch_all(const struct lookup *lk, size_t i)
{
	char buf[LOOKUP_NAME_MAX * 2];
	const char *d = lookup_domain_of(lk, i, buf, sizeof buf);
	for (size_t k = 0; k < lk->ndomains; k++)
		if (strcasecmp(lk->domains[k].name, d) == 0)
			return lk->domains[k].catch_all;
	return false;
}

enum smtp_errkind lookup_catch_all(struct lookup *lk, size_t i, bool *catch_all,
    struct smtp_error *err)
{
	char buf[LOOKUP_NAME_MAX * 2];
	const char *d = lookup_domain_of(lk, i, buf, sizeof buf);
	*catch_all = false;
	for (size_t k = 0; k < lk->ndomains; k++) {
		if (strcasecmp(lk->domains[k].name, d) == 0) {
			*catch_all = lk->domains[k].catch_all;
			return SMTP_OK;
		}
	}
	if (lk->ndomains == LOOKUP_DOMAINS_MAX || strlen(d) >= sizeof lk->domains[0].name)
		return SMTP_OK;                /* not probed: taken as no catch-all */
	enum smtp_errkind k = lookup_ensure_txn(lk, err);
	if (k != SMTP_OK)
		return k;
	char name[64], addr[LOOKUP_NAME_MAX + 64];
	lookup_random_name(name, sizeof name);
	snprintf(addr, sizeof addr, "%s%s%s", name, d[0] != '\0' ? "@" : "", d);
	struct session_reply r;
	session_reply_init(&r);
	k = lookup_command(lk, verb_by_id(VERB_RCPT), addr, &r, err);
	if (k == SMTP_OK) {
		lk->txn_rcpts++;
		*catch_all = lookup_real_yes(r.reply.code);
		struct lookup_domain *dom = &lk->domains[lk->ndomains++];
		snprintf(dom->name, sizeof dom->name, "%s", d);
		dom->catch_all = *catch_all;
		if (*catch_all) {
			lk->sum->catch_all = 1;
			lookup_event(lk, LOOKUP_EV_CATCH_ALL, NULL, "%s accepts any recipient (RCPT of %s "
			    "was accepted: %d): its \"exists\" is reported as \"accepted\"",
			    d[0] != '\0' ? d : "the server", addr, r.reply.code);
		} else if (lk->sum->catch_all < 0) {
			lk->sum->catch_all = 0;
		}
	}
	session_reply_free(&r);
	return k;
}

/* A 500 or 502 to VRFY or EXPN (m): the command is not there, for any
 * name.  Auto chooses again without it (name i is asked again, not
 * charged); a forced method stops: name i keeps the answer
 * (cannot-verify), the rest is untested with the reason. */
static bool lookup_method_missing(struct lookup *lk, size_t i, enum lookup_method m,
    enum verb_id id, const struct smtp_reply *r)
{
	if (r->code != 500 && r->code != 502)
		return false;
	const struct reply_line *l = r->nlines > 0 ? &r->lines[0] : NULL;
	int len = l != NULL ? (int)(l->len > 100 ? 100 : l->len) : 0;
	const char *text = l != NULL ? l->text : "";
	const char *verb = verb_by_id(id)->name;
	lk->methods_off |= 1u << m;
	if (lk->cfg->method == LOOKUP_AUTO) {
		lookup_item(lk, i)->attempts--;
		lk->method_known = false;
		lookup_event(lk, LOOKUP_EV_METHOD, NULL, "%s is not implemented after all (%03d %.*s): "
		    "choosing the method again without it", verb, r->code, len, text);
		return true;
	}
	lookup_take(lk, i, m, r, lk->vrfy_catch_all);
	lk->stop = true;
	snprintf(lk->stop_reason, sizeof lk->stop_reason, "not asked: the server does not "
	    "implement %s (%03d %.*s); --method auto or rcpt may tell", verb, r->code, len, text);
	return true;
}

/* Name i by method m (VRFY or EXPN: the command id); expand: a reply that
 * names a list (two addresses or more) is followed by EXPN, which says who
 * is on it. */
static void lookup_ask_one(struct lookup *lk, size_t i, enum lookup_method m, enum verb_id id,
    bool expand)
{
	struct smtp_error err;
	if (lookup_rate_wait(lk) != SMTP_OK) {
		lk->cancelled = true;
		return;
	}
	lookup_event(lk, LOOKUP_EV_PROGRESS, lookup_item(lk, i)->name, NULL);
	struct lookup_item *it = lookup_item(lk, i);
	struct session_reply r;
	session_reply_init(&r);
	it->attempts++;
	if (lk->conn_names++ == 0)
		lk->conn_first = i;
	char arg[SMTP_COMMAND_LINE_MAX];
	enum smtp_errkind k = lookup_ask_name(lk, id, lookup_item(lk, i)->name, arg, &r, &err);
	if (k == SMTP_OK && strchr(arg, '@') == NULL && lookup_wants_domain(&r.reply)) {
		/* Not an answer about the name, and no domain to give it. */
		const struct reply_line *l = r.reply.nlines > 0 ? &r.reply.lines[0] : NULL;
		char why[SMTP_ERROR_MSG_MAX];
		snprintf(why, sizeof why, "the server wants name@domain (%03d %.*s) and none is "
		    "known: give --domain", r.reply.code, l != NULL ? (int)(l->len > 100 ? 100 : l->len) : 0,
		    l != NULL ? l->text : "");
		session_reply_free(&r);
		lookup_commit_held(lk);
		lookup_untested(lk, i, why);
		return;
	}
	if (k == SMTP_OK && lookup_method_missing(lk, i, m, id, &r.reply)) {
		session_reply_free(&r);
		return;
	}
	if (k == SMTP_OK && expand && r.reply.code == 250 &&
	    lookup_addresses(&r.reply, lookup_slot(lk, i)->addresses, LOOKUP_ADDRESSES_MAX) >= 2) {
		/* VRFY calls it a list: EXPN says who is on it. */
		struct session_reply x;
		session_reply_init(&x);
		it->attempts++;
		enum smtp_errkind kx = lookup_command(lk, verb_by_id(VERB_EXPN), arg, &x, &err);
		if (kx == SMTP_OK && x.reply.code == 250) {
			session_reply_free(&r);
			r = x;
			m = LOOKUP_EXPN;
		} else {
			session_reply_free(&x);
			if (kx != SMTP_OK) {
				session_reply_free(&r);
				lookup_failed(lk, i, kx, &err);
				return;
			}
		}
	}
	if (k == SMTP_OK)
		lookup_take(lk, i, m, &r.reply, lk->vrfy_catch_all);
	else
		lookup_failed(lk, i, k, &err);
	session_reply_free(&r);
}

/* The methods' asks (lookup_int.h): one name at a time, since VRFY and
 * EXPN end a pipelined group (RFC 2920 3.1), so cnt is 1. */
void lookup_vrfy_ask(struct lookup *lk, const size_t *idx, SMTPSH_UNUSED size_t cnt)
{
	lookup_ask_one(lk, idx[0], LOOKUP_VRFY, VERB_VRFY, true);
}

void lookup_expn_ask(struct lookup *lk, const size_t *idx, SMTPSH_UNUSED size_t cnt)
{
	lookup_ask_one(lk, idx[0], LOOKUP_EXPN, VERB_EXPN, false);
}
