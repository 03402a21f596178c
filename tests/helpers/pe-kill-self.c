/*
 * pe-kill-self SIG: restores the default action of signal number SIG,
 * unblocks it and raises it. Exits 0 if the signal did not kill it (SIGCHLD,
 * say), 2 on a bad argument.
 */
#include <signal.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int sig = argc > 1 ? atoi(argv[1]) : 0;
	sigset_t set;

	if (sig <= 0 || sig >= NSIG)
		return 2;
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	return 0;
}
