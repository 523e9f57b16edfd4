/* storm-replay: replays the boot workload recorded by bench/boot-storm.sh
 * from many concurrent user-space clients, as if that many nodes booted at
 * once against one head node (benchmark tool, not part of `make all`).
 *
 *   storm-replay -s SERVER -w WORKLOAD -c CLIENTS [-d SECONDS] [-p HTTP_PORT]
 *
 * Each client is a process. It runs simulated boots one after the other
 * until SECONDS have passed since the start (at least one each): a boot
 * fetches every "http" line of the workload from nginx (HTTP/1.1, one
 * connection per file, the body's size checked), then, with a fresh libnfs
 * context (NFSv4, its own client name) per export, replays every "nfs"
 * line: a regular file is opened and its first READ bytes read (as many as
 * the recorded boot read of it; checked), a directory listed, a symlink
 * read. Workload lines, tab-separated:
 *   http SIZE URL-PATH
 *   nfs EXPORT TYPE(f|d|l) SIZE READ PATH-IN-EXPORT
 * Other lines are ignored. Prints one summary line on stdout:
 *   clients=C boots=N errors=E wall=S http_bytes=B nfs_bytes=B min=S p50=S p95=S max=S
 * and the first error of each failing client on stderr. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-nfs4.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_EXPORTS 8
#define BUF_SIZE (1 << 20)

struct item {
	int http;          /* 1: HTTP file, 0: NFS path */
	int export;        /* index into exports (NFS) */
	char type;         /* f, d or l (NFS) */
	uint64_t size;     /* HTTP: body size; NFS: bytes to read (file), length (symlink) */
	char *path;
};

struct workload {
	struct item *items;
	size_t n;
	char *exports[MAX_EXPORTS];
	int nexports;
};

struct opts {
	const char *server;
	const char *workload;
	int clients;
	double seconds;
	int http_port;
};

/* What a child reports for each boot, in one write on the shared pipe. */
struct boot_rec {
	double secs;
	uint64_t http_bytes, nfs_bytes;
	int ok;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int export_index(struct workload *w, const char *name)
{
	for (int i = 0; i < w->nexports; i++)
		if (strcmp(w->exports[i], name) == 0)
			return i;
	if (w->nexports == MAX_EXPORTS)
		return -1;
	w->exports[w->nexports] = strdup(name);
	return w->exports[w->nexports] ? w->nexports++ : -1;
}

/* Splits line at tabs into at most max fields; returns the count. */
static int split_tabs(char *line, char **f, int max)
{
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(line, "\t", &save); t && n < max; t = strtok_r(NULL, "\t", &save))
		f[n++] = t;
	return n;
}

static int parse_line(struct workload *w, char *line, struct item *it)
{
	char *f[6];
	char *end;
	int n = split_tabs(line, f, 6);
	memset(it, 0, sizeof(*it));
	if (n == 3 && strcmp(f[0], "http") == 0) {
		it->http = 1;
		it->size = strtoull(f[1], &end, 10);
		it->path = strdup(f[2]);
	} else if (n == 6 && strcmp(f[0], "nfs") == 0 && strlen(f[2]) == 1 && strchr("fdl", f[2][0])) {
		it->export = export_index(w, f[1]);
		if (it->export < 0)
			return -E2BIG;
		it->type = f[2][0];
		it->size = strtoull(f[4], &end, 10);
		it->path = malloc(strlen(f[5]) + 2);
		if (it->path)
			sprintf(it->path, "/%s", f[5]);
	} else if (n >= 1 && (strcmp(f[0], "http") == 0 || strcmp(f[0], "nfs") == 0)) {
		return -EINVAL;
	} else {
		return 0;
	}
	if (*end)
		return -EINVAL;
	return it->path ? 1 : -ENOMEM;
}

static void free_workload(struct workload *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->items[i].path);
	free(w->items);
	for (int e = 0; e < w->nexports; e++)
		free(w->exports[e]);
}

static int load_workload(const char *path, struct workload *w)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	ssize_t len;
	int lineno = 0, r = 0;
	if (!f)
		return -errno;
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct item it;
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = 0;
		r = parse_line(w, line, &it);
		if (r < 0) {
			fprintf(stderr, "storm-replay: %s:%d: bad workload line (want http SIZE PATH or nfs EXPORT f|d|l SIZE READ PATH)\n",
				path, lineno);
			r = -EBADMSG;
			break;
		}
		if (r == 0)
			continue;
		if (w->n == alloc) {
			alloc = alloc ? 2 * alloc : 256;
			struct item *n = realloc(w->items, alloc * sizeof(*n));
			if (!n) {
				r = -ENOMEM;
				break;
			}
			w->items = n;
		}
		w->items[w->n++] = it;
		r = 0;
	}
	free(line);
	fclose(f);
	return r < 0 ? r : 0;
}

/* GET path from server:port with a fresh connection; *got = body bytes. */
static int http_get(const char *server, int port, const char *path, char *buf, uint64_t *got)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd, n, r = 0;
	size_t hlen = 0, have = 0;
	uint64_t total = 0;
	if (inet_pton(AF_INET, server, &sa.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	n = snprintf(buf, BUF_SIZE, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, server);
	if (write(fd, buf, n) != n) {
		r = -EIO;
		goto out;
	}
	/* The header is small: gather it at the start of buf, then count. */
	while ((n = read(fd, buf + have, BUF_SIZE - 1 - have)) > 0) {
		if (!hlen) {
			have += n;
			buf[have] = 0;
			char *e = strstr(buf, "\r\n\r\n");
			if (!e) {
				r = have < BUF_SIZE - 1 ? 0 : -EPROTO;
				if (r)
					goto out;
				continue;
			}
			if (strncmp(buf, "HTTP/1.1 200 ", 13) != 0) {
				r = -ENOENT;
				goto out;
			}
			hlen = e + 4 - buf;
			total = have - hlen;
			have = 0;
		} else {
			total += n;
		}
	}
	r = n < 0 ? -errno : (hlen ? 0 : -EPROTO);
out:
	close(fd);
	*got = total;
	return r;
}

/* Reads the first want bytes of path. */
static int nfs_read_file(struct nfs_context *c, const char *path, uint64_t want, char *buf, uint64_t *got)
{
	struct nfsfh *fh;
	uint64_t off = 0;
	int n = 0;
	if (nfs_open(c, path, O_RDONLY, &fh) < 0)
		return -EIO;
	while (off < want && (n = nfs_pread(c, fh, off, want - off < BUF_SIZE ? want - off : BUF_SIZE, buf)) > 0)
		off += n;
	nfs_close(c, fh);
	*got = off;
	return n < 0 ? -EIO : 0;
}

static int nfs_list_dir(struct nfs_context *c, const char *path)
{
	struct nfsdir *d;
	if (nfs_opendir(c, path, &d) < 0)
		return -EIO;
	while (nfs_readdir(c, d))
		;
	nfs_closedir(c, d);
	return 0;
}

static struct nfs_context *nfs_connect(const struct opts *o, const char *export, int e, int client, int boot)
{
	char name[64];
	struct nfs_context *c = nfs_init_context();
	if (!c)
		return NULL;
	/* Each context is its own NFSv4 client: two contexts with one name
	 * look like a client that rebooted, and the first one's state expires. */
	snprintf(name, sizeof(name), "storm-%d-%d-%d-%d", (int)getpid(), client, boot, e);
	nfs4_set_client_name(c, name);
	if (nfs_set_version(c, NFS_V4) < 0 || nfs_mount(c, o->server, export) < 0) {
		fprintf(stderr, "storm-replay: client %d: mount %s:%s: %s\n", client, o->server, export,
			nfs_get_error(c));
		nfs_destroy_context(c);
		return NULL;
	}
	return c;
}

/* One item of a boot against its export's context; adds what it read. */
static int replay_item(struct nfs_context *c, const struct item *it, char *buf, uint64_t *nfs_bytes)
{
	uint64_t got = 0;
	char link[4096];
	int r;
	switch (it->type) {
	case 'f':
		r = nfs_read_file(c, it->path, it->size, buf, &got);
		*nfs_bytes += got;
		return r < 0 ? r : (got == it->size ? 0 : -EIO);
	case 'd':
		return nfs_list_dir(c, it->path);
	default:
		/* (libnfs 4.0's NFSv4 READLINK reply handler reads the name past
		 * its buffer, ASan shows: the name is not used, the recorded
		 * length counted.) */
		r = nfs_readlink(c, it->path, link, sizeof(link));
		*nfs_bytes += r == 0 ? it->size : 0;
		return r < 0 ? -EIO : 0;
	}
}

static int replay_boot(const struct opts *o, const struct workload *w, int client, int boot, char *buf,
		       struct boot_rec *rec)
{
	struct nfs_context *ctx[MAX_EXPORTS] = {0};
	int r = 0;
	for (size_t i = 0; i < w->n && r == 0; i++) {
		const struct item *it = &w->items[i];
		uint64_t got = 0;
		if (it->http) {
			r = http_get(o->server, o->http_port, it->path, buf, &got);
			rec->http_bytes += got;
			if (r == 0 && got != it->size)
				r = -EIO;
			if (r)
				fprintf(stderr, "storm-replay: client %d: http %s: %s (%" PRIu64 " of %" PRIu64 " bytes)\n",
					client, it->path, strerror(-r), got, it->size);
			continue;
		}
		if (!ctx[it->export] && !(ctx[it->export] = nfs_connect(o, w->exports[it->export], it->export, client, boot))) {
			r = -EIO;
			break;
		}
		r = replay_item(ctx[it->export], it, buf, &rec->nfs_bytes);
		if (r)
			fprintf(stderr, "storm-replay: client %d: nfs %s%s (%c): %s\n", client,
				w->exports[it->export], it->path, it->type, nfs_get_error(ctx[it->export]));
	}
	for (int e = 0; e < w->nexports; e++)
		if (ctx[e]) {
			nfs_umount(ctx[e]);
			nfs_destroy_context(ctx[e]);
		}
	return r;
}

/* A client: boots until the deadline; one record per boot on fd. */
static int run_client(const struct opts *o, const struct workload *w, int client, double deadline, int fd)
{
	char *buf = malloc(BUF_SIZE);
	int failed = 0;
	if (!buf)
		return 1;
	for (int boot = 0; boot == 0 || now() < deadline; boot++) {
		struct boot_rec rec = {0};
		double t0 = now();
		rec.ok = replay_boot(o, w, client, boot, buf, &rec) == 0;
		rec.secs = now() - t0;
		if (write(fd, &rec, sizeof(rec)) != (ssize_t)sizeof(rec))
			break;
		if (!rec.ok && ++failed >= 3)
			break;
	}
	free(buf);
	return failed ? 1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double quantile(const double *v, size_t n, double q)
{
	size_t i = (size_t)(q * (n - 1) + 0.5);
	return n ? v[i < n ? i : n - 1] : 0;
}

/* Reads every client's records until all have closed the pipe, reaps them
 * and prints the summary line. */
static int collect(const struct opts *o, int fd, double t0)
{
	struct boot_rec rec;
	double *secs = NULL;
	size_t n = 0, alloc = 0;
	uint64_t http = 0, nfs = 0;
	int errors = 0;
	while (read(fd, &rec, sizeof(rec)) == (ssize_t)sizeof(rec)) {
		http += rec.http_bytes;
		nfs += rec.nfs_bytes;
		if (!rec.ok) {
			errors++;
			continue;
		}
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 1024;
			double *p = realloc(secs, alloc * sizeof(*p));
			if (!p)
				return -ENOMEM;
			secs = p;
		}
		secs[n++] = rec.secs;
	}
	double wall = now() - t0;
	while (wait(NULL) > 0)
		;
	if (n)
		qsort(secs, n, sizeof(*secs), cmp_double);
	printf("clients=%d boots=%zu errors=%d wall=%.3f http_bytes=%" PRIu64 " nfs_bytes=%" PRIu64
	       " min=%.3f p50=%.3f p95=%.3f max=%.3f\n",
	       o->clients, n, errors, wall, http, nfs, n ? secs[0] : 0, quantile(secs, n, 0.5), quantile(secs, n, 0.95),
	       n ? secs[n - 1] : 0);
	free(secs);
	return errors ? 1 : 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int c;
	char *end;
	while ((c = getopt(argc, argv, "s:w:c:d:p:")) != -1) {
		switch (c) {
		case 's': o->server = optarg; break;
		case 'w': o->workload = optarg; break;
		case 'c': o->clients = (int)strtol(optarg, &end, 10); if (*end || o->clients < 1 || o->clients > 4096) return -1; break;
		case 'd': o->seconds = strtod(optarg, &end); if (*end || o->seconds < 0) return -1; break;
		case 'p': o->http_port = (int)strtol(optarg, &end, 10); if (*end || o->http_port < 1 || o->http_port > 65535) return -1; break;
		default: return -1;
		}
	}
	return o->server && o->workload && optind == argc ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct opts o = {.clients = 1, .seconds = 0, .http_port = 80};
	struct workload w = {0};
	int p[2], r;
	if (parse_args(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: storm-replay -s SERVER -w WORKLOAD [-c CLIENTS 1-4096] [-d SECONDS] [-p HTTP_PORT]\n");
		return 2;
	}
	if ((r = load_workload(o.workload, &w)) < 0 || w.n == 0) {
		if (r != -EBADMSG) /* (a bad line was named already) */
			fprintf(stderr, "storm-replay: %s: %s\n", o.workload, r < 0 ? strerror(-r) : "no http or nfs lines");
		free_workload(&w);
		return 2;
	}
	if (pipe(p) < 0) {
		perror("storm-replay: pipe");
		free_workload(&w);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	double t0 = now();
	for (int i = 0; i < o.clients; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("storm-replay: fork");
			break;
		}
		if (pid == 0) {
			close(p[0]);
			_exit(run_client(&o, &w, i, t0 + o.seconds, p[1]));
		}
	}
	close(p[1]);
	r = collect(&o, p[0], t0);
	free_workload(&w);
	return r < 0 ? 1 : r;
}
