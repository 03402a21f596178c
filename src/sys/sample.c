/*
 * The sampler: opens the /proc, /sys and cgroup files once, below a root
 * prefix, and each sys_sample() preads them into one reused buffer and hands
 * the text to the parsers in procfs.c. A file that is missing (containers,
 * old kernels) or stops being readable leaves its SYS_HAVE_* bit clear; it is
 * never an error. The only allocation after init is growing the buffer when
 * a file outgrows it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sys/nvml.h"
#include "sys/procfs.h"
#include "sys/use.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/xalloc.h"

static const char *const sys_paths[] = {
	[SF_STAT] = "proc/stat",
	[SF_MEMINFO] = "proc/meminfo",
	[SF_VMSTAT] = "proc/vmstat",
	[SF_PSI_CPU] = "proc/pressure/cpu",
	[SF_PSI_MEM] = "proc/pressure/memory",
	[SF_PSI_IO] = "proc/pressure/io",
	[SF_DISKSTATS] = "proc/diskstats",
	[SF_NETDEV] = "proc/net/dev",
	[SF_SNMP] = "proc/net/snmp",
	[SF_FILENR] = "proc/sys/fs/file-nr",
	[SF_SCHEDSTAT] = "proc/schedstat",
};

/* root + "/" + rel into out; 0, or -1 when it does not fit. */
static int sys__path(const struct sys_source *s, const char *rel, char *out, size_t n)
{
	int len = snprintf(out, n, "%s/%s", s->root, rel);

	return len < 0 || (size_t)len >= n ? -1 : 0;
}

static int sys__exists(const struct sys_source *s, const char *rel)
{
	char path[512];

	return sys__path(s, rel, path, sizeof(path)) == 0 && access(path, F_OK) == 0;
}

static int sys__open(const struct sys_source *s, const char *rel)
{
	char path[512];

	if (sys__path(s, rel, path, sizeof(path)) < 0)
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC);
}

/*
 * Reads all of fd into s->buf from offset 0. Returns the length, or -1 when
 * the read fails (the file stays open: a PID that exited reads ESRCH).
 */
static ssize_t sys__read(struct sys_source *s, int fd)
{
	size_t off = 0;

	for (;;) {
		ssize_t n = pread(fd, s->buf + off, s->buf_size - off, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return (ssize_t)off;
		off += (size_t)n;
		/* /proc, sysfs and cgroup files are seq_files, which fill the
		 * buffer unless they reach the end: a short read is the end, and
		 * saves the second pread per file that would return 0. */
		if (off < s->buf_size)
			return (ssize_t)off;
		if (s->buf_size >= (64u << 20))
			return (ssize_t)off;	/* no /proc file is this big: stop */
		s->buf_size *= 2;
		s->buf = xrealloc(s->buf, s->buf_size);
	}
}

/* A whole small file below root into out (NUL-terminated); its length or -1. */
static ssize_t sys__slurp(const struct sys_source *s, const char *rel, char *out, size_t n)
{
	int fd = sys__open(s, rel);

	if (fd < 0)
		return -1;
	ssize_t len = read(fd, out, n - 1);

	close(fd);
	if (len < 0)
		return -1;
	out[len] = 0;
	return len;
}

/* Filesystems worth a statvfs: block devices and overlay, each device once
 * (bind mounts repeat it). Network filesystems are left out: a statvfs of
 * an unreachable server can block for minutes, and the sampler must not. */
static int fs_is_real(const char *dev, const char *type)
{
	static const char *const local[] = { "zfs", "overlay", "fuseblk", "btrfs", "xfs",
					      "ext4", "ext3", "ext2" };
	static const char *const remote[] = { "nfs", "nfs4", "cifs", "smb3", "ceph", "glusterfs",
					       "9p", "fuse.sshfs" };

	for (size_t i = 0; i < ARRAY_SIZE(remote); i++)
		if (!strcmp(type, remote[i]))
			return 0;
	if (dev[0] == '/')
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(local); i++)
		if (!strcmp(type, local[i]))
			return 1;
	return 0;
}

/* mounts: "dev mountpoint type opts 0 0" per line; octal escapes in names are kept. */
static void sys__scan_mounts(struct sys_source *s, char *cg2_mount, size_t cgn)
{
	char seen[SYS_MAX_FS][SYS_PATH_MAX], *save = NULL;
	int fd = sys__open(s, "proc/self/mounts");
	ssize_t len = fd >= 0 ? sys__read(s, fd) : -1;

	cg2_mount[0] = 0;
	if (fd >= 0)
		close(fd);
	if (len < 0)
		return;
	if ((size_t)len == s->buf_size)
		len--;		/* 64 MiB of mounts: the last line is cut anyway */
	s->buf[len] = 0;
	for (char *line = strtok_r(s->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char dev[256], mnt[256], type[64];

		if (sscanf(line, "%255s %255s %63s", dev, mnt, type) != 3)
			continue;
		if (!strcmp(type, "cgroup2")) {
			if (!cg2_mount[0])
				snprintf(cg2_mount, cgn, "%s", mnt);
			continue;
		}
		/* A cut mount point could not be statvfs'd: skip the rare long one. */
		if (!fs_is_real(dev, type) || s->nmounts >= SYS_MAX_FS || strlen(mnt) >= SYS_PATH_MAX)
			continue;
		int dup = 0;

		for (uint32_t i = 0; i < s->nmounts; i++)
			dup |= !strncmp(seen[i], dev, SYS_PATH_MAX - 1);
		/* (two devices sharing their first 127 bytes count as one) */
		if (dup)
			continue;
		size_t dl = strnlen(dev, SYS_PATH_MAX - 1);

		memcpy(seen[s->nmounts], dev, dl);
		seen[s->nmounts][dl] = 0;
		memcpy(s->mounts[s->nmounts++], mnt, strlen(mnt) + 1);
	}
}

static void sys__open_cgroup(struct sys_source *s, const char *cg2_mount)
{
	static const struct { enum sys_file_id id; const char *name; } files[] = {
		{ SF_CG_CPU, "cpu.stat" }, { SF_CG_MEMCUR, "memory.current" },
		{ SF_CG_MEMMAX, "memory.max" }, { SF_CG_EVENTS, "memory.events" },
	};
	char text[1024], rel[600], cgpath[256];
	ssize_t len = sys__slurp(s, "proc/self/cgroup", text, sizeof(text));

	if (len < 0 || !cg2_mount[0] ||
	    procfs_parse_cgroup_path(text, (size_t)len, cgpath, sizeof(cgpath)) < 0)
		return;
	/* A mount point is absolute; below a fixture root it is relative to it. */
	snprintf(s->cgroup, sizeof(s->cgroup), "%s%s", cg2_mount + (cg2_mount[0] == '/'),
		 strcmp(cgpath, "/") ? cgpath : "");
	/* A container without a cgroup namespace sees its host path in
	 * /proc/self/cgroup but has its own cgroup mounted as the root. */
	if (!sys__exists(s, s->cgroup) && strcmp(cgpath, "/") &&
	    sys__exists(s, cg2_mount + (cg2_mount[0] == '/')))
		snprintf(s->cgroup, sizeof(s->cgroup), "%s", cg2_mount + (cg2_mount[0] == '/'));
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(rel, sizeof(rel), "%s/%s", s->cgroup, files[i].name);
		s->f[files[i].id].fd = sys__open(s, rel);
	}
}

int sys_source_init(struct sys_source *s, const char *root, int use_gpu)
{
	char cg2_mount[256];

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < SF_COUNT; i++)
		s->f[i].fd = -1;
	s->pid_fd_dir = -1;
	if (!root || !*root)
		root = "/";
	size_t rl = strlen(root);

	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (rl >= sizeof(s->root))
		return pe_error("root '%s': path too long", root);
	if (!(rl == 1 && root[0] == '/'))
		memcpy(s->root, root, rl);	/* "/" becomes "" so paths read "/proc/..." */
	if (access(*s->root ? s->root : "/", R_OK | X_OK) < 0)
		return pe_error("cannot read '%s': %s", root, strerror(errno));
	s->buf_size = 64 * 1024;
	s->buf = xmalloc(s->buf_size);
	s->ticks_per_sec = sysconf(_SC_CLK_TCK);
	if (s->ticks_per_sec <= 0)
		s->ticks_per_sec = 100;
	for (int i = 0; i < SF_CG_CPU; i++)
		s->f[i].fd = sys__open(s, sys_paths[i]);
	sys__scan_mounts(s, cg2_mount, sizeof(cg2_mount));
	sys__open_cgroup(s, cg2_mount);
	if (use_gpu)
		s->nvml = nvml_open(s->gpu_note, sizeof(s->gpu_note));
	return 0;
}

int sys_source_watch_pid(struct sys_source *s, pid_t pid)
{
	static const struct { enum sys_file_id id; const char *name; } files[] = {
		{ SF_PID_STAT, "stat" }, { SF_PID_STATUS, "status" },
		{ SF_PID_IO, "io" }, { SF_PID_SCHED, "schedstat" },
	};
	char rel[64];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(rel, sizeof(rel), "proc/%d/%s", (int)pid, files[i].name);
		s->f[files[i].id].fd = sys__open(s, rel);
	}
	if (s->f[SF_PID_STAT].fd < 0)
		return pe_error("process %d: no such process", (int)pid);
	snprintf(rel, sizeof(rel), "proc/%d/fd", (int)pid);
	s->pid_fd_dir = sys__open(s, rel);
	s->pid = pid;
	return 0;
}

void sys_source_release(struct sys_source *s)
{
	for (int i = 0; i < SF_COUNT; i++)
		if (s->f[i].fd >= 0)
			close(s->f[i].fd);
	if (s->pid_fd_dir >= 0)
		close(s->pid_fd_dir);
	if (s->nvml)
		nvml_close(s->nvml);
	free(s->buf);
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < SF_COUNT; i++)
		s->f[i].fd = -1;
	s->pid_fd_dir = -1;
}

/* Link speed in Mb/s from /sys/class/net/IF/speed, cached per name: 0 unknown
 * (loopback, virtual links and links that are down have none). */
static uint64_t sys__speed(struct sys_source *s, const char *name)
{
	char rel[96], text[32];

	for (uint32_t i = 0; i < s->nspeed; i++)
		if (!strcmp(s->speed_name[i], name))
			return s->speed_mbps[i];
	snprintf(rel, sizeof(rel), "sys/class/net/%s/speed", name);
	ssize_t len = sys__slurp(s, rel, text, sizeof(text));
	long v = len > 0 ? strtol(text, NULL, 10) : 0;
	uint64_t mbps = v > 0 ? (uint64_t)v : 0;

	if (s->nspeed < SYS_MAX_NETS) {
		snprintf(s->speed_name[s->nspeed], SYS_NAME_MAX, "%s", name);
		s->speed_mbps[s->nspeed++] = mbps;
	}
	return mbps;
}

/* Entries in /proc/PID/fd, counted with getdents64 into a stack buffer. */
static uint64_t sys__count_fds(int dirfd)
{
	char buf[8192];
	uint64_t n = 0;

	if (lseek(dirfd, 0, SEEK_SET) < 0)
		return 0;
	for (;;) {
		long len = syscall(SYS_getdents64, dirfd, buf, sizeof(buf));

		if (len <= 0)
			break;
		for (long off = 0; off < len;) {
			unsigned short reclen;
			const char *name = buf + off + 19;	/* d_ino 8, d_off 8, d_reclen 2, d_type 1 */

			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			if (!reclen)
				return n;
			if (strcmp(name, ".") && strcmp(name, ".."))
				n++;
			off += reclen;
		}
	}
	return n;
}

static void sys__sample_pid(struct sys_source *s, struct sys_sample *out)
{
	struct sys_proc *p = &out->proc;
	ssize_t len;

	p->pid = s->pid;
	len = sys__read(s, s->f[SF_PID_STAT].fd);
	if (len <= 0) {
		p->alive = 0;	/* it exited: its files read ESRCH or nothing */
		return;
	}
	p->alive = 1;
	procfs_parse_pid_stat(s->buf, (size_t)len, p);
	if (!p->alive)
		return;		/* a zombie: nothing more to read */
	if (s->f[SF_PID_STATUS].fd >= 0 && (len = sys__read(s, s->f[SF_PID_STATUS].fd)) > 0)
		procfs_parse_pid_status(s->buf, (size_t)len, p);
	/* UINT64_MAX: not readable (io needs ptrace rights; schedstat may be absent) */
	p->read_bytes = p->write_bytes = p->run_delay_ns = UINT64_MAX;
	if (s->f[SF_PID_IO].fd >= 0 && (len = sys__read(s, s->f[SF_PID_IO].fd)) > 0)
		procfs_parse_pid_io(s->buf, (size_t)len, p);
	if (s->f[SF_PID_SCHED].fd >= 0 && (len = sys__read(s, s->f[SF_PID_SCHED].fd)) > 0)
		procfs_parse_pid_schedstat(s->buf, (size_t)len, p);
	if (s->pid_fd_dir >= 0)
		p->fds = sys__count_fds(s->pid_fd_dir);
	out->have |= SYS_HAVE_PROC;
}

int sys_sample(struct sys_source *s, struct sys_sample *out)
{
	typedef void (*parse_fn)(const char *, size_t, struct sys_sample *);
	static const parse_fn parsers[SF_CG_EVENTS + 1] = {
		[SF_STAT] = procfs_parse_stat, [SF_MEMINFO] = procfs_parse_meminfo,
		[SF_VMSTAT] = procfs_parse_vmstat, [SF_DISKSTATS] = procfs_parse_diskstats,
		[SF_NETDEV] = procfs_parse_netdev, [SF_SNMP] = procfs_parse_snmp,
		[SF_FILENR] = procfs_parse_filenr, [SF_SCHEDSTAT] = procfs_parse_schedstat,
		[SF_CG_CPU] = procfs_parse_cg_cpu, [SF_CG_MEMCUR] = procfs_parse_cg_memcur,
		[SF_CG_MEMMAX] = procfs_parse_cg_memmax, [SF_CG_EVENTS] = procfs_parse_cg_events,
	};
	static const unsigned psi_bit[] = {
		[SF_PSI_CPU] = SYS_HAVE_PSI_CPU, [SF_PSI_MEM] = SYS_HAVE_PSI_MEM,
		[SF_PSI_IO] = SYS_HAVE_PSI_IO,
	};

	/* Counts and flags restart at zero; the arrays are overwritten up to their counts. */
	out->have = 0;
	out->ncpu = out->ndisk = out->nnet = out->nfs = out->ngpu = 0;
	out->cg_mem_max = UINT64_MAX;
	out->t_ns = clock_now_ns();
	for (int i = 0; i <= SF_CG_EVENTS; i++) {
		ssize_t len;

		if (s->f[i].fd < 0 || (len = sys__read(s, s->f[i].fd)) < 0)
			continue;
		if (i == SF_PSI_CPU || i == SF_PSI_MEM || i == SF_PSI_IO)
			procfs_parse_pressure(s->buf, (size_t)len, psi_bit[i], out);
		else
			parsers[i](s->buf, (size_t)len, out);
	}
	for (uint32_t i = 0; i < out->nnet; i++)
		out->net[i].speed_mbps = sys__speed(s, out->net[i].name);
	for (uint32_t i = 0; i < s->nmounts; i++) {
		char path[512];
		struct statvfs v;

		if (sys__path(s, s->mounts[i] + (s->mounts[i][0] == '/'), path, sizeof(path)) < 0 ||
		    statvfs(path, &v) < 0 || !v.f_blocks)
			continue;
		struct sys_fs *f = &out->fs[out->nfs++];

		snprintf(f->mount, sizeof(f->mount), "%s", s->mounts[i]);
		f->size = (uint64_t)v.f_blocks * v.f_frsize;
		f->avail = (uint64_t)v.f_bavail * v.f_frsize;
		f->used = (uint64_t)(v.f_blocks - v.f_bfree) * v.f_frsize;
		f->files = v.f_files;
		f->ffree = v.f_ffree;
	}
	if (out->nfs)
		out->have |= SYS_HAVE_FS;
	if (s->nvml)
		nvml_sample(s->nvml, out);
	if (s->pid)
		sys__sample_pid(s, out);
	return 0;
}
