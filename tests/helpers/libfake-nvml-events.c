/*
 * libfake-nvml.c as a newer driver exports it: the clocks reasons under
 * both names, nvmlDeviceGetCurrentClocksEventReasons answering 0x8 for GPU 0
 * where the old name answers 0x4.
 */
#define FAKE_NVML_EVENTS 1
#include "libfake-nvml.c"
