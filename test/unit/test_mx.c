/*
 * test_mx.c - the pure parts of the MX route (mx.h): the order of hosts
 * (ascending preference, the DNS's order kept before the shuffle, each run
 * of equal preference shuffled with the given randomness and marked tied),
 * which names are address literals, and when a route has nowhere to go.
 * The lookups themselves are tested end to end against a DNS responder on
 * loopback (test/integration/test_route.py).
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"

/* A scripted "random" source: returns the values in turn, checking bounds. */
struct script_rng {
	const uint32_t *v;
	size_t n, i;
	uint32_t bounds[16];
};

static uint32_t script_random(void *ctx, uint32_t bound)
{
	struct script_rng *r = ctx;
	ck_assert_uint_lt(r->i, r->n);
	r->bounds[r->i] = bound;
	uint32_t v = r->v[r->i++];
	ck_assert_uint_lt(v, bound);
	return v;
}

static void set_hosts(struct mx_host *h, const unsigned *pref, const char *const *names,
    size_t n)
{
	memset(h, 0, sizeof *h * n);
	for (size_t i = 0; i < n; i++) {
		h[i].preference = pref[i];
		snprintf(h[i].name, sizeof h[i].name, "%s", names[i]);
	}
}

START_TEST(test_order_by_preference_stable)
{
	struct mx_host h[4];
	static const unsigned pref[] = { 30, 10, 20, 0 };
	static const char *const names[] = { "c", "a", "b", "zero" };
	set_hosts(h, pref, names, 4);
	struct script_rng r = { NULL, 0, 0, { 0 } };   /* no tie: never asked */
	mx_order(h, 4, script_random, &r);
	static const char *const want[] = { "zero", "a", "b", "c" };
	for (size_t i = 0; i < 4; i++) {
		ck_assert_msg(strcmp(h[i].name, want[i]) == 0, "host %zu: got %s, want %s", i,
		    h[i].name, want[i]);
		ck_assert(!h[i].tied);
	}
	ck_assert_uint_eq(r.i, 0);
}
END_TEST

START_TEST(test_ties_shuffled_with_given_randomness)
{
	/* Two runs of ties: {a1,a2,a3} at 10 and {b1,b2} at 20; "solo" alone. */
	struct mx_host h[6];
	static const unsigned pref[] = { 20, 10, 10, 5, 20, 10 };
	static const char *const names[] = { "b1", "a1", "a2", "solo", "b2", "a3" };
	set_hosts(h, pref, names, 6);
	/* Fisher-Yates over a1 a2 a3: i=2 picks 0 (swap a3,a1 -> a3 a2 a1),
	 * i=1 picks 1 (stay); over b1 b2: i=1 picks 0 (swap -> b2 b1). */
	static const uint32_t v[] = { 0, 1, 0 };
	struct script_rng r = { v, 3, 0, { 0 } };
	mx_order(h, 6, script_random, &r);
	static const char *const want[] = { "solo", "a3", "a2", "a1", "b2", "b1" };
	static const bool tied[] = { false, true, true, true, true, true };
	for (size_t i = 0; i < 6; i++) {
		ck_assert_msg(strcmp(h[i].name, want[i]) == 0, "host %zu: got %s, want %s", i,
		    h[i].name, want[i]);
		ck_assert_int_eq(h[i].tied, tied[i]);
	}
	ck_assert_uint_eq(r.i, 3);
	ck_assert_uint_eq(r.bounds[0], 3);
	ck_assert_uint_eq(r.bounds[1], 2);
	ck_assert_uint_eq(r.bounds[2], 2);
}
END_TEST

START_TEST(test_default_randomness_reaches_every_order)
{
	/* arc4random_uniform: both orders of a tie within 64 shuffles (a
	 * fixed order fails with certainty; a fair one with 2^-63). */
	bool seen_ab = false, seen_ba = false;
	for (int k = 0; k < 64; k++) {
		struct mx_host h[2];
		static const unsigned pref[] = { 10, 10 };
		static const char *const names[] = { "a", "b" };
		set_hosts(h, pref, names, 2);
		mx_order(h, 2, NULL, NULL);
		if (strcmp(h[0].name, "a") == 0)
			seen_ab = true;
		else
			seen_ba = true;
	}
	ck_assert(seen_ab && seen_ba);
}
END_TEST

START_TEST(test_address_literals)
{
	static const struct { const char *s; bool ip; } rows[] = {
		{ "127.0.0.1", true }, { "::1", true }, { "[::1]", true }, { "[2001:db8::25]", true },
		{ "example.org", false }, { "1.2.3", false }, { "[example.org]", false },
		{ "", false }, { "mx1.example.org.", false },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		ck_assert_msg(mx_is_address(rows[i].s) == rows[i].ip, "%s: got %d", rows[i].s,
		    !rows[i].ip);
}
END_TEST

START_TEST(test_route_usable)
{
	static struct mx_route r;
	struct smtp_error err;
	memset(&r, 0, sizeof r);
	snprintf(r.domain, sizeof r.domain, "example.test");
	r.kind = MX_ROUTE_NULL;
	ck_assert_int_eq(mx_route_usable(&r, &err), SMTP_ERR_RESOLVE);
	ck_assert_ptr_nonnull(strstr(err.msg, "RFC 7505"));
	r.kind = MX_ROUTE_MX;
	r.nhost = 2;
	r.host[0].lookup = r.host[1].lookup = MX_LOOKUP_NXDOMAIN;
	ck_assert_int_eq(mx_route_usable(&r, &err), SMTP_ERR_RESOLVE);
	ck_assert_ptr_nonnull(strstr(err.msg, "none of the 2 MX hosts"));
	r.host[1].naddr = 1;
	ck_assert_int_eq(mx_route_usable(&r, &err), SMTP_OK);
	r.kind = MX_ROUTE_IMPLICIT;
	r.nhost = 1;
	r.host[0].lookup = MX_LOOKUP_NODATA;
	ck_assert_int_eq(mx_route_usable(&r, &err), SMTP_ERR_RESOLVE);
	ck_assert_ptr_nonnull(strstr(err.msg, "no MX record and no address"));
}
END_TEST

START_TEST(test_resolve_refuses_non_domains)
{
	static struct mx_route r;
	struct smtp_error err;
	static const char *const bad[] = { "", "127.0.0.1", "[::1]", "a b.example" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_int_eq(mx_resolve(bad[i], NULL, &r, &err), SMTP_ERR_USAGE);
	struct mx_options o = { .server = "not-an-address:53" };
	ck_assert_int_eq(mx_resolve("example.test", &o, &r, &err), SMTP_ERR_USAGE);
	o.server = "127.0.0.1:99999";
	ck_assert_int_eq(mx_resolve("example.test", &o, &r, &err), SMTP_ERR_USAGE);
}
END_TEST

static Suite *mx_suite(void)
{
	Suite *s = suite_create("mx");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_order_by_preference_stable);
	tcase_add_test(tc, test_ties_shuffled_with_given_randomness);
	tcase_add_test(tc, test_default_randomness_reaches_every_order);
	tcase_add_test(tc, test_address_literals);
	tcase_add_test(tc, test_route_usable);
	tcase_add_test(tc, test_resolve_refuses_non_domains);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mx_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
