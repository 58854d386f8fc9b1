/*
 * clock: a wall-clock alarm.  A CLOCK_REALTIME timerfd armed with an
 * absolute instant (TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET): it fires
 * on time across suspend (libuv's timers run on the monotonic clock, which
 * stops then), and it also wakes when the clock is set, so a step forward
 * fires what became due at once and a step back re-arms.
 */
#ifndef SMCALD_CLOCK_H
#define SMCALD_CLOCK_H

#include <stdint.h>

/* Opens the timer; returns its fd (non-blocking) or -1 with errno. */
int wallclock_open(void);

/* Arms the timer for an instant (seconds since the epoch, UTC). */
int wallclock_arm(int fd, int64_t at);

/* Disarms the timer: nothing is due, so nothing wakes the process. */
int wallclock_disarm(int fd);

/* Consumes a wake-up; returns 1 when it was a clock change, 0 when the
 * instant came, -1 when there was nothing to read. */
int wallclock_ack(int fd);

/* The wall clock now, in milliseconds since the epoch. */
int64_t wallclock_now_ms(void);

#endif
