/*
 * NVIDIA GPUs through NVML, loaded at run time with dlopen so that perfeng
 * builds and runs without the driver or any NVIDIA header. Internal to
 * src/sys/; the sampler owns the handle.
 */
#ifndef PE_SYS_NVML_H
#define PE_SYS_NVML_H

#include <stddef.h>

#include "sys/use.h"

struct nvml;

/*
 * Loads $PERFENG_NVML_LIB, else libnvidia-ml.so.1, and initialises it.
 * Returns a handle the caller frees with nvml_close, or NULL with a one-line
 * reason in note ("no NVIDIA driver (libnvidia-ml.so.1 not found)", "no GPU").
 */
struct nvml *nvml_open(char *note, size_t n);
/* Fills s->gpu[] and s->ngpu; a value NVML refuses is UINT64_MAX. */
void nvml_sample(struct nvml *g, struct sys_sample *s);
void nvml_close(struct nvml *g);

#endif
