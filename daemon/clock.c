/*
 * clock: timerfd glue.
 */
#include "clock.h"

#include <errno.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

int
wallclock_open(void)
{
	return timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
}

int
wallclock_arm(int fd, int64_t at)
{
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	/* An instant in the past (or 0) still has to fire: timerfd treats a
	 * zero it_value as "disarm", so use the smallest positive time. */
	its.it_value.tv_sec = at > 0 ? (time_t)at : 0;
	its.it_value.tv_nsec = at > 0 ? 0 : 1;
	return timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			       &its, NULL);
}

int
wallclock_disarm(int fd)
{
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	return timerfd_settime(fd, 0, &its, NULL);
}

int
wallclock_ack(int fd)
{
	uint64_t n;
	ssize_t r = read(fd, &n, sizeof(n));
	if (r == (ssize_t)sizeof(n))
		return 0;
	if (r < 0 && errno == ECANCELED)
		return 1;
	return -1;
}

int64_t
wallclock_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
