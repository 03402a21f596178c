/*
 * pe-exit CODE: exits with status CODE (0 when absent), doing nothing else.
 * The smallest command there is, for exit-status propagation and overhead.
 */
#include <stdlib.h>

int main(int argc, char **argv)
{
	return argc > 1 ? atoi(argv[1]) : 0;
}
