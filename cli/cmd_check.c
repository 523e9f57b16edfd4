/* hopeless check: lint the tree. One line per problem, exit 1 when there is
 * any; the rules live in lib/check.c. Reads only, under the tree lock so a
 * concurrent change is not seen half done. */
#include "check.h"
#include "cli.h"
#include <stdio.h>
#include <string.h>

static void check_usage(void)
{
	printf("usage: hopeless check [--quiet]\n"
	       "Lints the tree and prints one line per problem, 'hopeless check: WHERE: PROBLEM':\n"
	       "  dangling or swapped hopeless.root / hopeless.overlay names, unregistered roots;\n"
	       "  node addresses or MACs no node can have, or used twice;\n"
	       "  a root without a kernel, without a built initramfs, or with a stale one;\n"
	       "  missing, shared or linked state images; state/ and clients/ orphans;\n"
	       "  overlay files that shadow nothing but are one or two edits from a name below;\n"
	       "  world-writable files, readable private keys, shadow files and state images.\n"
	       "Exits 0 when clean, 1 when anything is wrong. --quiet prints only the count.\n");
}

int cmd_check(int argc, char **argv, struct cli_ctx *ctx)
{
	if (cli_wants_help(argc, argv)) {
		check_usage();
		return 0;
	}
	int quiet = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q"))
			quiet = 1;
		else
			return cli_error("check", "unexpected argument '%s' (see hopeless check --help)", argv[i]);
	}
	struct tree t;
	if (cli_open_tree(&t, ctx, "check", 1) < 0)
		return 1;
	struct check_report rep = {STRBUF_INIT, 0};
	char err[512];
	int r = check_tree(&t, &rep, err, sizeof(err));
	tree_close(&t);
	if (r < 0) {
		check_report_free(&rep);
		return cli_error("check", "%s: could not finish: %s", t.dir, err);
	}
	if (quiet)
		printf("%zu\n", rep.count);
	else {
		/* Each stored line is "<where>: <problem>\n". */
		const char *s = sb_str(&rep.lines);
		while (*s) {
			const char *nl = strchr(s, '\n');
			printf("hopeless check: %.*s\n", (int)(nl - s), s);
			s = nl + 1;
		}
	}
	size_t count = rep.count;
	check_report_free(&rep);
	return count ? 1 : 0;
}
