/* The versions a node's union boot event names (what status, node list and
 * gc read to know what runs where). */
#include "harness.h"
#include "version.h"

TEST(version_union_events)
{
	char r[96], o[96];
	CHECK_INT(version_parse_union_event("clients/10.0.0.5 : roots/compute@3 : roots/debian@7", r, sizeof(r), o,
					    sizeof(o)), 0);
	CHECK_STR(r, "debian@7");
	CHECK_STR(o, "compute@3");
	/* An init from before versions names bare layers. */
	CHECK_INT(version_parse_union_event("clients/10.0.0.5 : roots/compute : roots/debian", r, sizeof(r), o,
					    sizeof(o)), 0);
	CHECK_STR(r, "debian");
	const char *bad[] = {"", "clients/1 : roots/a@1", "x : roots/a@1 : roots/b@2",
			     "clients/1 : roots/a@0 : roots/b@2", "clients/1 : roots/../a : roots/b",
			     "clients/1 : roots/a@1 : roots/b@2 : roots/c@3", "clients/1 : a@1 : roots/b@2", NULL};
	for (int i = 0; bad[i]; i++)
		CHECK(version_parse_union_event(bad[i], r, sizeof(r), o, sizeof(o)) < 0);
}
