/*
 * The one stop flag: Ctrl-C (SIGINT) or SIGTERM asks whatever perfeng is
 * doing to stop early and keep what it has. The runner's wait, the load
 * threads, the sampler and observe's loop all poll stop_signal; the commands
 * catch the signals around the part that may be stopped. Not for deadlines
 * (--duration): each engine keeps its own clock for those.
 */
#ifndef PE_STOP_H
#define PE_STOP_H

#include <signal.h>

/* 0, or the signal (SIGINT, SIGTERM) that asked to stop. */
extern volatile sig_atomic_t stop_signal;

/*
 * Installs the handler that sets stop_signal for SIGINT and SIGTERM, without
 * SA_RESTART so that a blocking wait sees EINTR, and keeps the handlers it
 * replaces for stop_release(). A second call before stop_release() does
 * nothing. The flag is not cleared: a stop asked for earlier still stands.
 */
void stop_catch(void);

/* Puts back the handlers stop_catch() replaced; stop_signal keeps its value. */
void stop_release(void);

static inline int stop_requested(void)
{
	return stop_signal != 0;
}

#endif
