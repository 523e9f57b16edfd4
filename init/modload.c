/* The modules step beside the network (see modload.h). */
#include "modload.h"
#include "background.h"
#include "clock.h"
#include "log.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* What the child sends back through its pipe. */
struct core_report {
	int result;
	int loaded;
	double cpu_secs;
	double done;
};

struct core_job {
	struct modlist *list;
	int fd;
};

/* In the child (background.h, at the lowest priority: the init's own path
 * of NIC modules, DHCP and ARP must not wait for this; the loading fills
 * the time the init waits). */
static int core_job_run(void *arg)
{
	const struct core_job *j = arg;
	struct modules_cost cost = {0};
	struct core_report rep;
	memset(&rep, 0, sizeof(rep));
	rep.result = modules_load_core(j->list, &cost);
	rep.loaded = cost.loaded;
	rep.cpu_secs = cost.cpu_secs;
	rep.done = clock_secs();
	ssize_t n;
	do
		n = write(j->fd, &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(rep) ? 0 : -EIO;
}

int modload_start(struct modload *ml, const char *conf_path)
{
	static struct modlist list; /* large; the child gets its own copy */
	memset(ml, 0, sizeof(*ml));
	ml->fd = -1;
	int r = modules_read(conf_path, &list);
	if (r < 0)
		return r;
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -errno;
	struct core_job job = {&list, p[1]};
	pid_t pid = background_start(core_job_run, &job, 19);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return pid;
	}
	ml->child = pid;
	ml->fd = p[0];
	modules_load_devices(&list, &ml->devices);
	return 0;
}

int modload_finish(struct modload *ml)
{
	if (ml->fd >= 0) {
		struct core_report rep;
		ssize_t n;
		do
			n = read(ml->fd, &rep, sizeof(rep));
		while (n < 0 && errno == EINTR);
		close(ml->fd);
		ml->fd = -1;
		if (n == (ssize_t)sizeof(rep)) {
			ml->core.loaded = rep.loaded;
			ml->core.cpu_secs = rep.cpu_secs;
			ml->core_done = rep.done;
			ml->core_result = rep.result;
		} else {
			log_error("modules: the process loading the core modules died without a report");
			ml->core_result = -ECHILD;
		}
	}
	if (ml->child > 0) {
		background_wait(ml->child);
		ml->child = 0;
	}
	return ml->core_result;
}
