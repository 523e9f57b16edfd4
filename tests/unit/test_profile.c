/* The init's boot profile line and its background helper. */
#include "background.h"
#include "harness.h"
#include "profile.h"
#include <errno.h>
#include <string.h>

TEST(profile_format_terms_and_floor)
{
	profile_step("tst-a", 0.25);
	profile_step("tst-b", 0.5);
	profile_step("tst-a", 0.25); /* a retried step adds to its term */
	profile_floor("tst-f", 0.75);
	char buf[400];
	CHECK(profile_format(1.25, buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "1.250 s from /init to exec =") == buf);
	CHECK(strstr(buf, "tst-a 0.500") != NULL);
	CHECK(strstr(buf, "+ tst-b 0.500") != NULL);
	CHECK(strstr(buf, "tst-f 0.750") != NULL);
	CHECK(strstr(buf, "above the floor") != NULL);
}

TEST(profile_format_never_overruns)
{
	char buf[24];
	memset(buf, 'x', sizeof(buf));
	profile_format(3.0, buf, 16);
	CHECK_INT((int)strlen(buf), 15);
	CHECK(buf[16] == 'x'); /* nothing written past cap */
	CHECK_INT(profile_format(3.0, buf, 0), -1);
}

static int returns_arg(void *arg)
{
	return *(int *)arg;
}

TEST(background_returns_result)
{
	int ok = 0, enoent = -ENOENT;
	pid_t p = background_start(returns_arg, &ok, 0);
	CHECK(p > 0);
	CHECK_INT(background_wait(p), 0);
	p = background_start(returns_arg, &enoent, 19);
	CHECK(p > 0);
	CHECK_INT(background_wait(p), -ENOENT);
}
