/*
 * libFuzzer target for the points of `perfeng model` (src/stats/usl_csv.c)
 * and the fits on whatever they parse to (src/stats/usl.c): the reader either
 * returns points or fails with a message of its own; the fits either refuse
 * the points with a message or return finite parameters within their bounds
 * and an R² no greater than 1.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "stats/usl.h"
#include "stats/usl_csv.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usl_point *pts = NULL;
	struct usl_fit fits[USL_NKINDS];
	size_t n = 0;
	char why[256];

	pe_error_clear();
	if (usl_read_csv((const char *)data, size, &pts, &n) < 0) {
		if (!pe_errmsg()[0])
			abort();
		return 0;
	}
	pe_error_clear();
	if (n > 200) {	/* the fits are O(n) per iteration; keep each input fast */
		free(pts);
		return 0;
	}
	if (usl_fit_all(pts, n, fits) < 0) {
		if (!pe_errmsg()[0])
			abort();
	} else {
		for (int k = 0; k < USL_NKINDS; k++) {
			const struct usl_fit *f = &fits[k];

			if (!isfinite(f->p[USL_LAMBDA]) || f->p[USL_LAMBDA] <= 0 || f->p[USL_SIGMA] < 0 ||
			    f->p[USL_KAPPA] < 0 || f->r2 > 1 + 1e-9)
				abort();
		}
		(void)usl_choose(fits, why, sizeof(why));
	}
	free(pts);
	return 0;
}
