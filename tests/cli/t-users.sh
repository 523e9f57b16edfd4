#!/bin/bash
# hopeless users sync: a fake head-node /etc merged into the root's accounts,
# written complete into the overlay with the right modes; bad input is refused
# with its line number and changes nothing.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }
R=$SCRATCH/root; E=$SCRATCH/headetc
mkdir -p "$R/etc" "$E"
printf 'root:x:0:0:root:/root:/bin/bash\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > "$R/etc/passwd"
printf 'root:x:0:\nsudo:x:27:\nshadow:x:42:\nnogroup:x:65534:\n' > "$R/etc/group"
printf 'root:*:19000:0:99999:7:::\nsshd:!:19000::::::\nnobody:*:19000:0:99999:7:::\n' > "$R/etc/shadow"
printf 'root:*::\nsudo:*::\nshadow:*::\nnogroup:*::\n' > "$R/etc/gshadow"
chmod 0640 "$R/etc/shadow" "$R/etc/gshadow"; chgrp 42 "$R/etc/shadow" "$R/etc/gshadow"
printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n' > "$E/passwd"
printf 'root:x:0:\nsudo:x:27:alice\nalice:x:1000:\nbob:x:1001:\n' > "$E/group"
printf 'root:$y$headroot:19000:0:99999:7:::\nalice:$y$alice:19500:0:99999:7:::\nbob:$y$bob:19500:0:99999:7:::\n' > "$E/shadow"
printf 'sudo:*::alice\nalice:!::\nbob:!::\n' > "$E/gshadow"
H init --server 10.9.0.1 --interface br9 >/dev/null
H root add r --from "$R" >/dev/null
H overlay add ov >/dev/null
H node add n1 --ip 10.9.0.11 --mac 52:54:00:00:09:11 --root r --overlay ov --state tmpfs >/dev/null
check "users sync --from a fake etc" H users sync ov --from "$E"
check "the sync published version 2 of the overlay" test "$(cat "$T/roots/ov/current")" = 2
O=$T/roots/ov/2/etc
check "passwd: system accounts of the root and the head's users" test "$(cut -d: -f1 "$O/passwd" | tr '\n' ' ')" = "root sshd nobody alice bob "
check "passwd: the head's nobody is not copied" grep -qx 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' "$O/passwd"
check "shadow: root's own root hash kept" grep -q '^root:\*:' "$O/shadow"
check "shadow: alice's hash copied" grep -q '^alice:\$y\$alice:' "$O/shadow"
check "group: sudo membership merged" grep -qx 'sudo:x:27:alice' "$O/group"
check "gshadow: sudo membership merged" grep -qx 'sudo:\*::alice' "$O/gshadow"
check "passwd 0644 root:root" test "$(stat -c %a:%u:%g "$O/passwd")" = 644:0:0
check "group 0644 root:root" test "$(stat -c %a:%u:%g "$O/group")" = 644:0:0
check "shadow 0640 root:shadow as in the root" test "$(stat -c %a:%u:%g "$O/shadow")" = 640:0:42
check "gshadow 0640 root:shadow as in the root" test "$(stat -c %a:%u:%g "$O/gshadow")" = 640:0:42
check "the root itself is untouched" test "$(cat "$T/roots/r/1/etc/passwd")" = "$(cat "$R/etc/passwd")"
check "no temporary files left" test -z "$(ls "$O" | grep tmp)"
before=$(tree_digest "$T")
H users sync ov --from "$E" >/dev/null
check "a second sync changes nothing" test "$(tree_digest "$T")" = "$before"
cp -r "$E" "$SCRATCH/bad1"; printf 'carol:x:1002\n' >> "$SCRATCH/bad1/passwd"
check_rejects "a malformed passwd line" users sync ov --from "$SCRATCH/bad1"
check "the message names the line" sh -c "'$HOPELESS' -C '$T' users sync ov --from '$SCRATCH/bad1' 2>&1 | grep -q 'passwd line 5: wrong number of fields'"
cp -r "$E" "$SCRATCH/bad2"; printf 'sshd:x:1005:1005::/:/bin/sh\n' >> "$SCRATCH/bad2/passwd"
check_rejects "a head user named like a system account" users sync ov --from "$SCRATCH/bad2"
check_rejects "unknown overlay" users sync nope --from "$E"
check_rejects "a root as overlay" users sync r --from "$E"
check_rejects "missing --from dir" users sync ov --from "$SCRATCH/nope"
check_rejects "unknown --root" users sync ov --root nope --from "$E"
H overlay add lonely >/dev/null
check_rejects "overlay without nodes and no --root" users sync lonely --from "$E"
check "overlay without nodes with --root" H users sync lonely --root r --from "$E"
check "users --help" H users --help >/dev/null
done_testing
