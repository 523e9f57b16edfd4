#ifndef HOPELESS_MKDIR_H
#define HOPELESS_MKDIR_H
#include <sys/types.h>
/* Create path and its missing parents; 0 or a negative errno. */
int mkdir_p(const char *path, mode_t mode);
#endif
