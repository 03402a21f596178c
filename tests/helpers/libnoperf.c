/*
 * An LD_PRELOAD library for the tests of what perfeng does when the kernel
 * refuses perf_event_open, without changing a sysctl that other tests on the
 * machine depend on: syscall(SYS_perf_event_open, ...) fails with the errno
 * named by NOPERF_ERRNO (EACCES, EPERM, EMFILE or ENOENT; EACCES when unset),
 * as kernel.perf_event_paranoid=3, a seccomp filter, ulimit -n or a missing
 * PMU would make it fail. Every other system call goes through.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

static int refusal(void)
{
	const char *e = getenv("NOPERF_ERRNO");

	if (!e || !strcmp(e, "EACCES"))
		return EACCES;
	if (!strcmp(e, "EPERM"))
		return EPERM;
	if (!strcmp(e, "EMFILE"))
		return EMFILE;
	return ENOENT;
}

long syscall(long nr, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;

	if (nr == SYS_perf_event_open) {
		errno = refusal();
		return -1;
	}
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
