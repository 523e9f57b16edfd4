/* See smallfile.h. */
#include "smallfile.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int small_file_read(const char *file, char *buf, size_t len)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	return 0;
}

int small_file_line(const char *file, char *buf, size_t len)
{
	int r = small_file_read(file, buf, len);
	if (r == 0)
		buf[strcspn(buf, "\r\n")] = '\0';
	return r;
}
