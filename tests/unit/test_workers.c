/* workers_run: every item done exactly once across the workers, the lowest
 * failing range's error and item reported, a worker that dies is an error. */
#include "harness.h"
#include "workers.h"
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

struct job {
	unsigned char *seen; /* shared with the workers */
	size_t fail_at[2];   /* items that fail (SIZE_MAX: none) */
	size_t die_at;       /* item whose worker is killed */
};

static int mark(size_t lo, size_t hi, size_t *failed, void *arg)
{
	struct job *j = arg;
	for (size_t i = lo; i < hi; i++) {
		if (i == j->die_at)
			raise(SIGKILL);
		if (i == j->fail_at[0] || i == j->fail_at[1]) {
			*failed = i;
			return -ENOSPC;
		}
		j->seen[i]++;
	}
	return 0;
}

TEST(workers_cover_every_item_once)
{
	enum { N = 1000 };
	unsigned char *seen = mmap(NULL, N, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(seen != MAP_FAILED);
	struct job j = {seen, {(size_t)-1, (size_t)-1}, (size_t)-1};
	size_t failed = 12345;
	CHECK_INT(workers_run(N, 4, mark, &j, &failed), 0);
	int once = 1;
	for (size_t i = 0; i < N; i++)
		once &= seen[i] == 1;
	CHECK(once);
	/* In-process with one worker, and with no items at all. */
	CHECK_INT(workers_run(N, 1, mark, &j, &failed), 0);
	CHECK_INT(seen[N - 1], 2);
	CHECK_INT(workers_run(0, 4, mark, &j, &failed), 0);
	munmap(seen, N);
}

TEST(workers_report_the_lowest_failure)
{
	enum { N = 1000 };
	unsigned char *seen = mmap(NULL, N, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(seen != MAP_FAILED);
	/* Ranges of 4 workers: [0,250) [250,500) ...; items 700 and 300 fail. */
	struct job j = {seen, {700, 300}, (size_t)-1};
	size_t failed = 0;
	CHECK_INT(workers_run(N, 4, mark, &j, &failed), -ENOSPC);
	CHECK_INT((long)failed, 300);
	/* A worker killed at item 600: its range [500,750) is reported. */
	struct job k = {seen, {(size_t)-1, (size_t)-1}, 600};
	CHECK_INT(workers_run(N, 4, mark, &k, &failed), -EIO);
	CHECK_INT((long)failed, 500);
	munmap(seen, N);
}

TEST(workers_count_bounds)
{
	CHECK_INT(workers_count(10, 256), 1);
	CHECK(workers_count(100000, 1) >= 1);
	CHECK(workers_count(100000, 1) <= 8);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus >= 2)
		CHECK_INT(workers_count(512, 256), 2);
}

/* The caller's idle function runs while the workers still work: each
 * worker waits (up to 5 s) until it has been called, and says whether it
 * saw that; every item is still done once. */
struct idle_job {
	volatile int *idle_calls; /* shared */
	unsigned char *seen;
};

static int wait_for_idle(size_t lo, size_t hi, size_t *failed, void *arg)
{
	struct idle_job *j = arg;
	(void)failed;
	for (int k = 0; k < 500 && *j->idle_calls == 0; k++)
		usleep(10000);
	for (size_t i = lo; i < hi; i++)
		j->seen[i] = *j->idle_calls > 0 ? 1 : 2;
	return 0;
}

static void count_idle(void *arg)
{
	(*(volatile int *)arg)++;
}

TEST(workers_call_idle_while_they_run)
{
	enum { N = 64 };
	unsigned char *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED);
	struct idle_job j = {(volatile int *)mem, mem + 64};
	size_t failed = 0;
	CHECK_INT(workers_run_idle(N, 2, wait_for_idle, &j, &failed, count_idle, mem), 0);
	int all_saw = 1;
	for (size_t i = 0; i < N; i++)
		all_saw &= j.seen[i] == 1;
	CHECK(all_saw);
	CHECK(*j.idle_calls >= 1);
	munmap(mem, 4096);
}

/* One worker done at once, the other 0.4 s later: with idle polling, the
 * caller still waits for both (a reaped worker once counted again as
 * finishing, and the call returned -EIO while the other still ran). */
static int second_range_slow(size_t lo, size_t hi, size_t *failed, void *arg)
{
	unsigned char *seen = arg;
	(void)failed;
	if (lo > 0)
		usleep(400000);
	for (size_t i = lo; i < hi; i++)
		seen[i] = 1;
	return 0;
}

static void no_op(void *arg)
{
	(void)arg;
}

TEST(workers_idle_waits_for_the_slowest)
{
	enum { N = 64 };
	unsigned char *seen = mmap(NULL, N, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(seen != MAP_FAILED);
	size_t failed = 0;
	CHECK_INT(workers_run_idle(N, 2, second_range_slow, seen, &failed, no_op, NULL), 0);
	int all = 1;
	for (size_t i = 0; i < N; i++)
		all &= seen[i] == 1;
	CHECK(all);
	munmap(seen, N);
}
