/* Small text files the init reads whole: pointer files, sysfs attributes,
 * its rbd settings, /proc/cmdline. One read: they are a page or less. */
#ifndef HOPELESS_INIT_SMALLFILE_H
#define HOPELESS_INIT_SMALLFILE_H
#include <stddef.h>

/* The file's text (len - 1 bytes at most), NUL-terminated; 0 or -errno. */
int small_file_read(const char *file, char *buf, size_t len);
/* Its first line, without the line end; 0 or -errno. */
int small_file_line(const char *file, char *buf, size_t len);
#endif
