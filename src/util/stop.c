/* The stop flag and its signal handler; see util/stop.h. */
#include <string.h>

#include "util/stop.h"

volatile sig_atomic_t stop_signal;

static struct sigaction old_int, old_term;
static int caught;

static void stop_on_signal(int sig)
{
	stop_signal = sig;
}

void stop_catch(void)
{
	struct sigaction sa;

	if (caught)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stop_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: a wait must see EINTR */
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	caught = 1;
}

void stop_release(void)
{
	if (!caught)
		return;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	caught = 0;
}
