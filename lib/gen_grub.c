/* GRUB configurations for nodes of boot method grub (UEFI Secure Boot):
 * the firmware loads shimx64.efi, shim loads Debian's signed network GRUB
 * (grubx64.efi, from grubnetx64.efi.signed) from the same TFTP directory.
 *
 * That GRUB is built with prefix /grub on the boot server and a memdisk
 * configuration that sources $prefix/x86_64-efi/grub.cfg if it exists, else
 * $prefix/grub.cfg (read from the image: strings grubnetx64.efi.signed). It
 * calls `normal` with that file named, so GRUB's own search for
 * grub.cfg-01-<mac> never runs: tftp/grub/grub.cfg does it here, and each
 * grub node has tftp/grub/grub.cfg-01-<mac> (the name GRUB's own search
 * would use). Modules cannot be loaded under Secure Boot; regexp, tftp,
 * linux, echo, sleep and reboot are built into that image. */
#include "gen.h"
#include <stdio.h>
#include <string.h>


/* Where GRUB loads a node's kernel and initramfs from: the ONE place that
 * says so. TFTP from the head node for now. Debian's signed GRUB has no
 * http module built in, and loading one is refused under Secure Boot, so
 * an (http,SERVER) here needs a GRUB image that has it. */
void gen_grub_files_from(const struct tree *t, char *out, size_t len)
{
	snprintf(out, len, "(tftp,%s)", t->conf.server);
}

int gen_grub_default(struct strbuf *sb)
{
	return sb_printf(sb,
			 "# grub.cfg: %s\n"
			 "# Read by Debian's signed network GRUB (grubx64.efi, loaded by shimx64.efi)\n"
			 "# as $prefix/grub.cfg. Every node of boot method grub has\n"
			 "# grub.cfg-01-<mac> here, named after the NIC that booted.\n"
			 "regexp --set=1:hl_a --set=2:hl_b --set=3:hl_c --set=4:hl_d --set=5:hl_e --set=6:hl_f "
			 "'^(..):(..):(..):(..):(..):(..)$' \"$net_default_mac\"\n"
			 "source \"$prefix/grub.cfg-01-$hl_a-$hl_b-$hl_c-$hl_d-$hl_e-$hl_f\"\n"
			 "echo \"hopeless: no GRUB configuration for $net_default_mac: not a registered node of boot "
			 "method grub (hopeless node add ... --boot grub)\"\n"
			 "echo \"hopeless: rebooting in 30 s\"\n"
			 "sleep 30\n"
			 "reboot\n",
			 GENERATED);
}

/* A kernel argument as one GRUB word: bare when GRUB reads it literally,
 * else in single quotes (gen_check_append already refused quotes, '$' and
 * backslashes; this covers ';', '#', '<', '>', '(', ')' and the wildcards
 * '*', '?', '[' that GRUB's regexp module expands). */
static int grub_word(struct strbuf *sb, const char *w, size_t len)
{
	int bare = 1;
	for (size_t i = 0; i < len; i++) {
		char c = w[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("._,:=/+@%-", c)))
			bare = 0;
	}
	int r = sb_add(sb, " ");
	if (!bare)
		r |= sb_add(sb, "'");
	r |= sb_addn(sb, w, len);
	if (!bare)
		r |= sb_add(sb, "'");
	return r;
}

/* The node's file: its root's kernel (signed by Debian; GRUB's linux
 * command has shim verify it) with the node's command line, the same one
 * its iPXE script passes. BOOTIF is written from the tree: this file is
 * only read by the NIC whose MAC names it. */
int gen_grub_node(const struct tree *t, const struct tree_node *n, struct strbuf *sb)
{
	struct strbuf cmd = STRBUF_INIT;
	int r = gen_cmdline(t, n, &cmd);
	if (r < 0) {
		sb_free(&cmd);
		return r;
	}
	char from[32], mac[18];
	gen_grub_files_from(t, from, sizeof(from));
	gen_mac_hyphen(n->mac, mac);
	r = sb_printf(sb,
		      "# grub.cfg-01-%s: %s\n# node %s (%s)\n"
		      "echo \"hopeless: %s: loading the kernel and initramfs of root %s\"\n"
		      "linux %s/boot/%s/vmlinuz",
		      mac, GENERATED, n->hostname, n->ip, n->hostname, n->root, from, n->root);
	const char *s = sb_str(&cmd);
	while (*s) {
		size_t len = strcspn(s, " ");
		if (len)
			r |= grub_word(sb, s, len);
		s += len + (s[len] == ' ');
	}
	r |= sb_printf(sb, " BOOTIF=01-%s\ninitrd %s/boot/%s/initrd.img\nboot\n", mac, from, n->root);
	sb_free(&cmd);
	return r;
}
