/*
 * clock.c - the one clock (CLOCK_MONOTONIC, in ms and us) and the one
 * wait (clock.h): a poll() on the caller's fds and the cancel fd, retried
 * on EINTR with the time left recomputed from the absolute deadline.
 */
#include "clock.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

long long clock_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long clock_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

enum clock_wait_result clock_wait(struct pollfd *fds, size_t n, long long deadline_ms,
    int cancel_fd)
{
	struct pollfd both[CLOCK_WAIT_MAX_FDS + 1];
	struct pollfd *p = fds;
	size_t np = n;
	if (cancel_fd >= 0) {
		if (n > CLOCK_WAIT_MAX_FDS) {
			errno = EINVAL;
			return CLOCK_ERROR;
		}
		if (n > 0)
			memcpy(both, fds, n * sizeof *fds);
		both[n] = (struct pollfd){ .fd = cancel_fd, .events = POLLIN };
		p = both;
		np = n + 1;
	}
	for (;;) {
		int wait = -1;
		if (deadline_ms != CLOCK_FOREVER) {
			long long left = deadline_ms - clock_now_ms();
			if (left <= 0)
				return CLOCK_TIMEOUT;
			wait = left > INT_MAX ? INT_MAX : (int)left;
		}
		int r = poll(p, (nfds_t)np, wait);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return CLOCK_ERROR;
		}
		if (r == 0)
			continue;       /* re-check the deadline */
		if (cancel_fd >= 0 && (p[n].revents & (POLLIN | POLLHUP | POLLERR)))
			return CLOCK_CANCELLED;
		bool ready = false;
		for (size_t i = 0; i < n; i++) {
			if (p != fds)
				fds[i].revents = p[i].revents;
			ready = ready || fds[i].revents != 0;
		}
		if (ready)
			return CLOCK_READY;
	}
}
