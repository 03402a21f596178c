/*
 * CPU throttling of a process's cgroup, cgroup v2 or v1: where its cpu.stat
 * is (from /proc/PID/cgroup) and how long the cgroup was throttled. diagnose
 * reads it at the start and the end of a run for the "cpu-starved (cgroup
 * CPU throttling)" rule. sys/use.h covers v2 for perfeng's own cgroup; this
 * is the command's, on v1 machines too.
 */
#ifndef PE_CGTHROTTLE_H
#define PE_CGTHROTTLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The cpu.stat file of the cgroup that /proc/PID/cgroup text names: the
 * v1 "cpu" controller's when there is one, else the v2 unified one, below
 * cgroup_root ("/sys/fs/cgroup"). Writes the path into out; returns 0, or
 * -1 when the text names no CPU cgroup.
 */
int cgthrottle_path_from(const char *cgroup_text, const char *cgroup_root, char *out, size_t n);

/*
 * Throttled time in a cpu.stat text: "throttled_usec N" (v2) or
 * "throttled_time N" (v1, nanoseconds). Returns 0 with *ns set, or -1.
 */
int cgthrottle_parse_stat(const char *text, uint64_t *ns);

/* Both for a live process: finds its cpu.stat path (into out). Returns 0 or -1. */
int cgthrottle_path(pid_t pid, char *out, size_t n);
/* Reads the throttled time of the cpu.stat at path. Returns 0 or -1. */
int cgthrottle_read(const char *path, uint64_t *ns);

#endif
