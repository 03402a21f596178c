/*
 * Parsers of the /proc and cgroup files behind struct sys_sample. Each takes
 * the file's text (not NUL-terminated), parses it in place without allocating
 * and fills its part of the sample, setting the matching SYS_HAVE_* bit when
 * the text held what it needs. Malformed text leaves fields at zero; nothing
 * here fails or reads past len. Internal to src/sys/ (and its tests and
 * fuzz target).
 */
#ifndef PE_SYS_PROCFS_H
#define PE_SYS_PROCFS_H

#include <stddef.h>

#include "sys/use.h"

void procfs_parse_stat(const char *buf, size_t len, struct sys_sample *s);
void procfs_parse_meminfo(const char *buf, size_t len, struct sys_sample *s);
void procfs_parse_vmstat(const char *buf, size_t len, struct sys_sample *s);
/* which: SYS_HAVE_PSI_CPU, SYS_HAVE_PSI_MEM or SYS_HAVE_PSI_IO */
void procfs_parse_pressure(const char *buf, size_t len, unsigned which, struct sys_sample *s);
void procfs_parse_diskstats(const char *buf, size_t len, struct sys_sample *s);
/* Link speeds are not in the text: the sampler fills speed_mbps afterwards. */
void procfs_parse_netdev(const char *buf, size_t len, struct sys_sample *s);
void procfs_parse_snmp(const char *buf, size_t len, struct sys_sample *s);
void procfs_parse_filenr(const char *buf, size_t len, struct sys_sample *s);
void procfs_parse_schedstat(const char *buf, size_t len, struct sys_sample *s);
void procfs_parse_cg_cpu(const char *buf, size_t len, struct sys_sample *s);
void procfs_parse_cg_memcur(const char *buf, size_t len, struct sys_sample *s);
void procfs_parse_cg_memmax(const char *buf, size_t len, struct sys_sample *s);
void procfs_parse_cg_events(const char *buf, size_t len, struct sys_sample *s);
/* /proc/PID/{stat,status,io,schedstat} into s->proc; stat clears alive for a zombie */
void procfs_parse_pid_stat(const char *buf, size_t len, struct sys_proc *p);
void procfs_parse_pid_status(const char *buf, size_t len, struct sys_proc *p);
void procfs_parse_pid_io(const char *buf, size_t len, struct sys_proc *p);
void procfs_parse_pid_schedstat(const char *buf, size_t len, struct sys_proc *p);

/* The cgroup v2 path ("/a/b") from /proc/self/cgroup's "0::" line into out; 0 or -1. */
int procfs_parse_cgroup_path(const char *buf, size_t len, char *out, size_t n);

#endif
