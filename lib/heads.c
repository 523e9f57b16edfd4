/* The NFS heads of a cluster: heads/<name>.conf and the deterministic
 * assignment of nodes to heads (see heads.h). */
#include "heads.h"
#include "validate.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int head_name_ok(const char *name, const char **why)
{
	return validate_hostname(name, why);
}

static int head_kv(void *ctx, const char *key, const char *val, char *err, size_t errlen)
{
	struct head *h = ctx;
	if (!strcmp(key, "name")) {
		if (strlen(val) >= sizeof(h->name)) {
			snprintf(err, errlen, "name: too long");
			return -EINVAL;
		}
		snprintf(h->name, sizeof(h->name), "%s", val);
		return 0;
	}
	if (!strcmp(key, "ip")) {
		const char *why = NULL;
		if (validate_ipv4(val, NULL, &why) < 0) {
			snprintf(err, errlen, "ip: %s", why);
			return -EINVAL;
		}
		snprintf(h->ip, sizeof(h->ip), "%s", val);
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -EINVAL;
}

int head_parse(const char *text, struct head *h, char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	int r = tree_parse_kv(text, head_kv, h, err, errlen);
	if (r < 0)
		return r;
	const char *why = NULL;
	if (head_name_ok(h->name, &why) < 0) {
		snprintf(err, errlen, "name: %s", why);
		return -EINVAL;
	}
	if (!h->ip[0]) {
		snprintf(err, errlen, "no 'ip = ' line");
		return -EINVAL;
	}
	return 0;
}

int head_format(const struct head *h, struct strbuf *sb)
{
	return sb_printf(sb, "name = %s\nip = %s\n", h->name, h->ip);
}

static int cmp_head(const void *a, const void *b)
{
	return strcmp(((const struct head *)a)->name, ((const struct head *)b)->name);
}

/* heads/<file>, which must be <name>.conf naming that name. */
static int head_load_one(const struct tree *t, const char *file, struct head *h, char *err, size_t errlen)
{
	char rel[PATH_MAX], e2[200];
	struct strbuf sb = STRBUF_INIT;
	if (tfs_fmt(rel, sizeof(rel), "heads/%s", file) < 0)
		return -ENAMETOOLONG;
	int r = tfs_read(t, rel, &sb);
	if (r < 0) {
		snprintf(err, errlen, "%s/%s: %s", t->dir, rel, strerror(-r));
		return r;
	}
	r = head_parse(sb_str(&sb), h, e2, sizeof(e2));
	sb_free(&sb);
	size_t len = strlen(file);
	if (r == 0 && (len != strlen(h->name) + 5 || strncmp(file, h->name, len - 5))) {
		snprintf(e2, sizeof(e2), "names head '%s' (remove the file or rename it to %s.conf)", h->name,
			 h->name);
		r = -EINVAL;
	}
	if (r < 0)
		snprintf(err, errlen, "%s/%s: %s", t->dir, rel, e2);
	return r;
}

int heads_load(const struct tree *t, struct head **out, size_t *count, char *err, size_t errlen)
{
	char **names;
	size_t n;
	*out = NULL;
	*count = 0;
	int r = tree_list_names(t, "heads", &names, &n);
	if (r < 0) {
		snprintf(err, errlen, "heads/: %s", strerror(-r));
		return r;
	}
	struct head *v = calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;
	if (!v)
		r = -ENOMEM;
	for (size_t i = 0; i < n && r == 0; i++) {
		size_t len = strlen(names[i]);
		if (len < 6 || strcmp(names[i] + len - 5, ".conf"))
			continue; /* temp files of an atomic write, editor leftovers */
		r = head_load_one(t, names[i], &v[k], err, errlen);
		k += r == 0;
	}
	tree_names_free(names, n);
	if (r < 0 || k == 0) {
		free(v);
		return r;
	}
	qsort(v, k, sizeof(*v), cmp_head);
	*out = v;
	*count = k;
	return 0;
}

const struct head *heads_find(const struct head *heads, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(heads[i].name, name))
			return &heads[i];
	return NULL;
}

uint64_t heads_weight(const char *node, const char *head)
{
	uint64_t h = 14695981039346656037ull;
	for (const char *p = node; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ 0) * 1099511628211ull; /* the separator: "ab"+"c" is not "a"+"bc" */
	for (const char *p = head; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	/* splitmix64's finaliser: FNV's low-entropy high bits get mixed in. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

/* 1 when head a outranks head b for this node. */
static int outranks(uint64_t wa, const char *a, uint64_t wb, const char *b)
{
	return wa != wb ? wa > wb : strcmp(a, b) < 0;
}

size_t heads_assign(const char *node, const struct head *heads, size_t n, size_t out[HEADS_PER_NODE])
{
	uint64_t w[HEADS_PER_NODE];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t wi = heads_weight(node, heads[i].name);
		/* insertion into the best-first list of at most HEADS_PER_NODE */
		size_t pos = k;
		while (pos > 0 && outranks(wi, heads[i].name, w[pos - 1], heads[out[pos - 1]].name))
			pos--;
		if (pos >= HEADS_PER_NODE)
			continue;
		size_t last = k < HEADS_PER_NODE ? k : HEADS_PER_NODE - 1;
		for (size_t j = last; j > pos; j--) {
			w[j] = w[j - 1];
			out[j] = out[j - 1];
		}
		w[pos] = wi;
		out[pos] = i;
		if (k < HEADS_PER_NODE)
			k++;
	}
	return k;
}

int heads_server_list(const char *node, const struct head *heads, size_t n, char *out, size_t len)
{
	size_t idx[HEADS_PER_NODE];
	size_t k = heads_assign(node, heads, n, idx), used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < k; i++) {
		int m = snprintf(out + used, len - used, "%s%s", i ? "," : "", heads[idx[i]].ip);
		if (m < 0 || (size_t)m >= len - used)
			return -ENAMETOOLONG;
		used += (size_t)m;
	}
	return k ? 0 : -ENOENT;
}

int heads_resolve(const char *spec, const struct head *heads, size_t n, char *out, size_t len, char *err,
		  size_t errlen)
{
	char copy[256], *save = NULL;
	const struct head *seen[HEADS_PER_NODE];
	size_t k = 0, used = 0;
	if (strlen(spec) >= sizeof(copy) || !*spec) {
		snprintf(err, errlen, "want head names separated by ','");
		return -EINVAL;
	}
	snprintf(copy, sizeof(copy), "%s", spec);
	out[0] = '\0';
	for (char *a = strtok_r(copy, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		const struct head *h = heads_find(heads, n, a);
		if (!h) {
			snprintf(err, errlen, "%.64s: no such head (see hopeless head list)", a);
			return -EINVAL;
		}
		for (size_t i = 0; i < k; i++)
			if (seen[i] == h) {
				snprintf(err, errlen, "%.64s: named twice", a);
				return -EINVAL;
			}
		if (k == HEADS_PER_NODE) {
			snprintf(err, errlen, "at most %d heads per node (a primary and %d fallbacks)", HEADS_PER_NODE,
				 HEADS_PER_NODE - 1);
			return -EINVAL;
		}
		seen[k++] = h;
		int m = snprintf(out + used, len - used, "%s%s", used ? "," : "", h->ip);
		if (m < 0 || (size_t)m >= len - used) {
			snprintf(err, errlen, "too many heads for one node");
			return -EINVAL;
		}
		used += (size_t)m;
	}
	return 0;
}
