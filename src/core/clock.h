/*
 * clock.h - the one clock and the one wait.  Every deadline in smtpsh is
 * an absolute point on CLOCK_MONOTONIC in milliseconds (clock_now_ms());
 * elapsed times of fast replies are read on the same clock in
 * microseconds (clock_now_us()).  clock_wait() is the one poll() loop:
 * wait for some fds until a deadline (or forever) or until a cancel fd
 * becomes readable (Ctrl-C abandons a wait).  A signal (EINTR) never
 * ends a wait early and never stretches it: the time left is recomputed
 * from the deadline.  What a timeout or a cancel means (its error kind,
 * its wording) stays with the caller.
 */
#ifndef SMTPSH_CLOCK_H
#define SMTPSH_CLOCK_H

#include <poll.h>
#include <stddef.h>

/* No deadline: wait until an fd is ready or the cancel fd fires. */
#define CLOCK_FOREVER (-1LL)

/* Most fds one clock_wait() watches alongside a cancel fd. */
#define CLOCK_WAIT_MAX_FDS 8

enum clock_wait_result {
	CLOCK_READY,        /* at least one fds[i].revents is set */
	CLOCK_TIMEOUT,      /* the deadline has passed (also when it had already) */
	CLOCK_CANCELLED,    /* cancel_fd is readable, hung up or in error */
	CLOCK_ERROR,        /* poll() failed; errno says why */
};

/* Milliseconds on CLOCK_MONOTONIC: the clock every deadline is read on. */
long long clock_now_ms(void);
/* The same clock in microseconds. */
long long clock_now_us(void);

/* Wait until one of fds[0..n) shows one of its events (its revents are
 * then set, the others' zero), deadline_ms (clock_now_ms() clock, or
 * CLOCK_FOREVER) passes, or cancel_fd (-1: none) fires.  A cancel seen
 * together with a ready fd wins.  A deadline already past is
 * CLOCK_TIMEOUT without polling.  n may be 0 (a sleep that a cancel
 * ends); with a cancel fd, n is at most CLOCK_WAIT_MAX_FDS (else
 * CLOCK_ERROR with EINVAL). */
enum clock_wait_result clock_wait(struct pollfd *fds, size_t n, long long deadline_ms,
    int cancel_fd);

#endif
