/*
 * test_clock.c - the one clock and the one wait (clock.h): the clock never
 * goes back and moves with real time (ms and us agree); a readable fd ends
 * a wait as ready, with only the ready fd's revents set; a deadline ends
 * it as a timeout, at the deadline (not before, not long after), also
 * when a signal interrupts the poll, and at once when it is already past;
 * a readable cancel fd ends it as cancelled, even when an fd is ready too.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

static int pa[2], pb[2], pc[2];   /* two data pipes and a cancel pipe */

static void setup(void)
{
	ck_assert_int_eq(pipe(pa), 0);
	ck_assert_int_eq(pipe(pb), 0);
	ck_assert_int_eq(pipe(pc), 0);
}

static void teardown(void)
{
	int *all[] = { pa, pb, pc };
	for (size_t i = 0; i < 3; i++) {
		close(all[i][0]);
		close(all[i][1]);
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

START_TEST(test_clock_monotonic_and_moving)
{
	long long ms = clock_now_ms(), us = clock_now_us();
	for (int i = 0; i < 10000; i++) {
		long long m = clock_now_ms(), u = clock_now_us();
		ck_assert_int_ge(m, ms);
		ck_assert_int_ge(u, us);
		ms = m;
		us = u;
	}
	/* One clock: the us reading is the ms reading, finer. */
	long long m0 = clock_now_ms(), u = clock_now_us(), m1 = clock_now_ms();
	ck_assert_int_ge(u / 1000, m0);
	ck_assert_int_le(u / 1000, m1);
	/* It moves with real time. */
	long long before = clock_now_ms(), ubefore = clock_now_us();
	sleep_ms(30);
	ck_assert_int_ge(clock_now_ms() - before, 30);
	ck_assert_int_lt(clock_now_ms() - before, 2000);
	ck_assert_int_ge(clock_now_us() - ubefore, 30000);
}
END_TEST

START_TEST(test_wait_ready)
{
	ck_assert_int_eq(write(pb[1], "x", 1), 1);
	struct pollfd p[2] = { { .fd = pa[0], .events = POLLIN }, { .fd = pb[0], .events = POLLIN } };
	long long t0 = clock_now_ms();
	ck_assert_int_eq(clock_wait(p, 2, t0 + 5000, -1), CLOCK_READY);
	ck_assert_int_lt(clock_now_ms() - t0, 1000);
	ck_assert_int_eq(p[0].revents, 0);
	ck_assert(p[1].revents & POLLIN);
	/* The same with a cancel fd that has not fired: revents still reach fds. */
	p[0].revents = p[1].revents = 0;
	ck_assert_int_eq(clock_wait(p, 2, t0 + 5000, pc[0]), CLOCK_READY);
	ck_assert_int_eq(p[0].revents, 0);
	ck_assert(p[1].revents & POLLIN);
	/* Forever still ends when an fd is ready. */
	p[1].revents = 0;
	ck_assert_int_eq(clock_wait(p, 2, CLOCK_FOREVER, pc[0]), CLOCK_READY);
	ck_assert(p[1].revents & POLLIN);
}
END_TEST

START_TEST(test_wait_timeout)
{
	struct pollfd p = { .fd = pa[0], .events = POLLIN };
	long long t0 = clock_now_ms();
	ck_assert_int_eq(clock_wait(&p, 1, t0 + 80, pc[0]), CLOCK_TIMEOUT);
	long long took = clock_now_ms() - t0;
	ck_assert_int_ge(took, 80);
	ck_assert_int_lt(took, 1500);
	/* A deadline already past: at once, even with nothing to wait for. */
	t0 = clock_now_ms();
	ck_assert_int_eq(clock_wait(&p, 1, t0 - 1, -1), CLOCK_TIMEOUT);
	ck_assert_int_eq(clock_wait(&p, 1, t0, pc[0]), CLOCK_TIMEOUT);
	ck_assert_int_lt(clock_now_ms() - t0, 50);
	/* No fds: a sleep until the deadline. */
	t0 = clock_now_ms();
	ck_assert_int_eq(clock_wait(NULL, 0, t0 + 40, -1), CLOCK_TIMEOUT);
	ck_assert_int_ge(clock_now_ms() - t0, 40);
}
END_TEST

static volatile sig_atomic_t alarms;
static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

START_TEST(test_wait_signal_neither_ends_nor_stretches)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;       /* no SA_RESTART: poll() gets EINTR */
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	struct itimerval it = { .it_interval = { 0, 30000 }, .it_value = { 0, 30000 } };
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	struct pollfd p = { .fd = pa[0], .events = POLLIN };
	long long t0 = clock_now_ms();
	enum clock_wait_result r = clock_wait(&p, 1, t0 + 300, pc[0]);
	long long took = clock_now_ms() - t0;
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	ck_assert_int_ge(alarms, 2);
	ck_assert_int_eq(r, CLOCK_TIMEOUT);
	ck_assert_int_ge(took, 300);
	ck_assert_int_lt(took, 1500);
}
END_TEST

START_TEST(test_wait_cancelled)
{
	ck_assert_int_eq(write(pc[1], "c", 1), 1);
	struct pollfd p = { .fd = pa[0], .events = POLLIN };
	long long t0 = clock_now_ms();
	ck_assert_int_eq(clock_wait(&p, 1, t0 + 5000, pc[0]), CLOCK_CANCELLED);
	ck_assert_int_eq(clock_wait(&p, 1, CLOCK_FOREVER, pc[0]), CLOCK_CANCELLED);
	ck_assert_int_eq(clock_wait(NULL, 0, CLOCK_FOREVER, pc[0]), CLOCK_CANCELLED);
	/* A cancel wins over a ready fd. */
	ck_assert_int_eq(write(pa[1], "x", 1), 1);
	ck_assert_int_eq(clock_wait(&p, 1, t0 + 5000, pc[0]), CLOCK_CANCELLED);
	ck_assert_int_lt(clock_now_ms() - t0, 1000);
	/* The cancel fd is watched, not drained. */
	char c;
	ck_assert_int_eq(read(pc[0], &c, 1), 1);
	ck_assert_int_eq(c, 'c');
	/* Without it, the ready fd is seen. */
	ck_assert_int_eq(clock_wait(&p, 1, t0 + 5000, pc[0]), CLOCK_READY);
}
END_TEST

START_TEST(test_wait_too_many_fds)
{
	struct pollfd p[CLOCK_WAIT_MAX_FDS + 1];
	for (size_t i = 0; i <= CLOCK_WAIT_MAX_FDS; i++)
		p[i] = (struct pollfd){ .fd = pa[0], .events = POLLIN };
	errno = 0;
	ck_assert_int_eq(clock_wait(p, CLOCK_WAIT_MAX_FDS + 1, CLOCK_FOREVER, pc[0]), CLOCK_ERROR);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

static Suite *clock_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_clock_monotonic_and_moving);
	tcase_add_test(tc, test_wait_ready);
	tcase_add_test(tc, test_wait_timeout);
	tcase_add_test(tc, test_wait_signal_neither_ends_nor_stretches);
	tcase_add_test(tc, test_wait_cancelled);
	tcase_add_test(tc, test_wait_too_many_fds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(clock_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
