/* Runner for the unit tests: runs every registered test (optionally only those
 * whose name contains argv[1]) and ends with the line CI reads. */
#include "harness.h"
#include <stdlib.h>

static struct harness_test *harness_head, **harness_tail = &harness_head;

void harness_register(struct harness_test *t)
{
	*harness_tail = t;
	harness_tail = &t->next;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	for (struct harness_test *t = harness_head; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		int f = 0;
		t->fn(&f);
		printf("%s - %s\n", f ? "not ok" : "ok", t->name);
		if (f)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
