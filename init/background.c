/* Work beside the init's main path (see background.h). */
#include "background.h"
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t background_start(int (*fn)(void *), void *arg, int nice)
{
	fflush(NULL); /* else the child would print the init's buffered output again */
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (nice)
			setpriority(PRIO_PROCESS, 0, nice);
		int r = fn(arg);
		/* An errno fits the 8 bits of an exit status. */
		_exit(r < 0 ? (-r > 0 && -r < 256 ? -r : EIO) : 0);
	}
	return pid;
}

int background_wait(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(st))
		return -ECHILD;
	return -WEXITSTATUS(st);
}
