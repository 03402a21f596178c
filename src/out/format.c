#include "out/format.h"

#include <math.h>
#include <stdio.h>

char *fmt_time_num(char *buf, size_t n, double seconds, enum time_unit u)
{
	double v;

	if (u == TU_AUTO)
		u = time_unit_for(seconds);
	v = seconds * time_unit_scale(u);
	if (!isfinite(v))
		snprintf(buf, n, "n/a");
	else if (fabs(v) >= 100)
		snprintf(buf, n, "%.1f", v);
	else if (fabs(v) >= 10)
		snprintf(buf, n, "%.2f", v);
	else
		snprintf(buf, n, "%.3f", v);
	return buf;
}

char *fmt_time(char *buf, size_t n, double seconds, enum time_unit u)
{
	char num[64];

	if (u == TU_AUTO)
		u = time_unit_for(seconds);
	fmt_time_num(num, sizeof(num), seconds, u);
	snprintf(buf, n, "%s %s", num, time_unit_name(u));
	return buf;
}

char *fmt_kib(char *buf, size_t n, double kib)
{
	if (kib >= 1024 * 1024)
		snprintf(buf, n, "%.2f GiB", kib / (1024 * 1024));
	else if (kib >= 1024)
		snprintf(buf, n, "%.1f MiB", kib / 1024);
	else
		snprintf(buf, n, "%.0f KiB", kib);
	return buf;
}

char *fmt_p(char *buf, size_t n, double p)
{
	if (!isfinite(p))
		snprintf(buf, n, "p = n/a");
	else if (p < 0.001)
		snprintf(buf, n, "p < 0.001");
	else
		snprintf(buf, n, "p = %.3f", p);
	return buf;
}

char *fmt_count(char *buf, size_t n, double v)
{
	if (!isfinite(v))
		snprintf(buf, n, "n/a");
	else if (fabs(v) >= 1e9)
		snprintf(buf, n, "%.3g", v);
	else if (v == floor(v))
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.1f", v);
	return buf;
}
