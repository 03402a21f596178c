/*
 * NVML through dlopen. The few types and functions perfeng needs are
 * declared here from NVIDIA's documented API (nvml.h is not needed to
 * build): nvmlReturn_t is an int (0 success), nvmlDevice_t an opaque pointer,
 * enums are ints. A function the library lacks, or a value a GPU does not
 * support, gives UINT64_MAX for that value, never a failure.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/nvml.h"
#include "util/xalloc.h"

typedef int nvml_ret;
typedef void *nvml_dev;

struct nvml_util { unsigned int gpu, memory; };			/* nvmlUtilization_t */
struct nvml_mem { unsigned long long total, free, used; };	/* nvmlMemory_t */

enum {
	NVML_CLOCK_SM = 1,			/* nvmlClockType_t */
	NVML_MEMORY_ERROR_TYPE_UNCORRECTED = 1,	/* nvmlMemoryErrorType_t */
	NVML_VOLATILE_ECC = 0,			/* nvmlEccCounterType_t */
};

struct nvml {
	void *lib;
	unsigned int count;
	nvml_ret (*shutdown)(void);
	nvml_ret (*get_handle)(unsigned int, nvml_dev *);
	nvml_ret (*get_name)(nvml_dev, char *, unsigned int);
	nvml_ret (*get_util)(nvml_dev, struct nvml_util *);
	nvml_ret (*get_mem)(nvml_dev, struct nvml_mem *);
	nvml_ret (*get_power)(nvml_dev, unsigned int *);
	nvml_ret (*get_power_limit)(nvml_dev, unsigned int *);
	nvml_ret (*get_clock)(nvml_dev, int, unsigned int *);
	nvml_ret (*get_max_clock)(nvml_dev, int, unsigned int *);
	nvml_ret (*get_throttle)(nvml_dev, unsigned long long *);
	nvml_ret (*get_ecc)(nvml_dev, int, int, unsigned long long *);
};

static void *nvml__sym(void *lib, const char *name)
{
	return dlsym(lib, name);
}

struct nvml *nvml_open(char *note, size_t n)
{
	const char *path = getenv("PERFENG_NVML_LIB");
	nvml_ret (*init)(void);
	nvml_ret (*count)(unsigned int *);
	struct nvml *g;
	void *lib;

	if (!path || !*path)
		path = "libnvidia-ml.so.1";
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(note, n, "no GPU data: no NVIDIA driver (%s not loadable)", path);
		return NULL;
	}
	*(void **)&init = nvml__sym(lib, "nvmlInit_v2");
	*(void **)&count = nvml__sym(lib, "nvmlDeviceGetCount_v2");
	g = xcalloc(1, sizeof(*g));
	g->lib = lib;
	*(void **)&g->shutdown = nvml__sym(lib, "nvmlShutdown");
	*(void **)&g->get_handle = nvml__sym(lib, "nvmlDeviceGetHandleByIndex_v2");
	*(void **)&g->get_name = nvml__sym(lib, "nvmlDeviceGetName");
	*(void **)&g->get_util = nvml__sym(lib, "nvmlDeviceGetUtilizationRates");
	*(void **)&g->get_mem = nvml__sym(lib, "nvmlDeviceGetMemoryInfo");
	*(void **)&g->get_power = nvml__sym(lib, "nvmlDeviceGetPowerUsage");
	*(void **)&g->get_power_limit = nvml__sym(lib, "nvmlDeviceGetEnforcedPowerLimit");
	*(void **)&g->get_clock = nvml__sym(lib, "nvmlDeviceGetClockInfo");
	*(void **)&g->get_max_clock = nvml__sym(lib, "nvmlDeviceGetMaxClockInfo");
	/* Renamed "clocks event reasons" in newer drivers; the old name stays as an alias. */
	*(void **)&g->get_throttle = nvml__sym(lib, "nvmlDeviceGetCurrentClocksEventReasons");
	if (!g->get_throttle)
		*(void **)&g->get_throttle = nvml__sym(lib, "nvmlDeviceGetCurrentClocksThrottleReasons");
	*(void **)&g->get_ecc = nvml__sym(lib, "nvmlDeviceGetTotalEccErrors");
	if (!init || !count || !g->get_handle) {
		snprintf(note, n, "no GPU data: %s lacks nvmlInit_v2 or device functions", path);
		goto fail;
	}
	nvml_ret rc = init();

	if (rc != 0) {
		snprintf(note, n, "no GPU data: nvmlInit failed (NVML error %d)", rc);
		goto fail;
	}
	if (count(&g->count) != 0 || g->count == 0) {
		snprintf(note, n, "no GPU data: NVML found no GPU");
		if (g->shutdown)
			g->shutdown();
		goto fail;
	}
	if (g->count > SYS_MAX_GPUS)
		g->count = SYS_MAX_GPUS;
	return g;
fail:
	dlclose(lib);
	free(g);
	return NULL;
}

/* An unsigned int getter's value, or UINT64_MAX when it is missing or refused. */
static uint64_t nvml__u(nvml_ret (*fn)(nvml_dev, unsigned int *), nvml_dev d)
{
	unsigned int v;

	return fn && fn(d, &v) == 0 ? v : UINT64_MAX;
}

void nvml_sample(struct nvml *g, struct sys_sample *s)
{
	s->ngpu = 0;
	for (unsigned int i = 0; i < g->count; i++) {
		struct sys_gpu *u = &s->gpu[s->ngpu];
		nvml_dev d;
		struct nvml_util ut;
		struct nvml_mem m;
		unsigned int v;
		unsigned long long ll;

		if (g->get_handle(i, &d) != 0)
			continue;
		memset(u, 0xff, sizeof(*u));	/* every value UINT64_MAX until read */
		if (!g->get_name || g->get_name(d, u->name, sizeof(u->name)) != 0)
			snprintf(u->name, sizeof(u->name), "gpu%u", i);
		u->name[sizeof(u->name) - 1] = 0;
		if (g->get_util && g->get_util(d, &ut) == 0) {
			u->util_gpu = ut.gpu;
			u->util_mem = ut.memory;
		}
		if (g->get_mem && g->get_mem(d, &m) == 0) {
			u->mem_used = m.used;
			u->mem_total = m.total;
		}
		u->power_mw = nvml__u(g->get_power, d);
		u->power_limit_mw = nvml__u(g->get_power_limit, d);
		if (g->get_clock && g->get_clock(d, NVML_CLOCK_SM, &v) == 0)
			u->sm_clock_mhz = v;
		if (g->get_max_clock && g->get_max_clock(d, NVML_CLOCK_SM, &v) == 0)
			u->sm_clock_max_mhz = v;
		if (g->get_throttle && g->get_throttle(d, &ll) == 0)
			u->throttle = ll;
		if (g->get_ecc && g->get_ecc(d, NVML_MEMORY_ERROR_TYPE_UNCORRECTED, NVML_VOLATILE_ECC,
					     &ll) == 0)
			u->ecc_uncorrected = ll;
		s->ngpu++;
	}
	if (s->ngpu)
		s->have |= SYS_HAVE_GPU;
}

void nvml_close(struct nvml *g)
{
	if (g->shutdown)
		g->shutdown();
	dlclose(g->lib);
	free(g);
}
