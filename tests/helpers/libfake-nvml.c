/*
 * A fake libnvidia-ml.so for the tests of perfeng's NVML path (loaded with
 * PERFENG_NVML_LIB). It exports the NVML functions perfeng calls, with the
 * documented signatures, and returns fixed values that the tests assert:
 *
 *   GPU 0 "Fake GPU 0": util 42 %, memory util 17 %, 8 GiB of 16 GiB used,
 *         150 W of a 300 W limit, SM clock 1200 of 1800 MHz, clocks event
 *         reasons 0x4 (SW power cap), 3 volatile uncorrected ECC errors.
 *   GPU 1 "Fake GPU 1" (FAKE_NVML_MODE=two): util 7 %, 1 GiB of 16 GiB,
 *         100 W of 250 W, 900 of 1800 MHz, reasons 0, 0 ECC errors.
 *
 * FAKE_NVML_MODE=errors: every per-device query but the name fails with
 * NVML_ERROR_NOT_SUPPORTED (3); =initfail: nvmlInit_v2 fails (NVML error 9,
 * driver not loaded); =nogpu: no device.
 *
 * Built as it is, it has the clocks reasons under their old name only
 * (drivers before 535); as libfake-nvml-events.so (FAKE_NVML_EVENTS) it
 * also has the new name, as newer drivers do.
 */
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
typedef struct fake_dev *nvmlDevice_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;

struct fake_dev {
	const char *name;
	unsigned int util, mem_util, power, limit, clock, max_clock;
	unsigned long long used, reasons, ecc;
};

#define GIB (1024ULL * 1024 * 1024)
static struct fake_dev devs[2] = {
	{ "Fake GPU 0", 42, 17, 150000, 300000, 1200, 1800, 8 * GIB, 0x4, 3 },
	{ "Fake GPU 1", 7, 2, 100000, 250000, 900, 1800, 1 * GIB, 0, 0 },
};

static int mode_is(const char *m)
{
	const char *v = getenv("FAKE_NVML_MODE");

	return v && !strcmp(v, m);
}

#define NOT_SUPPORTED 3
#define FAIL_IF_ERRORS() do { if (mode_is("errors")) return NOT_SUPPORTED; } while (0)

nvmlReturn_t nvmlInit_v2(void)
{
	return mode_is("initfail") ? 9 : 0;
}

nvmlReturn_t nvmlShutdown(void)
{
	return 0;
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *n)
{
	*n = mode_is("nogpu") ? 0 : mode_is("two") ? 2 : 1;
	return 0;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_t *d)
{
	if (i > 1)
		return 2;	/* NVML_ERROR_INVALID_ARGUMENT */
	*d = &devs[i];
	return 0;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned int len)
{
	if (!len)
		return 2;
	strncpy(name, d->name, len - 1);
	name[len - 1] = 0;
	return 0;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u)
{
	FAIL_IF_ERRORS();
	u->gpu = d->util;
	u->memory = d->mem_util;
	return 0;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m)
{
	FAIL_IF_ERRORS();
	m->total = 16 * GIB;
	m->used = d->used;
	m->free = m->total - m->used;
	return 0;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *mw)
{
	FAIL_IF_ERRORS();
	*mw = d->power;
	return 0;
}

nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t d, unsigned int *mw)
{
	FAIL_IF_ERRORS();
	*mw = d->limit;
	return 0;
}

/* type 1 is NVML_CLOCK_SM; perfeng asks for no other */
nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t d, int type, unsigned int *mhz)
{
	FAIL_IF_ERRORS();
	if (type != 1)
		return 2;
	*mhz = d->clock;
	return 0;
}

nvmlReturn_t nvmlDeviceGetMaxClockInfo(nvmlDevice_t d, int type, unsigned int *mhz)
{
	FAIL_IF_ERRORS();
	if (type != 1)
		return 2;
	*mhz = d->max_clock;
	return 0;
}

nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t d, unsigned long long *r)
{
	FAIL_IF_ERRORS();
	*r = d->reasons;
	return 0;
}

#ifdef FAKE_NVML_EVENTS
/*
 * Drivers from 535 on name it "clocks event reasons" and keep the old name
 * as an alias; this one answers 0x8 (HW slowdown) for GPU 0, so that a test
 * sees which of the two perfeng called.
 */
nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t d, unsigned long long *r)
{
	FAIL_IF_ERRORS();
	*r = d == &devs[0] ? 0x8 : d->reasons;
	return 0;
}
#endif

/* errorType 1 uncorrected, counterType 0 volatile: what perfeng asks for */
nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t d, int error_type, int counter_type,
					 unsigned long long *n)
{
	FAIL_IF_ERRORS();
	if (error_type != 1 || counter_type != 0)
		return 2;
	*n = d->ecc;
	return 0;
}
