#!/usr/bin/env bash
# parallel: yes
# init: netroot (the https build). Live root over HTTPS: the test makes a CA
# and a server certificate for 10.0.2.2 signed by it; lighttpd serves the
# squashfs test root over TLS in the lab netns. An image built with
# `netroot initramfs --ca-bundle` of that CA boots from https:// (certificate
# verified, image pinned with netroot.sha256=); an image whose bundle holds
# only another CA is refused: "certificate not trusted" with the URL, no
# retry, panic=5 reboots (the outcome of a 404). A server whose certificate
# names another address is refused by the good image: "name mismatch".
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_init netroot
bin="$TOP/target/x86_64-unknown-linux-musl/release-https/netroot"
[ -x "$bin" ] || fail "no $bin (make build-https)"
command -v openssl >/dev/null || fail "openssl is not installed (make deps)"
live_images

# --- the test's PKI (qemu/testca.sh): two CAs, a server certificate of each kind ----
pki="$T_LOGDIR/pki"
rm -rf "$pki"
"$TOP/qemu/testca.sh" "$pki" server IP:10.0.2.2 || fail "qemu/testca.sh failed"
"$TOP/qemu/testca.sh" "$pki" wrong-name IP:10.0.2.99,DNS:elsewhere.lab || fail "qemu/testca.sh failed"
"$TOP/qemu/testca.sh" "$pki/other" unused IP:10.0.2.2 || fail "qemu/testca.sh failed"
cp "$pki/other/ca.pem" "$pki/other-ca.pem"
openssl verify -CAfile "$pki/ca.pem" "$pki/server.pem" || fail "openssl does not verify the test's server certificate"
openssl verify -CAfile "$pki/other-ca.pem" "$pki/server.pem" >/dev/null 2>&1 && fail "the other CA verifies the server certificate"

# --- two images from the https build: the test CA's bundle, another CA's ------------
kver=$("$TOP/qemu/kernel.sh" --print-version)
for b in ca other-ca; do
	"$bin" initramfs --root "$BUILD/kernel" --kver "$kver" --ca-bundle "$pki/$b.pem" \
		-o "$T_LOGDIR/https-$b.img" | tee "$T_LOGDIR/https-$b.build"
	grep -q 'CA bundle of 1 certificates' "$T_LOGDIR/https-$b.build" || fail "image https-$b.img: no CA bundle reported"
done

live_server 8443 "$LIVE_DIR" "$pki/server.pem" "$pki/server.key"
live_server 8444 "$LIVE_DIR" "$pki/wrong-name.pem" "$pki/wrong-name.key"
sum=$(sha256sum "$LIVE_DIR/root.squashfs" | cut -d' ' -f1)

# 1. Trusted: boots.
INITRD="$T_LOGDIR/https-ca.img"
LOG="$T_LOGDIR/boot-trusted.log"
boot_expect "ip=dhcp root=live:https://$SRV:8443/moved/root.squashfs netroot.sha256=$sum testwrite=host-https" \
	"$ROOT_OK" \
	'netroot: .*live: TLS: 1 CAs from /etc/netroot/ca-certificates\.crt' \
	'netroot: .*live: TLS with 10\.0\.2\.2: certificate verified, TLSv1_[23] ' \
	'netroot: .*live: https://10\.0\.2\.2:8443/moved/root\.squashfs redirects to https://10\.0\.2\.2:8443/root\.squashfs' \
	"netroot: .*live: SHA-256 matches netroot.sha256=" \
	'netroot: .*live: squashfs image mounted read-only [0-9.]+ s after the first request' \
	'WROTE /host-https'
assert_no_panic
grep -Eo 'live: (random number generator.*|waiting for the kernel.s random.*|TLS with.*|.*in [0-9.]+ s \(.*)' "$LOG" | sed 's/\r//' || true
grep -q 'live: waiting for the kernel.s random' "$LOG" || echo "the kernel's CRNG was ready before the first TLS handshake"
report_uptime

# 2. A bundle without the server's CA: refused, not retried, panic=5 reboots.
INITRD="$T_LOGDIR/https-other-ca.img"
LOG="$T_LOGDIR/boot-untrusted.log"
expect_reboot "ip=dhcp root=live:https://$SRV:8443/root.squashfs netroot.timeout=60 panic=5" \
	"netroot: .*live image https://10\.0\.2\.2:8443/root\.squashfs: certificate not trusted: the server's certificate is not signed by a CA in the image's bundle /etc/netroot/ca-certificates\.crt"
assert_log_lacks 'retrying in'
assert_log_lacks 'live: .*redirects to|SHA-256'

# 3. The trusted CA, a certificate for another name: refused.
INITRD="$T_LOGDIR/https-ca.img"
LOG="$T_LOGDIR/boot-wrong-name.log"
expect_reboot "ip=dhcp root=live:https://$SRV:8444/root.squashfs netroot.timeout=60 panic=5" \
	'netroot: .*live image https://10\.0\.2\.2:8444/root\.squashfs: certificate name mismatch: the server.s certificate is not valid for 10\.0\.2\.2 \(it names 10\.0\.2\.99'
assert_log_lacks 'retrying in'
