/* A tiny unit-test harness: tests register themselves with TEST(), the
 * runner (harness.c) forks nothing and ends with "N passed, N failed",
 * the closing line CI reads. */
#ifndef HOPELESS_HARNESS_H
#define HOPELESS_HARNESS_H
#include <stdio.h>
#include <string.h>

struct harness_test {
	const char *name;
	void (*fn)(int *failed);
	struct harness_test *next;
};
void harness_register(struct harness_test *t);

#define TEST(tname)                                                          \
	static void tname(int *harness_failed);                                  \
	static struct harness_test harness_##tname = {#tname, tname, NULL};      \
	__attribute__((constructor)) static void harness_reg_##tname(void)       \
	{ harness_register(&harness_##tname); }                                  \
	static void tname(int *harness_failed)

#define CHECK(cond)                                                          \
	do {                                                                     \
		if (!(cond)) {                                                       \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__,         \
				__LINE__, #cond);                                            \
			(*harness_failed)++;                                             \
		}                                                                    \
	} while (0)

#define CHECK_INT(a, b)                                                      \
	do {                                                                     \
		long long ha_ = (long long)(a), hb_ = (long long)(b);                \
		if (ha_ != hb_) {                                                    \
			fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n",          \
				__FILE__, __LINE__, #a, ha_, hb_);                           \
			(*harness_failed)++;                                             \
		}                                                                    \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                     \
		const char *ha_ = (a), *hb_ = (b);                                   \
		if (!ha_ || !hb_ || strcmp(ha_, hb_) != 0) {                         \
			fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n",      \
				__FILE__, __LINE__, #a, ha_ ? ha_ : "(null)",                \
				hb_ ? hb_ : "(null)");                                       \
			(*harness_failed)++;                                             \
		}                                                                    \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                          \
	do {                                                                     \
		const char *ha_ = (hay), *hb_ = (needle);                            \
		if (!ha_ || !strstr(ha_, hb_)) {                                     \
			fprintf(stderr, "  %s:%d: %s does not contain \"%s\"\n",         \
				__FILE__, __LINE__, #hay, hb_);                              \
			(*harness_failed)++;                                             \
		}                                                                    \
	} while (0)
#endif
