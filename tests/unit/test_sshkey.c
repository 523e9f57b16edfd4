/* In-process SSH host keys: OpenSSH itself must read them back. ssh-keygen
 * -y derives the public key from our private key file and must print the
 * .pub line we wrote; -l must accept both files. */
#include "harness.h"
#include "sshkey.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void check_type(int *harness_failed, const char *dir, int dfd, const char *type, const char *tag)
{
	char key[128], cmd[512];
	struct stat st;
	snprintf(key, sizeof(key), "%s/ssh_host_%s_key", dir, type);
	CHECK_INT(sshkey_write_host_key(dfd, type, "root@n1"), 0);
	CHECK_INT(stat(key, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	/* The public key OpenSSH derives from the private file = our .pub
	 * (ssh-keygen -y prints the file's comment too). */
	snprintf(cmd, sizeof(cmd), "ssh-keygen -y -f %s | cmp -s - %s.pub", key, key);
	CHECK_INT(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "ssh-keygen -l -f %s | grep -q '%s)$' && ssh-keygen -l -f %s.pub | grep -q 'root@n1 (%s)$'",
		 key, tag, key, tag);
	CHECK_INT(system(cmd), 0);
	/* The private key signs what the public key verifies. */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && echo hi > m && ssh-keygen -q -Y sign -f %s -n file m && echo \"x $(cat %s.pub)\" > allowed"
		 " && ssh-keygen -Y verify -f allowed -I x -n file -s m.sig < m >/dev/null && rm m m.sig allowed",
		 dir, key, key);
	CHECK_INT(system(cmd), 0);
	/* Two keys differ. */
	snprintf(cmd, sizeof(cmd), "cp %s.pub %s.old && true", key, key);
	CHECK_INT(system(cmd), 0);
	CHECK_INT(sshkey_write_host_key(dfd, type, "root@n1"), 0);
	snprintf(cmd, sizeof(cmd), "! cmp -s %s.pub %s.old", key, key);
	CHECK_INT(system(cmd), 0);
}

TEST(sshkey_openssh_reads_them)
{
	char dir[] = "/tmp/hopeless-sshkey-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0);
	if (system("command -v ssh-keygen >/dev/null") == 0) {
		check_type(harness_failed, dir, dfd, "ed25519", "ED25519");
		check_type(harness_failed, dir, dfd, "ecdsa", "ECDSA");
	}
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	CHECK_INT(sshkey_generate("dsa", "x", &a, &b), -22);
	sb_free(&a);
	sb_free(&b);
	close(dfd);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_INT(system(cmd), 0);
}
