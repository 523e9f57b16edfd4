/* Shared machinery: JSON string escaping, atomic writes with a group. */
#include "harness.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(util_json_print_str)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(f != NULL);
	if (!f)
		return;
	json_print_str(f, "a\"b\\c\n\x01z");
	fclose(f);
	CHECK_STR(buf, "\"a\\\"b\\\\c\\u000a\\u0001z\"");
	free(buf);
}

TEST(util_write_atomic_at)
{
	char dir[] = "/tmp/hopeless-util-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char p[64];
	snprintf(p, sizeof(p), "%s/f", dir);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), written = -1;
	CHECK(dfd >= 0);
	CHECK_INT(write_atomic_at(dfd, "f", "x\n", 2, 0640, (uid_t)-1, 42, WRITE_NO_SYNC, &written), 0);
	CHECK_INT(written, 1);
	/* An identical file is left alone; a different mode is a change. */
	CHECK_INT(write_atomic_at(dfd, "f", "x\n", 2, 0640, (uid_t)-1, 42, WRITE_IF_CHANGED, &written), 0);
	CHECK_INT(written, 0);
	CHECK_INT(write_atomic_at(dfd, "a/b", "x\n", 2, 0640, (uid_t)-1, (gid_t)-1, 0, NULL), -EINVAL);
	close(dfd);
	struct stat st;
	CHECK_INT(stat(p, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0640);
	if (geteuid() == 0)
		CHECK_INT(st.st_gid, 42);
	CHECK_INT(write_file_atomic(p, "y\n", 2, 0600), 0);
	CHECK_INT(stat(p, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	unlink(p);
	rmdir(dir);
}

/* pid_running_as: only a live process with that program name. */
TEST(util_pid_running_as)
{
	char line[32], comm[32];
	snprintf(line, sizeof(line), "%ld", (long)getpid());
	CHECK(read_line_file("/proc/self/comm", comm, sizeof(comm)) == 0);
	CHECK_INT(pid_running_as(line, comm), getpid());
	CHECK_INT(pid_running_as(line, "dnsmasq"), 0);      /* another program: a recycled pid */
	CHECK_INT(pid_running_as("1", "systemd"), 0);       /* never pid 1 */
	CHECK_INT(pid_running_as("", comm), 0);
	CHECK_INT(pid_running_as("12ab", comm), 0);
	CHECK_INT(pid_running_as("99999999999", comm), 0);  /* past any pid */
}
