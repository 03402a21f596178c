/*
 * The last error of the calling thread, as a message. Library code returns a
 * negative value and leaves the reason here with pe_error(); only cmd/ and
 * main.c print it and choose the exit code.
 */
#ifndef PE_ERROR_H
#define PE_ERROR_H

/* Exit codes: the contract with users and CI (DESIGN.md). */
enum {
	PE_EXIT_OK = 0,
	PE_EXIT_VERDICT = 1,	/* a verdict failed: SLO missed, regression */
	PE_EXIT_USAGE = 2,	/* bad flags or arguments */
	PE_EXIT_RUNTIME = 3,	/* cannot run, connect, open, ... */
	PE_EXIT_INTERRUPTED = 130,
};

/*
 * Formats the message into a thread-local buffer; returns -1 for `return
 * pe_error(...)`. The previous message may be an argument: wrapping is safe.
 */
int pe_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The message of the last pe_error() in this thread; "" when none. Owned by the module. */
const char *pe_errmsg(void);

/*
 * Forgets the message, so that pe_errmsg() is "" until the next pe_error().
 * For callers (tests, fuzz targets) that check a failure left a message of
 * its own, not one from an earlier call.
 */
void pe_error_clear(void);

#endif
