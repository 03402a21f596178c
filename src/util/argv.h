/*
 * Splitting a command string into argv without a shell, with the quoting
 * users type at a shell: 'single' (literal), "double" (backslash escapes
 * \ " $ ` and newline), and backslash outside quotes. Nothing is expanded; an
 * unquoted character that only a shell would act on (| & ; < > ( ) $ ` * ? and
 * a leading ~), and an unescaped $ or ` inside double quotes, is an error that
 * says to choose a shell, so a command never silently means something else
 * than the user wrote.
 */
#ifndef PE_ARGV_H
#define PE_ARGV_H

#include <stddef.h>

/*
 * On success returns 0 and a NULL-terminated vector in *argvp that the caller
 * frees with argv_free(); *argcp gets its length. An empty command is an
 * error. On error returns -1 with pe_error() set.
 */
int argv_split(const char *cmd, char ***argvp, int *argcp);
/* Frees a vector from argv_split(); NULL is fine. */
void argv_free(char **argv);

/*
 * Joins argv into one string, quoting words that need it so that
 * argv_split() of the result gives argv back. The caller frees the result.
 */
char *argv_join(char *const *argv);

#endif
