/* Work over many independent items in forked worker processes, one
 * contiguous range each. `node add` of 10,000 nodes is file-system work in
 * the kernel (inodes, directory entries) plus key generation, all of it
 * independent per node: a head node's cores do it side by side. Processes,
 * not threads: the per-item code (libcrypto, the tree helpers) was written
 * for one thread, and a worker that crashes cannot corrupt the caller. */
#ifndef HOPELESS_WORKERS_H
#define HOPELESS_WORKERS_H
#include <stddef.h>

/* fn does items [lo, hi): 0, or a negative errno with *failed set to the
 * item that failed. It runs in a child that exits right after (no stdio
 * flush, no atexit handlers): it must leave its output in files, not in
 * memory or stdio buffers. */
typedef int (*workers_fn)(size_t lo, size_t hi, size_t *failed, void *arg);

/* How many workers for n items: one per online CPU, at most 8, and none
 * for fewer than min_per_worker items each (1 means: do it in-process). */
int workers_count(size_t n, size_t min_per_worker);
/* Runs fn over [0, n) in nworkers processes (nworkers <= 1: in this
 * process). Returns 0 when every range succeeded; else the error of the
 * lowest failed range, with *failed its item (-EIO, *failed = its range's
 * first item, for a worker that died without reporting). Every worker has
 * finished when this returns. */
int workers_run(size_t n, int nworkers, workers_fn fn, void *arg, size_t *failed);
/* The same, with idle(idle_arg) called by the caller's process over and
 * over while workers run (about every 100 ms, once at least): the caller
 * is otherwise only waiting. node add flushes what the workers wrote so
 * far (syncfs), so its final sync finds little left: the first of its
 * two syncs took 1.3 s of 10 s over 10,000 nodes, with the cores idle. */
typedef void (*workers_idle_fn)(void *idle_arg);
int workers_run_idle(size_t n, int nworkers, workers_fn fn, void *arg, size_t *failed, workers_idle_fn idle,
		     void *idle_arg);

/* A helper process calling fn(arg) about every 50 ms until stopped (or
 * until the caller exits: it watches a pipe from it). A large tfs_batch
 * flushes its staged files this way while the rest are being written, so
 * the commit's sync has little left to wait for. */
struct workers_bg {
	int pid; /* 0: none running */
	int fd;  /* the pipe's write end */
};
int workers_bg_start(struct workers_bg *bg, workers_idle_fn fn, void *arg);
void workers_bg_stop(struct workers_bg *bg);
#endif
