/* Lint rules over a hopeless tree (see check.h). Every rule is linear or
 * n log n in the number of nodes: a tree of 10,000 nodes is checked by
 * sorting, never by comparing every node with every other. */
#include "bmc.h"
#include "check.h"
#include "heads.h"
#include "version.h"
#include "initramfs.h"
#include "validate.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* Debian's shadow group, when a layer has no etc/group to ask. */
#define SHADOW_GID_FALLBACK 42
#define WALK_MAX_DEPTH 64

int check_add(struct check_report *rep, const char *where, const char *fmt, ...)
{
	va_list ap;
	int r = sb_printf(&rep->lines, "%s: ", where);
	va_start(ap, fmt);
	r |= sb_vprintf(&rep->lines, fmt, ap);
	va_end(ap);
	r |= sb_add(&rep->lines, "\n");
	rep->count++;
	return r < 0 ? -ENOMEM : 0;
}

void check_report_free(struct check_report *rep)
{
	sb_free(&rep->lines);
	rep->count = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int in_sorted(char **names, size_t n, const char *key)
{
	return n && bsearch(&key, names, n, sizeof(*names), cmp_str) != NULL;
}

/* ---- dangling layer names ------------------------------------------------ */

static int check_pointer(const struct tree *t, const struct tree_node *x, const char *file, const char *value,
			 int pin, const char *want, struct check_report *rep)
{
	char where[64];
	snprintf(where, sizeof(where), "clients/%s/%s", x->ip, file);
	if (!value[0])
		return check_add(rep, where, "missing or empty; it must name a %s (see: hopeless %s list)", want, want);
	const char *kind = tree_layer_kind(t, value);
	if (!kind)
		return check_add(rep, where, "'%s' is not a registered %s (see: hopeless %s list)", value, want, want);
	if (strcmp(kind, want))
		return check_add(rep, where, "'%s' is %s %s, not %s %s (root and overlay swapped?)", value,
				 kind[0] == 'o' ? "an" : "a", kind, want[0] == 'o' ? "an" : "a", want);
	if (pin && !version_exists(t, value, pin))
		return check_add(rep, where, "pinned to %s@%d, which does not exist (removed?); the node cannot boot: "
				 "hopeless node set %s --%s %s", value, pin, x->hostname, want, value);
	return 0;
}

int check_layers(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep)
{
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		r = check_pointer(t, &nodes[i], "hopeless.root", nodes[i].root, nodes[i].root_pin, "root", rep);
		if (r == 0)
			r = check_pointer(t, &nodes[i], "hopeless.overlay", nodes[i].overlay, nodes[i].overlay_pin,
					  "overlay", rep);
	}
	char **meta, **roots;
	size_t nm, nr;
	if (r < 0 || (r = tree_list_names(t, "meta", &meta, &nm)) < 0)
		return r;
	if ((r = tree_list_names(t, "roots", &roots, &nr)) < 0) {
		tree_names_free(meta, nm);
		return r;
	}
	for (size_t i = 0; i < nm && r == 0; i++) {
		char where[PATH_MAX], dir[PATH_MAX];
		snprintf(where, sizeof(where), "meta/%s", meta[i]);
		if (!tree_layer_kind(t, meta[i]))
			r = check_add(rep, where, "neither 'root' nor 'overlay'");
		else if (tree_path(t, dir, sizeof(dir), "roots/%s", meta[i]) == 0 && !is_dir(dir))
			r = check_add(rep, where, "registered, but roots/%s is missing", meta[i]);
	}
	for (size_t i = 0; i < nr && r == 0; i++) {
		char where[PATH_MAX];
		snprintf(where, sizeof(where), "roots/%s", roots[i]);
		if (!in_sorted(meta, nm, roots[i]))
			r = check_add(rep, where, "not registered (no meta/%s): add it with hopeless root add or overlay add",
				      roots[i]);
	}
	tree_names_free(meta, nm);
	tree_names_free(roots, nr);
	return r;
}

/* ---- duplicate addresses ------------------------------------------------- */

struct keyed {
	uint8_t key[6];
	const struct tree_node *node;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = memcmp(x->key, y->key, sizeof(x->key));
	if (c)
		return c;
	/* Equal keys in a stable order: the earlier host name is "first". */
	return strcmp(x->node->hostname, y->node->hostname);
}

static int report_dups(struct keyed *v, size_t n, const char *what, struct check_report *rep)
{
	qsort(v, n, sizeof(*v), cmp_keyed);
	int r = 0;
	for (size_t i = 1; i < n && r == 0; i++) {
		if (memcmp(v[i].key, v[i - 1].key, sizeof(v[i].key)))
			continue;
		char where[96];
		snprintf(where, sizeof(where), "nodes/%s.conf", v[i].node->hostname);
		r = check_add(rep, where, "%s %s also used by node %s", what,
			      what[0] == 'M' ? v[i].node->mac : v[i].node->ip, v[i - 1].node->hostname);
	}
	return r;
}

int check_duplicates(const struct tree_node *nodes, size_t n, struct check_report *rep)
{
	struct keyed *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint32_t ip = 0;
		validate_ipv4(nodes[i].ip, &ip, NULL);
		memcpy(v[i].key, &ip, sizeof(ip));
		v[i].node = &nodes[i];
	}
	int r = report_dups(v, n, "address", rep);
	for (size_t i = 0; i < n; i++) {
		memset(v[i].key, 0, sizeof(v[i].key));
		validate_mac(nodes[i].mac, v[i].key, NULL); /* any spelling, one key */
		v[i].node = &nodes[i];
	}
	if (r == 0)
		r = report_dups(v, n, "MAC", rep);
	free(v);
	return r;
}

/* ---- addresses a node cannot have ---------------------------------------- */

int check_node_addresses(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep)
{
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		char where[96];
		const char *why;
		snprintf(where, sizeof(where), "nodes/%s.conf", nodes[i].hostname);
		if (validate_node_ip(nodes[i].ip, t->conf.server, t->conf.netmask, &why) < 0)
			r = check_add(rep, where, "ip: %s", why);
		if (r == 0 && validate_node_mac(nodes[i].mac, &why) < 0)
			r = check_add(rep, where, "mac: %s", why);
	}
	return r;
}

/* ---- kernels and initramfs ----------------------------------------------- */

static int cmp_node_root(const void *a, const void *b)
{
	return strcmp((*(const struct tree_node *const *)a)->root, (*(const struct tree_node *const *)b)->root);
}

/* 1 when the two files differ in size or bytes (or one cannot be read). */
static int files_differ(const char *a, const char *b)
{
	struct stat sa, sb2;
	if (stat(a, &sa) < 0 || stat(b, &sb2) < 0 || sa.st_size != sb2.st_size)
		return 1;
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	int differ = read_file_regular(a, &x) < 0 || read_file_regular(b, &y) < 0 || x.len != y.len ||
		     memcmp(sb_str(&x), sb_str(&y), x.len) != 0;
	sb_free(&x);
	sb_free(&y);
	return differ;
}

static int check_one_root(const struct tree *t, const char *root, size_t users, struct check_report *rep)
{
	char dir[PATH_MAX], where[PATH_MAX], kver[80], err[256];
	char initrd[PATH_MAX], kernel[PATH_MAX], src[PATH_MAX + 100], rel[PATH_MAX];
	if (version_layer_dir(t, root, 0, rel, sizeof(rel)) < 0 || tree_path(t, dir, sizeof(dir), "%s", rel) < 0)
		return 0;
	snprintf(where, sizeof(where), "roots/%s", root);
	int k = initramfs_find_kver(dir, kver, sizeof(kver), err, sizeof(err));
	if (k == -ENOENT)
		return check_add(rep, where, "no kernel (boot/vmlinuz-<version> with lib/modules/<version>) for %zu node(s): "
				 "install a kernel package in the root", users);
	tree_path(t, initrd, sizeof(initrd), "tftp/boot/%s/initrd.img", root);
	tree_path(t, kernel, sizeof(kernel), "tftp/boot/%s/vmlinuz", root);
	snprintf(where, sizeof(where), "tftp/boot/%s", root);
	if (!path_exists(initrd) || !path_exists(kernel))
		return check_add(rep, where, "no initramfs built (initrd.img and vmlinuz) for %zu node(s): "
				 "run hopeless initramfs build --root %s", users, root);
	if (k < 0)
		return 0; /* several kernels: which one was built is the administrator's --kver */
	snprintf(src, sizeof(src), "%s/boot/vmlinuz-%s", dir, kver);
	struct stat si, sk;
	if (stat(initrd, &si) < 0 || stat(src, &sk) < 0)
		return 0;
	/* A package manager keeps the package's mtimes, so a new kernel can look
	 * older than the last build: compare the copied kernel's bytes too. */
	if (si.st_mtime < sk.st_mtime || files_differ(src, kernel))
		return check_add(rep, where, "initramfs older than the root's kernel %s: "
				 "rebuild it with hopeless initramfs build --root %s", kver, root);
	return 0;
}

int check_kernels(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep)
{
	const struct tree_node **v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = &nodes[i];
	qsort(v, n, sizeof(*v), cmp_node_root);
	int r = 0;
	for (size_t i = 0; i < n && r == 0;) {
		size_t j = i;
		while (j < n && !strcmp(v[j]->root, v[i]->root))
			j++;
		const char *kind = v[i]->root[0] ? tree_layer_kind(t, v[i]->root) : NULL;
		if (kind && !strcmp(kind, "root")) /* dangling names: check_layers */
			r = check_one_root(t, v[i]->root, j - i, rep);
		i = j;
	}
	free(v);
	return r;
}

/* ---- state images --------------------------------------------------------- */

struct image_id {
	dev_t dev;
	ino_t ino;
	const struct tree_node *node;
};

static int cmp_image(const void *a, const void *b)
{
	const struct image_id *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return strcmp(x->node->ip, y->node->ip);
}

int check_state_images(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep)
{
	struct image_id *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	size_t m = 0;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (strcmp(nodes[i].state, "image"))
			continue;
		char img[PATH_MAX], where[64];
		struct stat st;
		snprintf(where, sizeof(where), "state/%s/rw.img", nodes[i].ip);
		if (tree_path(t, img, sizeof(img), "%s", where) < 0)
			continue;
		if (lstat(img, &st) < 0) {
			r = check_add(rep, where, "missing, and node %s has state=image: recreate it (hopeless node reset %s)",
				      nodes[i].hostname, nodes[i].hostname);
			continue;
		}
		if (S_ISLNK(st.st_mode))
			r = check_add(rep, where, "a symbolic link: each node needs an image of its own");
		else if (!S_ISREG(st.st_mode))
			r = check_add(rep, where, "not a regular file");
		else if (st.st_nlink > 1)
			r = check_add(rep, where, "has %lu hard links: another name writes the same image",
				      (unsigned long)st.st_nlink);
		if (stat(img, &st) == 0 && S_ISREG(st.st_mode))
			v[m++] = (struct image_id){st.st_dev, st.st_ino, &nodes[i]};
	}
	qsort(v, m, sizeof(*v), cmp_image);
	for (size_t i = 1; i < m && r == 0; i++) {
		if (v[i].dev != v[i - 1].dev || v[i].ino != v[i - 1].ino)
			continue;
		char where[64];
		snprintf(where, sizeof(where), "state/%s/rw.img", v[i].node->ip);
		r = check_add(rep, where, "the same image as state/%s/rw.img: two nodes writing one ext4 image corrupt it",
			      v[i - 1].node->ip);
	}
	free(v);
	return r;
}

/* ---- orphans -------------------------------------------------------------- */

int check_orphans(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep)
{
	char **ips = calloc(n ? n : 1, sizeof(*ips));
	if (!ips)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		ips[i] = (char *)nodes[i].ip;
	qsort(ips, n, sizeof(*ips), cmp_str);
	static const char *const subs[] = {"state", "clients"};
	int r = 0;
	for (size_t s = 0; s < 2 && r == 0; s++) {
		char **names;
		size_t cnt;
		if ((r = tree_list_names(t, subs[s], &names, &cnt)) < 0)
			break;
		for (size_t i = 0; i < cnt && r == 0; i++) {
			if (in_sorted(ips, n, names[i]))
				continue;
			char where[PATH_MAX];
			snprintf(where, sizeof(where), "%s/%s", subs[s], names[i]);
			r = check_add(rep, where, "orphan: no node has this address (remove it, or register the node again)");
		}
		tree_names_free(names, cnt);
	}
	free(ips);
	return r;
}

/* ---- files that shadow nothing -------------------------------------------- */

int check_edit_distance(const char *a, const char *b, int cap)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 255 || lb > 255 || (la > lb ? la - lb : lb - la) > (size_t)cap)
		return cap + 1;
	int rows[3][257], *pp = rows[0], *p = rows[1], *c = rows[2];
	for (size_t j = 0; j <= lb; j++)
		p[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		c[0] = (int)i;
		int best = c[0];
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (p[j - 1] + cost < v)
				v = p[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
		int *tmp = pp;
		pp = p;
		p = c;
		c = tmp;
	}
	return p[lb] > cap ? cap + 1 : p[lb];
}

struct shadow_walk {
	const char *layer_where;  /* "clients/10.0.0.11" or "roots/compute" */
	const char *lowers[8];    /* absolute paths of the layers below */
	size_t nlowers;
	int host;                 /* a host layer (its own files differ) */
	struct check_report *rep;
};

/* Files hopeless itself puts into layers, which shadow nothing on purpose. */
static int hopeless_own(const struct shadow_walk *w, const char *rel)
{
	if (w->host)
		return !strcmp(rel, "hopeless.root") || !strcmp(rel, "hopeless.overlay") || !strcmp(rel, "etc/hostname") ||
		       !strncmp(rel, "etc/ssh/ssh_host_", 17) || !strcmp(rel, "etc/machine-id");
	return !strcmp(rel, "etc/hosts");
}

/* A name one or two edits from name in lower/dir, or "" (out: "dir/name"). */
static int near_name(const char *lower, const char *dir, const char *name, char *out, size_t outlen)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", lower, dir);
	DIR *d = opendir(p);
	if (!d)
		return 0;
	int cap = strlen(name) < 6 ? 1 : 2, found = 0;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (check_edit_distance(name, de->d_name, cap) <= cap) {
			snprintf(out, outlen, "%s%s%s", dir, *dir ? "/" : "", de->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

/* Look at layer/rel (dir "" is the layer's top); recurse into directories. */
static int shadow_entry(const struct shadow_walk *w, const char *layer, const char *dir, const char *name,
			int depth);

static int shadow_dir(const struct shadow_walk *w, const char *layer, const char *dir, int depth)
{
	if (depth > WALK_MAX_DEPTH)
		return 0;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s%s%s", layer, *dir ? "/" : "", dir);
	DIR *d = opendir(p);
	if (!d)
		return 0;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		r = shadow_entry(w, layer, dir, de->d_name, depth);
	}
	closedir(d);
	return r;
}

static int shadow_entry(const struct shadow_walk *w, const char *layer, const char *dir, const char *name, int depth)
{
	char rel[PATH_MAX], p[PATH_MAX];
	struct stat st;
	if (snprintf(rel, sizeof(rel), "%s%s%s", dir, *dir ? "/" : "", name) >= (int)sizeof(rel))
		return 0;
	snprintf(p, sizeof(p), "%s/%s", layer, rel);
	if (lstat(p, &st) < 0)
		return 0;
	/* A whiteout (0/0 character device) deletes something below on purpose. */
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
		return 0;
	if (hopeless_own(w, rel))
		return 0;
	int below = 0, parent_below = 0;
	for (size_t i = 0; i < w->nlowers && !below; i++) {
		snprintf(p, sizeof(p), "%s/%s", w->lowers[i], rel);
		struct stat lst;
		below = lstat(p, &lst) == 0;
		snprintf(p, sizeof(p), "%s%s%s", w->lowers[i], *dir ? "/" : "", dir);
		parent_below |= is_dir(p);
	}
	if (!below && parent_below) {
		char near[PATH_MAX];
		for (size_t i = 0; i < w->nlowers; i++) {
			if (!near_name(w->lowers[i], dir, name, near, sizeof(near)))
				continue;
			char where[PATH_MAX * 2];
			snprintf(where, sizeof(where), "%s/%s", w->layer_where, rel);
			return check_add(w->rep, where, "shadows nothing in the layers below: a typo of %s?", near);
		}
	}
	if (S_ISDIR(st.st_mode))
		return shadow_dir(w, layer, rel, depth + 1);
	return 0;
}

static int cmp_node_overlay_root(const void *a, const void *b)
{
	const struct tree_node *x = *(const struct tree_node *const *)a, *y = *(const struct tree_node *const *)b;
	int c = strcmp(x->overlay, y->overlay);
	return c ? c : strcmp(x->root, y->root);
}

/* The directory of the version a node gets (PATH_MAX bytes at out). */
static int layer_path(const struct tree *t, const char *name, int pin, char *out)
{
	char rel[PATH_MAX];
	int r = version_layer_dir(t, name, pin, rel, sizeof(rel));
	return r < 0 ? r : tree_path(t, out, PATH_MAX, "%s", rel);
}

static int valid_kind(const struct tree *t, const char *name, const char *want)
{
	const char *k = name[0] ? tree_layer_kind(t, name) : NULL;
	return k && !strcmp(k, want);
}

/* Each cluster overlay against the roots its nodes use. */
static int shadow_overlays(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep)
{
	const struct tree_node **v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = &nodes[i];
	qsort(v, n, sizeof(*v), cmp_node_overlay_root);
	char lower[8][PATH_MAX], layer[PATH_MAX], where[PATH_MAX];
	int r = 0;
	for (size_t i = 0; i < n && r == 0;) {
		struct shadow_walk w = {.rep = rep};
		size_t j = i;
		for (; j < n && !strcmp(v[j]->overlay, v[i]->overlay); j++) {
			int fresh = j == i || strcmp(v[j]->root, v[j - 1]->root);
			if (fresh && w.nlowers < 8 && valid_kind(t, v[j]->root, "root") &&
			    layer_path(t, v[j]->root, v[j]->root_pin, lower[w.nlowers]) == 0) {
				w.lowers[w.nlowers] = lower[w.nlowers];
				w.nlowers++;
			}
		}
		if (valid_kind(t, v[i]->overlay, "overlay") && w.nlowers &&
		    layer_path(t, v[i]->overlay, v[i]->overlay_pin, layer) == 0) {
			snprintf(where, sizeof(where), "roots/%s", v[i]->overlay);
			w.layer_where = where;
			r = shadow_dir(&w, layer, "", 0);
		}
		i = j;
	}
	free(v);
	return r;
}

int check_shadows(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep)
{
	int r = shadow_overlays(t, nodes, n, rep);
	char ov[PATH_MAX], rt[PATH_MAX], layer[PATH_MAX], where[64];
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct tree_node *x = &nodes[i];
		struct shadow_walk w = {.host = 1, .rep = rep};
		if (valid_kind(t, x->overlay, "overlay") && layer_path(t, x->overlay, x->overlay_pin, ov) == 0)
			w.lowers[w.nlowers++] = ov;
		if (valid_kind(t, x->root, "root") && layer_path(t, x->root, x->root_pin, rt) == 0)
			w.lowers[w.nlowers++] = rt;
		if (!w.nlowers || tree_path(t, layer, sizeof(layer), "clients/%s", x->ip) < 0)
			continue;
		snprintf(where, sizeof(where), "clients/%s", x->ip);
		w.layer_where = where;
		r = shadow_dir(&w, layer, "", 0);
	}
	return r;
}

/* ---- permissions ---------------------------------------------------------- */

/* The gid of "shadow" in layer/etc/group, else Debian's. */
static gid_t shadow_gid(const char *layer)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/etc/group", layer);
	struct strbuf sb = STRBUF_INIT;
	gid_t gid = SHADOW_GID_FALLBACK;
	if (read_file_regular(p, &sb) == 0) {
		const char *s = sb_str(&sb);
		for (const char *line = s; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
			unsigned g;
			if (!strncmp(line, "shadow:", 7) && sscanf(line, "shadow:%*[^:]:%u:", &g) == 1) {
				gid = (gid_t)g;
				break;
			}
		}
	}
	sb_free(&sb);
	return gid;
}

struct perm_walk {
	const struct tree *t;
	struct check_report *rep;
};

/* rel inside a layer (roots/<x>/ or clients/<ip>/): the part after it. */
static const char *layer_rel(const char *rel, char *layer, size_t layerlen)
{
	if (strncmp(rel, "roots/", 6) && strncmp(rel, "clients/", 8))
		return NULL;
	const char *s = strchr(rel, '/') + 1, *e = strchr(s, '/');
	if (!e)
		return NULL;
	/* roots/<name>/<N>/...: the layer is the version's directory. */
	if (rel[0] == 'r' && e[1] >= '1' && e[1] <= '9') {
		const char *v = e + 1;
		while (*v >= '0' && *v <= '9')
			v++;
		if (*v == '/')
			e = v;
		else if (!*v)
			return NULL;
	}
	snprintf(layer, layerlen, "%.*s", (int)(e - rel), rel);
	return e + 1;
}

static int is_private_key(const char *inner)
{
	size_t l = strlen(inner);
	return !strncmp(inner, "etc/ssh/", 8) && !strchr(inner + 8, '/') && l > 12 && !strcmp(inner + l - 4, "_key");
}

static int perm_entry(const struct perm_walk *w, const char *rel, const struct stat *st)
{
	unsigned mode = st->st_mode & 07777;
	char layer[PATH_MAX];
	const char *inner = layer_rel(rel, layer, sizeof(layer));
	if (S_ISREG(st->st_mode) && (mode & S_IWOTH))
		return check_add(w->rep, rel, "world-writable (mode %04o): chmod o-w", mode);
	if (S_ISDIR(st->st_mode) && (mode & S_IWOTH) && !(mode & S_ISVTX))
		return check_add(w->rep, rel, "world-writable directory without the sticky bit (mode %04o): chmod o-w", mode);
	if (!S_ISREG(st->st_mode))
		return 0;
	if (inner && is_private_key(inner) && (mode & 077))
		return check_add(w->rep, rel, "private key readable by group or others (mode %04o): chmod 600", mode);
	if (inner && (!strcmp(inner, "etc/shadow") || !strcmp(inner, "etc/gshadow"))) {
		char dir[PATH_MAX];
		tree_path(w->t, dir, sizeof(dir), "%s", layer);
		int group_ok = !(mode & 020) && (!(mode & 040) || st->st_gid == 0 || st->st_gid == shadow_gid(dir));
		if ((mode & 007) || !group_ok)
			return check_add(w->rep, rel, "password hashes readable beyond root and group shadow (mode %04o, gid %u): "
					 "chmod 640 and chgrp shadow", mode, (unsigned)st->st_gid);
	}
	size_t l = strlen(rel);
	if (!strncmp(rel, "state/", 6) && l > 7 && !strcmp(rel + l - 7, "/rw.img") && (mode & 006))
		return check_add(w->rep, rel, "a node's writable layer open to others (mode %04o): chmod 600", mode);
	return 0;
}

/* Mount points a `hopeless shell` may have filled: not the tree's content. */
static int skip_subtree(const char *rel)
{
	char layer[PATH_MAX];
	const char *inner = layer_rel(rel, layer, sizeof(layer));
	return inner && (!strcmp(inner, "proc") || !strcmp(inner, "sys") || !strcmp(inner, "dev") || !strcmp(inner, "run"));
}

static int perm_dir(const struct perm_walk *w, const char *rel, int depth)
{
	if (depth > WALK_MAX_DEPTH)
		return 0;
	char p[PATH_MAX];
	if (tree_path(w->t, p, sizeof(p), "%s", rel) < 0)
		return 0;
	DIR *d = opendir(p);
	if (!d)
		return 0;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		char sub[PATH_MAX], full[PATH_MAX];
		struct stat st;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name) >= (int)sizeof(sub) ||
		    tree_path(w->t, full, sizeof(full), "%s", sub) < 0 || lstat(full, &st) < 0)
			continue;
		if (!*rel && !strcmp(de->d_name, ".lock"))
			continue;
		r = perm_entry(w, sub, &st);
		if (r == 0 && S_ISDIR(st.st_mode) && !skip_subtree(sub))
			r = perm_dir(w, sub, depth + 1);
	}
	closedir(d);
	return r;
}

int check_permissions(const struct tree *t, struct check_report *rep)
{
	struct perm_walk w = {t, rep};
	return perm_dir(&w, "", 0);
}

/* ---- all ------------------------------------------------------------------ */

int check_heads(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep)
{
	struct head *heads;
	size_t nh;
	char e2[512];
	if (heads_load(t, &heads, &nh, e2, sizeof(e2)) < 0)
		return check_add(rep, "heads", "%s", e2) < 0 ? -ENOMEM : 0;
	int r = 0;
	if (nh && !strcmp(t->conf.nfs_server, "kernel"))
		r = check_add(rep, "hopeless.conf", "nfs_server = kernel, but %zu head(s) are declared (heads serve with "
						    "nfs-ganesha): set nfs_server = ganesha, or hopeless head rm them",
			      nh);
	for (size_t i = 0; i < nh && r == 0; i++) {
		char where[96];
		snprintf(where, sizeof(where), "heads/%s.conf", heads[i].name);
		for (size_t k = 0; k < n && r == 0; k++)
			if (!strcmp(nodes[k].ip, heads[i].ip))
				r = check_add(rep, where, "ip %s is also node %s's address", heads[i].ip,
					      nodes[k].hostname);
		for (size_t k = i + 1; k < nh && r == 0; k++)
			if (!strcmp(heads[k].ip, heads[i].ip))
				r = check_add(rep, where, "ip %s is also head %s's address", heads[i].ip, heads[k].name);
	}
	free(heads);
	return r;
}

int check_tree(const struct tree *t, struct check_report *rep, char *err, size_t errlen)
{
	struct tree_node *nodes = NULL;
	size_t n = 0;
	char e2[512];
	/* A node entry that does not parse is itself a problem; go on without nodes. */
	if (tree_nodes_load(t, &nodes, &n, e2, sizeof(e2)) < 0) {
		check_add(rep, "nodes", "%s", e2);
		nodes = NULL;
		n = 0;
	}
	int (*const rules[])(const struct tree *, const struct tree_node *, size_t, struct check_report *) = {
		check_node_addresses, check_layers, check_kernels, check_state_images, check_orphans, check_shadows,
		check_bmc, check_heads,
	};
	int r = check_duplicates(nodes, n, rep);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]) && r == 0; i++)
		r = rules[i](t, nodes, n, rep);
	if (r == 0)
		r = check_permissions(t, rep);
	if (r < 0)
		snprintf(err, errlen, "%s", strerror(-r));
	free(nodes);
	return r;
}
