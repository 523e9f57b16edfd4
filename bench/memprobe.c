/* memprobe: the peak-memory sampler of bench/anchors.sh (not part of
 * hopeless). The kernel runs it as the initramfs's first process
 * (rdinit=/memprobe, from a second cpio archive appended to each
 * initramfs); it forks a child that samples /proc/meminfo every 5 ms, then
 * execs the initramfs's own /init with the same arguments and environment,
 * as PID 1. The child writes each maximum of MemTotal - MemAvailable (and
 * of MemTotal - MemFree) that grew by 256 KiB or more to /dev/kmsg (level 6,
 * not on the console), and a final line once PID 1's executable lives on
 * another file system than the initramfs (the root's init runs) or after
 * 300 s. It mounts /proc and devtmpfs in a mount namespace of its own and
 * removes its two directories before /init starts, so the initramfs sees
 * nothing of it; argv[0] starts with '@' so systemd's switch-root spares it.
 * Built static with musl: musl-gcc -static -Os -o memprobe memprobe.c */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROC_DIR "/.memprobe-proc"
#define DEV_DIR "/.memprobe-dev"
#define STEP_KB 256

static long field(const char *buf, const char *name)
{
	const char *p = strstr(buf, name);
	return p ? strtol(p + strlen(name), NULL, 10) : -1;
}

static void say(int kmsg, const char *what, long avail_kb, long free_kb)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "<6>memprobe: %s used %ld kB (MemTotal-MemAvailable), %ld kB (MemTotal-MemFree)\n",
			 what, avail_kb, free_kb);
	if (kmsg >= 0 && n > 0)
		(void)!write(kmsg, line, (size_t)n);
}

/* Opens meminfo, the /proc directory and /dev/kmsg in a private mount
 * namespace, then removes the mount points (the descriptors keep them). */
static void open_files(int *mem, int *proc, int *kmsg)
{
	*mem = *proc = *kmsg = -1;
	if (unshare(CLONE_NEWNS) < 0)
		return;
	mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (mkdir(PROC_DIR, 0700) == 0 && mount("proc", PROC_DIR, "proc", 0, NULL) == 0) {
		*mem = open(PROC_DIR "/meminfo", O_RDONLY | O_CLOEXEC);
		*proc = open(PROC_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		umount2(PROC_DIR, MNT_DETACH);
	}
	rmdir(PROC_DIR);
	if (mkdir(DEV_DIR, 0700) == 0 && mount("devtmpfs", DEV_DIR, "devtmpfs", 0, NULL) == 0) {
		*kmsg = open(DEV_DIR "/kmsg", O_WRONLY | O_CLOEXEC);
		umount2(DEV_DIR, MNT_DETACH);
	}
	rmdir(DEV_DIR);
}

static int exe_moved(int proc, const struct stat *first)
{
	struct stat st;
	if (fstatat(proc, "1/exe", &st, 0) < 0)
		return 0;
	/* Only the file system: /memprobe, /init and what /init execs within
	 * the initramfs all live on the rootfs. */
	return st.st_dev != first->st_dev;
}

static void sample(int ready)
{
	int mem, proc, kmsg;
	open_files(&mem, &proc, &kmsg);
	(void)!write(ready, "r", 1);
	close(ready);
	struct stat first;
	if (mem < 0 || proc < 0 || fstatat(proc, "1/exe", &first, 0) < 0)
		return;
	long max_a = 0, max_f = 0, said_a = 0;
	const struct timespec tick = { 0, 5 * 1000 * 1000 };
	for (int i = 0; i < 300 * 200; i++) {
		char buf[4096];
		ssize_t n = pread(mem, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			break;
		buf[n] = '\0';
		long total = field(buf, "MemTotal:"), avail = field(buf, "MemAvailable:"), fr = field(buf, "MemFree:");
		if (total > 0 && total - avail > max_a)
			max_a = total - avail;
		if (total > 0 && total - fr > max_f)
			max_f = total - fr;
		if (i == 0) {
			say(kmsg, "start", max_a, max_f);
			said_a = max_a;
		} else if (max_a - said_a >= STEP_KB) {
			say(kmsg, "max", max_a, max_f);
			said_a = max_a;
		}
		if (exe_moved(proc, &first))
			break;
		nanosleep(&tick, NULL);
	}
	say(kmsg, "final", max_a, max_f);
}

int main(int argc, char **argv, char **envp)
{
	int p[2];
	(void)argc;
	if (pipe(p) == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			close(p[0]);
			argv[0][0] = '@';
			sample(p[1]);
			_exit(0);
		}
		close(p[1]);
		char c;
		if (pid > 0)
			(void)!read(p[0], &c, 1);
		close(p[0]);
	}
	argv[0] = "/init";
	execve("/init", argv, envp);
	perror("memprobe: exec /init");
	return 1;
}
