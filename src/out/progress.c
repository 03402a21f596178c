#include "out/progress.h"

#include <stdio.h>
#include <string.h>

#include "out/format.h"
#include "util/clock.h"

#define PROGRESS_BAR 24

void progress_init(struct progress *p, int enabled, int color)
{
	memset(p, 0, sizeof(*p));
	p->enabled = enabled;
	p->color = color;
}

void progress_update(struct progress *p, const char *label, size_t done, size_t total,
		     double mean, double eta, enum time_unit u)
{
	uint64_t now = clock_now_ns();
	char bar[PROGRESS_BAR * 3 + 1], m[64], e[32];
	size_t fill, pos = 0;

	if (!p->enabled)
		return;
	if (p->drawn && now - p->last_ns < 100 * NS_PER_MS && done < total)
		return;
	p->last_ns = now;
	p->drawn = 1;
	if (total < done)
		total = done;
	fill = total ? done * PROGRESS_BAR / total : 0;
	for (size_t i = 0; i < PROGRESS_BAR; i++) {
		const char *s = i < fill ? "█" : "░";
		memcpy(bar + pos, s, 3);
		pos += 3;
	}
	bar[pos] = '\0';
	if (eta >= 0)
		snprintf(e, sizeof(e), "ETA %02d:%02d", (int)(eta / 60), (int)eta % 60);
	else
		snprintf(e, sizeof(e), "ETA --:--");
	fmt_time(m, sizeof(m), mean, u);
	fprintf(stderr, "\r\033[K%.40s %s%s%s %zu/%zu  %s  mean %s", label,
		p->color ? "\033[36m" : "", bar, p->color ? "\033[0m" : "", done, total, e, m);
	fflush(stderr);
}

void progress_clear(struct progress *p)
{
	if (p->enabled && p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->drawn = 0;
	}
}
