/* See workers.h. Each worker reports in a slot of a shared anonymous
 * mapping: its result and the item that failed. */
#include "workers.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { WORKERS_MAX = 8 };

struct slot {
	int done; /* set last: the worker reported */
	int err;
	size_t failed;
};

int workers_count(size_t n, size_t min_per_worker)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t w = cpus > 0 ? (size_t)cpus : 1;
	if (w > WORKERS_MAX)
		w = WORKERS_MAX;
	if (min_per_worker == 0)
		min_per_worker = 1;
	while (w > 1 && n / w < min_per_worker)
		w--;
	return (int)w;
}

static void range_of(size_t n, int nworkers, int i, size_t *lo, size_t *hi)
{
	*lo = n * (size_t)i / (size_t)nworkers;
	*hi = n * (size_t)(i + 1) / (size_t)nworkers;
}

/* Reaps every started worker; with idle, calls it between polls. */
static void wait_workers(pid_t *pid, int started, workers_idle_fn idle, void *idle_arg)
{
	int left = started;
	while (left > 0) {
		if (idle)
			idle(idle_arg);
		for (int i = 0; i < started; i++) {
			if (pid[i] <= 0) /* reaped already */
				continue;
			int st;
			pid_t w = waitpid(pid[i], &st, idle ? WNOHANG : 0);
			if (w == pid[i] || (w < 0 && errno != EINTR)) {
				pid[i] = 0;
				left--;
			}
		}
		if (left > 0 && idle)
			nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	}
}

int workers_run(size_t n, int nworkers, workers_fn fn, void *arg, size_t *failed)
{
	return workers_run_idle(n, nworkers, fn, arg, failed, NULL, NULL);
}

int workers_run_idle(size_t n, int nworkers, workers_fn fn, void *arg, size_t *failed, workers_idle_fn idle,
		     void *idle_arg)
{
	if (nworkers <= 1 || n < 2)
		return fn(0, n, failed, arg);
	if (nworkers > WORKERS_MAX)
		nworkers = WORKERS_MAX;
	struct slot *s = mmap(NULL, sizeof(*s) * WORKERS_MAX, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return -errno;
	pid_t pid[WORKERS_MAX];
	int started = 0, r = 0;
	for (; started < nworkers; started++) {
		size_t lo, hi;
		range_of(n, nworkers, started, &lo, &hi);
		pid[started] = fork();
		if (pid[started] < 0) {
			r = -errno;
			*failed = lo;
			break;
		}
		if (pid[started] == 0) {
			size_t f = lo;
			s[started].err = fn(lo, hi, &f, arg);
			s[started].failed = f;
			__atomic_store_n(&s[started].done, 1, __ATOMIC_RELEASE);
			_exit(0);
		}
	}
	wait_workers(pid, started, idle, idle_arg);
	for (int i = 0; i < started && r == 0; i++) {
		size_t lo, hi;
		range_of(n, nworkers, i, &lo, &hi);
		if (!__atomic_load_n(&s[i].done, __ATOMIC_ACQUIRE)) {
			r = -EIO;
			*failed = lo;
		} else if (s[i].err < 0) {
			r = s[i].err;
			*failed = s[i].failed;
		}
	}
	munmap(s, sizeof(*s) * WORKERS_MAX);
	return r;
}

int workers_bg_start(struct workers_bg *bg, workers_idle_fn fn, void *arg)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		close(p[1]);
		struct pollfd pf = {p[0], POLLIN, 0};
		do
			fn(arg);
		while (poll(&pf, 1, 50) == 0);
		_exit(0);
	}
	close(p[0]);
	bg->pid = pid;
	bg->fd = p[1];
	return 0;
}

void workers_bg_stop(struct workers_bg *bg)
{
	if (bg->pid <= 0)
		return;
	close(bg->fd);
	int st;
	while (waitpid(bg->pid, &st, 0) < 0 && errno == EINTR)
		;
	bg->pid = 0;
}
