/* Shared machinery: JSON string escaping, atomic writes with a group. */
#include "harness.h"
#include "util.h"
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

TEST(util_write_file_atomic_as)
{
	char dir[] = "/tmp/hopeless-util-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char p[64];
	snprintf(p, sizeof(p), "%s/f", dir);
	CHECK_INT(write_file_atomic_as(p, "x\n", 2, 0640, 42, WRITE_NO_SYNC), 0);
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
