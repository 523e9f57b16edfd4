/* hopeless node: state rbd (see node.h). Made with Ceph's own rbd and ceph
 * CLIs, run as the tree's admin id (ceph_admin, ceph_conf): the pristine
 * ext4 image (state_pristine.c) imported once and snapshotted, one clone per
 * node (nothing allocated until the node writes), one cephx key per node.
 *
 * The node's key, on the OSDs, may read and write only its image's header
 * and data objects (rbd_header.<id>, rbd_data.<id>.*); it may only read
 * (and call read-only class methods on) the object that maps its image's
 * name to its id, the pool's metadata (rbd_info, which librbd reads when it
 * opens an image) and the pristine image's header and data (every clone
 * reads through to it; it is an empty file system). On the
 * monitors it has "profile rbd": the maps, and blocklisting a dead holder of
 * its exclusive lock. It cannot list the pool or open another image.
 *
 * Each clone gets the snapshot "pristine" right after it is made: a reset
 * is `rbd snap rollback` to it, and a backup is a snapshot
 * backup-<YYYYmmddTHHMMSS> of the node's own image (copy-on-write: it costs
 * what the node overwrites afterwards). The image keeps its id, so the
 * node's key and hopeless.rbd stay as they are. */
#include "node.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RBD_SNAP "pristine"
#define RBD_BACKUP "backup-"
#define RBD_ARGS_MAX 24

/* prog (rbd or ceph) as the admin id with the tree's ceph.conf, args after.
 * out (may be NULL) gets stdout; quiet hides stderr (for probes). Returns
 * the exit status or a negative errno. */
static int ceph_run(const struct tree *t, const char *prog, const char *const *args, struct strbuf *out, int quiet,
		    const int *keep, size_t nkeep)
{
	char *argv[RBD_ARGS_MAX];
	size_t n = 0;
	argv[n++] = (char *)prog;
	argv[n++] = "--conf";
	argv[n++] = (char *)t->conf.ceph_conf;
	argv[n++] = "--id";
	argv[n++] = (char *)t->conf.ceph_admin;
	for (size_t i = 0; args[i] && n + 1 < RBD_ARGS_MAX; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	struct run_opts o = {.quiet = !out, .no_stderr = quiet, .capture = out, .keep_fds = keep, .nkeep = nkeep};
	return run_prog(argv, &o);
}

/* The string value of "key" in a JSON object as rbd and ceph print them. */
static int json_str(const char *json, const char *key, char *out, size_t len)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = json ? strstr(json, pat) : NULL;
	if (!p)
		return -ENOENT;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	const char *end = *p == '"' ? strchr(p + 1, '"') : NULL;
	if (!end || (size_t)(end - p - 1) >= len)
		return -EINVAL;
	snprintf(out, len, "%.*s", (int)(end - p - 1), p + 1);
	return 0;
}

/* The id of pool/image (rbd_data.<id> is its data), or -ENOENT. */
static int image_id(const struct tree *t, const char *image, char *id, size_t len)
{
	char spec[160], prefix[96];
	snprintf(spec, sizeof(spec), "%s/%s", t->conf.ceph_rbd_pool, image);
	struct strbuf out = STRBUF_INIT;
	const char *args[] = {"info", "--format", "json", spec, NULL};
	int r = ceph_run(t, "rbd", args, &out, 1, NULL, 0);
	if (r == 0)
		r = json_str(sb_str(&out), "block_name_prefix", prefix, sizeof(prefix));
	else if (r > 0)
		r = -ENOENT;
	sb_free(&out);
	if (r == 0 && (strncmp(prefix, "rbd_data.", 9) || !prefix[9] || strlen(prefix + 9) >= len))
		r = -EINVAL;
	if (r == 0)
		snprintf(id, len, "%s", prefix + 9);
	return r;
}

static void pristine_name(const struct tree *t, off_t size, char *out, size_t len)
{
	snprintf(out, len, "hopeless-pristine-%lld-%s", (long long)size,
		 !strcmp(t->conf.image_mmp, "yes") ? "mmp" : "plain");
}

/* rbd SUB SPEC [extra...]: 0 when it exited 0, else -EIO. */
static int rbd_do(const struct tree *t, const char *sub, const char *spec, const char *a1, const char *a2)
{
	const char *args[] = {sub, spec, a1, a2, NULL};
	return ceph_run(t, "rbd", args, NULL, 0, NULL, 0) == 0 ? 0 : -EIO;
}

/* rbd rm refuses an image with snapshots: the node's own go first. */
static int rbd_rm_image(const struct tree *t, const char *spec)
{
	rbd_do(t, "snap", "purge", "--no-progress", spec);
	return rbd_do(t, "rm", "--no-progress", spec, NULL);
}

static void node_spec(const struct tree *t, const char *host, const char *snap, char *out, size_t len)
{
	snprintf(out, len, "%s/hopeless-state-%s%s%s", t->conf.ceph_rbd_pool, host, snap ? "@" : "", snap ? snap : "");
}

/* rbd snap ls of the node's image (JSON) in out; -ENOENT: no image. */
static int snap_list(const struct tree *t, const char *host, struct strbuf *out)
{
	char spec[200];
	node_spec(t, host, NULL, spec, sizeof(spec));
	const char *args[] = {"snap", "ls", "--format", "json", spec, NULL};
	int r = ceph_run(t, "rbd", args, out, 1, NULL, 0);
	return r == 0 ? 0 : r > 0 ? -ENOENT : r;
}

static int snap_has(const char *json, const char *name)
{
	char pat[160];
	snprintf(pat, sizeof(pat), "\"name\":\"%s\"", name);
	return json && strstr(json, pat) != NULL;
}

/* backup-<stamp> (.N appended when taken), not yet a snapshot in json. */
static void backup_name(const char *json, char *out, size_t len)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	snprintf(out, len, RBD_BACKUP "%s", stamp);
	for (int i = 2; snap_has(json, out) && i < 1000; i++)
		snprintf(out, len, RBD_BACKUP "%s.%d", stamp, i);
}

int state_rbd_backup_name_ok(const char *name)
{
	size_t n = strlen(name), pre = strlen(RBD_BACKUP);
	return n > pre && n < 64 && !strncmp(name, RBD_BACKUP, pre) && strspn(name + pre, "0123456789T.") == n - pre;
}

int state_rbd_backups(struct tree *t, const struct tree_node *nd, struct strbuf *names)
{
	struct strbuf out = STRBUF_INIT;
	int r = snap_list(t, nd->hostname, &out);
	char pat[] = "\"name\":\"" RBD_BACKUP;
	for (const char *p = sb_str(&out); r == 0 && (p = strstr(p, pat)); p++) {
		const char *s = p + 8, *e = strchr(s, '"');
		if (!e || e - s >= 64)
			break;
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(e - s), s);
		if (state_rbd_backup_name_ok(name))
			r = sb_printf(names, "%s%s", names->len ? " " : "", name);
	}
	sb_free(&out);
	return r;
}

/* Imported under a temporary name, snapshotted, protected, then renamed:
 * the pristine name exists only complete. */
static int import_pristine(struct tree *t, off_t size, const char *name)
{
	char tmp[160], src[40], snap[200];
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp-%d", t->conf.ceph_rbd_pool, name, (int)getpid());
	snprintf(snap, sizeof(snap), "%s@" RBD_SNAP, tmp);
	int fd = state_image_prepare(t);
	if (fd == 0)
		fd = state_pristine_open(t, size);
	if (fd < 0)
		return fd;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	const char *args[] = {"import", "--no-progress", "--image-format", "2", "--image-feature", "layering", src, tmp, NULL};
	int r = ceph_run(t, "rbd", args, NULL, 0, &fd, 1) == 0 ? 0 : -EIO;
	close(fd);
	if (r < 0)
		return r;
	char dst[160];
	snprintf(dst, sizeof(dst), "%s/%s", t->conf.ceph_rbd_pool, name);
	if ((r = rbd_do(t, "snap", "create", "--no-progress", snap)) == 0 && (r = rbd_do(t, "snap", "protect", snap, NULL)) == 0)
		r = rbd_do(t, "rename", tmp, dst, NULL);
	if (r < 0) {
		rbd_do(t, "snap", "unprotect", snap, NULL);
		rbd_do(t, "snap", "purge", tmp, NULL);
		rbd_do(t, "rm", "--no-progress", tmp, NULL);
	}
	return r;
}

int state_rbd_prepare(struct tree *t)
{
	off_t size;
	char name[128], id[64];
	if (state_image_size(t, &size) < 0)
		return -EINVAL;
	pristine_name(t, size, name, sizeof(name));
	int r = image_id(t, name, id, sizeof(id));
	if (r == -ENOENT)
		r = import_pristine(t, size, name);
	return r;
}

/* The node's OSD caps (see the top of this file). */
static void node_caps(const struct tree *t, const char *image, const char *id, const char *pid, char *out, size_t len)
{
	const char *p = t->conf.ceph_rbd_pool;
	snprintf(out, len,
		 "allow r class-read pool=%s object_prefix rbd_info, allow r class-read pool=%s object_prefix rbd_id.%s, "
		 "allow rwx pool=%s object_prefix rbd_header.%s, allow rwx pool=%s object_prefix rbd_data.%s., "
		 "allow r class-read pool=%s object_prefix rbd_header.%s, allow r pool=%s object_prefix rbd_data.%s.",
		 p, p, image, p, id, p, id, p, pid, p, pid);
}

/* The node's key (made when missing, with its caps), base64, in key. */
static int node_key(const struct tree *t, const char *host, const char *caps, char *key, size_t len, int *made)
{
	char entity[96];
	snprintf(entity, sizeof(entity), "client.hopeless-node-%s", host);
	const char *probe[] = {"auth", "print-key", entity, NULL};
	struct strbuf out = STRBUF_INIT;
	*made = ceph_run(t, "ceph", probe, &out, 1, NULL, 0) != 0;
	if (*made) {
		const char *args[] = {"auth", "get-or-create-key", entity, "mon", "profile rbd", "osd", caps, NULL};
		sb_reset(&out);
		if (ceph_run(t, "ceph", args, &out, 0, NULL, 0) != 0) {
			sb_free(&out);
			return -EIO;
		}
	} else {
		/* Its image may be a new one (another id) since the key was made. */
		const char *args[] = {"auth", "caps", entity, "mon", "profile rbd", "osd", caps, NULL};
		if (ceph_run(t, "ceph", args, NULL, 1, NULL, 0) != 0) {
			sb_free(&out);
			return -EIO;
		}
	}
	const char *s = sb_str(&out);
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");
	int r = n >= 16 && n < len && (s[n] == '\n' || !s[n]) ? 0 : -EINVAL;
	if (r == 0)
		snprintf(key, len, "%.*s", (int)n, s);
	sb_free(&out);
	return r;
}

/* client_rel/hopeless.rbd, root-only: the host layer is exported to this
 * node alone, and root is not squashed on it. */
static int write_rbd_file(struct tree *t, const struct tree_node *nd, const char *client_rel, const char *key)
{
	char rel[PATH_MAX];
	struct strbuf sb = STRBUF_INIT;
	int r = sb_printf(&sb,
			  "# written by hopeless node: where this node's state is (state rbd)\n"
			  "mons = %s\npool = %s\nimage = hopeless-state-%s\nuser = hopeless-node-%s\nsecret = %s\n",
			  t->conf.ceph_mons, t->conf.ceph_rbd_pool, nd->hostname, nd->hostname, key);
	tfs_fmt(rel, sizeof(rel), "%s/hopeless.rbd", client_rel);
	if (r == 0)
		r = tfs_write(t, rel, sb.buf, sb.len, 0600, 0, 0, WRITE_NO_SYNC);
	sb_free(&sb);
	return r < 0 ? r : 0;
}

int state_rbd_ensure(struct tree *t, const struct tree_node *nd, const char *client_rel, int *created)
{
	off_t size;
	char parent[128], image[128], spec[200], pid[64], id[64], caps[1024], key[128];
	*created = 0;
	if (state_image_size(t, &size) < 0)
		return -EINVAL;
	pristine_name(t, size, parent, sizeof(parent));
	snprintf(image, sizeof(image), "hopeless-state-%s", nd->hostname);
	int r = image_id(t, parent, pid, sizeof(pid));
	if (r == -ENOENT && (r = state_rbd_prepare(t)) == 0)
		r = image_id(t, parent, pid, sizeof(pid));
	if (r < 0)
		return r;
	if ((r = image_id(t, image, id, sizeof(id))) == -ENOENT) {
		char from[200];
		snprintf(from, sizeof(from), "%s/%s@" RBD_SNAP, t->conf.ceph_rbd_pool, parent);
		snprintf(spec, sizeof(spec), "%s/%s", t->conf.ceph_rbd_pool, image);
		const char *args[] = {"clone", "--image-feature", "layering", "--image-feature", "exclusive-lock",
				      from, spec, NULL};
		if (ceph_run(t, "rbd", args, NULL, 0, NULL, 0) != 0)
			return -EIO;
		*created |= 1;
		/* What node reset rolls back to. */
		char snap[240];
		snprintf(snap, sizeof(snap), "%s@" RBD_SNAP, spec);
		r = rbd_do(t, "snap", "create", "--no-progress", snap);
		if (r == 0)
			r = image_id(t, image, id, sizeof(id));
	}
	int made = 0;
	if (r == 0) {
		node_caps(t, image, id, pid, caps, sizeof(caps));
		r = node_key(t, nd->hostname, caps, key, sizeof(key), &made);
	}
	if (made && r == 0)
		*created |= 2;
	if (r == 0)
		r = write_rbd_file(t, nd, client_rel, key);
	if (r < 0) {
		state_rbd_undo(t, nd, *created);
		*created = 0;
	}
	return r;
}

static void del_key(const struct tree *t, const char *host)
{
	char entity[96];
	snprintf(entity, sizeof(entity), "client.hopeless-node-%s", host);
	const char *args[] = {"auth", "del", entity, NULL};
	ceph_run(t, "ceph", args, NULL, 1, NULL, 0);
}

void state_rbd_undo(struct tree *t, const struct tree_node *nd, int created)
{
	char spec[200];
	snprintf(spec, sizeof(spec), "%s/hopeless-state-%s", t->conf.ceph_rbd_pool, nd->hostname);
	if (created & 2)
		del_key(t, nd->hostname);
	if (created & 1)
		rbd_rm_image(t, spec);
}

int state_rbd_remove(struct tree *t, const struct tree_node *nd, int purge, int backup, char *bak, size_t baklen)
{
	char spec[200], stamp[32];
	if (baklen)
		bak[0] = '\0';
	del_key(t, nd->hostname);
	if (!purge)
		return 0;
	snprintf(spec, sizeof(spec), "%s/hopeless-state-%s", t->conf.ceph_rbd_pool, nd->hostname);
	if (!backup)
		return rbd_rm_image(t, spec);
	/* Its name goes (a node added again under it starts afresh); its
	 * snapshots, the backups, go with it. */
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	snprintf(bak, baklen, "%s/hopeless-backup-%s-%s", t->conf.ceph_rbd_pool, nd->hostname, stamp);
	return rbd_do(t, "rename", spec, bak, NULL);
}

int state_rbd_in_use(struct tree *t, const struct tree_node *nd)
{
	char spec[200];
	snprintf(spec, sizeof(spec), "%s/hopeless-state-%s", t->conf.ceph_rbd_pool, nd->hostname);
	struct strbuf out = STRBUF_INIT;
	const char *args[] = {"lock", "ls", "--format", "json", spec, NULL};
	int r = ceph_run(t, "rbd", args, &out, 1, NULL, 0);
	if (r == 0)
		r = strstr(sb_str(&out), "\"locker\"") != NULL;
	else
		r = r > 0 ? -ENOENT : r;
	sb_free(&out);
	return r;
}

/* An image made before clones got their "pristine" snapshot: the old image
 * goes aside (or away), then a fresh clone takes its name; the key's caps
 * follow the new id; hopeless.rbd is written again. */
static int reset_legacy(struct tree *t, const struct tree_node *nd, int backup, char *bak, size_t baklen)
{
	char spec[200], stamp[32], client[PATH_MAX];
	int created = 0, r;
	node_spec(t, nd->hostname, NULL, spec, sizeof(spec));
	tfs_fmt(client, sizeof(client), "clients/%s", nd->ip);
	if (backup) {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
		snprintf(bak, baklen, "%s/hopeless-backup-%s-%s", t->conf.ceph_rbd_pool, nd->hostname, stamp);
		r = rbd_do(t, "rename", spec, bak, NULL);
	} else {
		r = rbd_rm_image(t, spec);
	}
	if (r == 0 && (r = state_rbd_ensure(t, nd, client, &created)) < 0 && bak[0])
		rbd_do(t, "rename", bak, spec, NULL);
	if (r < 0)
		bak[0] = '\0';
	return r;
}

int state_rbd_reset(struct tree *t, const struct tree_node *nd, int backup, const char *from, char *bak, size_t baklen)
{
	char spec[200], snap[240], name[64];
	struct strbuf json = STRBUF_INIT;
	bak[0] = '\0';
	int r = snap_list(t, nd->hostname, &json);
	if (r == 0 && from && !snap_has(sb_str(&json), from))
		r = -ESRCH;
	if (r == 0 && !from && !snap_has(sb_str(&json), RBD_SNAP)) {
		sb_free(&json);
		return reset_legacy(t, nd, backup, bak, baklen);
	}
	if (r == 0 && backup) {
		backup_name(sb_str(&json), name, sizeof(name));
		node_spec(t, nd->hostname, name, snap, sizeof(snap));
		if ((r = rbd_do(t, "snap", "create", "--no-progress", snap)) == 0)
			snprintf(bak, baklen, "%s", snap);
	}
	sb_free(&json);
	if (r < 0)
		return r;
	node_spec(t, nd->hostname, from ? from : RBD_SNAP, spec, sizeof(spec));
	/* A rollback that fails half-way leaves the image half rolled back:
	 * the backup (in bak) holds what was there. */
	return rbd_do(t, "snap", "rollback", "--no-progress", spec);
}

int state_rbd_export(struct tree *t, const struct tree_node *nd, const char *dst_name, int *live)
{
	char spec[200], snap[240], tmp[64], dst[PATH_MAX];
	*live = 0;
	int u = state_rbd_in_use(t, nd);
	if (u < 0)
		return u;
	int dfd = tfs_open(t, ".work", O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0)
		return dfd;
	tfs_remove_at(dfd, dst_name);
	snprintf(dst, sizeof(dst), "/proc/self/fd/%d/%s", dfd, dst_name);
	node_spec(t, nd->hostname, NULL, spec, sizeof(spec));
	/* Down: a snapshot of its own, one instant, whatever boots meanwhile.
	 * Up: the kernel holding the lock does not hand it over, and a snapshot
	 * needs it (rbd snap create fails with EROFS, t-boot-rbd.sh): the image
	 * as it is, while it is written. */
	snprintf(tmp, sizeof(tmp), "hopeless-read-%d", (int)getpid());
	snprintf(snap, sizeof(snap), "%s@%s", spec, tmp);
	int snapped = u == 0 && rbd_do(t, "snap", "create", "--no-progress", snap) == 0;
	*live = !snapped;
	const char *args[] = {"export", "--no-progress", snapped ? snap : spec, dst, NULL};
	int r = ceph_run(t, "rbd", args, NULL, 0, &dfd, 1) == 0 ? 0 : -EIO;
	if (snapped)
		rbd_do(t, "snap", "rm", "--no-progress", snap);
	if (r < 0)
		tfs_remove_at(dfd, dst_name);
	close(dfd);
	return r;
}
