# netroot — build, test, lab. Run `make help` for the list.
SHELL := /bin/bash
TARGET := x86_64-unknown-linux-musl
BIN := target/$(TARGET)/release/netroot
# With root=live:https:// (cargo feature https: rustls + ring), beside BIN.
BIN_HTTPS := target/$(TARGET)/release-https/netroot
BUILD := build
PREFIX ?= /usr
DESTDIR ?=
MODULES ?= default
EXTRA_MODULES ?=
ROOT ?= nfs

# Debian packages the build, the tests, the lab and the benchmark need.
APT_PACKAGES := build-essential musl-tools file cpio zstd xz-utils kmod iproute2 \
	dnsmasq-base busybox-static klibc-utils udhcpc shellcheck \
	qemu-system-x86 qemu-utils ipxe-qemu ovmf pxelinux syslinux-common \
	grub-pc-bin grub-efi-amd64-bin grub-common \
	nfs-ganesha nfs-ganesha-vfs nbd-server btrfs-progs \
	debootstrap dracut-core dracut-network rpcbind util-linux procps python3 \
	libarchive-tools iputils-ping squashfs-tools erofs-utils lighttpd \
	lighttpd-mod-openssl openssl rsyslog

.PHONY: all help deps build build-https test test-unit test-qemu lint initramfs demo bench bench-dhcp bench-storm install fuzz fuzz-build clean \
	install-bin install-mkinitcpio install-initramfs-tools install-dracut install-kernel-hooks deb

all: build

help:
	@echo "make deps        install Debian packages and the musl Rust target (idempotent)"
	@echo "make build       static release binary: $(BIN)"
	@echo "make build-https the same with root=live:https:// (feature https): $(BIN_HTTPS)"
	@echo "make test        every test: unit, property, netns (dnsmasq), QEMU end to end"
	@echo "make lint        rustfmt --check, clippy -D warnings, shellcheck"
	@echo "make initramfs   build/vmlinuz + build/initramfs.img (MODULES=default|generic|host, EXTRA_MODULES=,"
	@echo "                 KERNEL=bpo: build/vmlinuz-bpo + build/initramfs-bpo.img from the 6.12 backports kernel)"
	@echo "make demo        PXE-boot a diskless Debian client under QEMU (ROOT=nfs|nbd, WATCH=1: netroot watch next to it;"
	@echo "                 ROOT=http: iPXE loads kernel and initramfs over HTTP, the test root comes as a live image)"
	@echo "make bench       side-by-side boot benchmark against the peers"
	@echo "make bench-storm N guests boot at once from one server (STORM_GUESTS=8)"
	@echo "make install     binary, kernel hooks and this system's initramfs integration into DESTDIR/PREFIX"
	@echo "                 (INSTALL_FLAVOUR=\"mkinitcpio initramfs-tools dracut\"; install-<flavour> targets)"
	@echo "make deb         build/deb/netroot_<version>_<arch>.deb (dpkg -i on a Debian or Ubuntu client root)"
	@echo "make fuzz        every fuzz target for FUZZ_SECONDS (60) each (cargo-fuzz, nightly)"

deps:
	@missing=$$(dpkg-query -W -f='$${Package} $${Status}\n' $(APT_PACKAGES) 2>/dev/null | awk '$$NF!="installed"{print $$1}'; \
	  for p in $(APT_PACKAGES); do dpkg-query -W $$p >/dev/null 2>&1 || echo $$p; done | sort -u); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing $$(echo $$missing | tr '\n' ' ')"; \
	  if [ ! -f /var/lib/apt/lists/lock ] || [ -z "$$(ls /var/lib/apt/lists/*Packages 2>/dev/null)" ]; then apt-get update -qq; fi; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; }; \
	fi
	@rustup target list --installed | grep -qx $(TARGET) || rustup target add $(TARGET)
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy rustfmt

build: $(BIN)

$(BIN): $(shell find src -name '*.rs') Cargo.toml
	cargo build --release --locked --target $(TARGET)
	@file -L $(BIN) | grep -q 'statically linked\|static-pie linked' || { echo "error: $(BIN) is not static"; exit 1; }
	@size=$$(stat -c %s $(BIN)); echo "netroot: $$size bytes"; [ $$size -le 1572864 ] || { echo "error: binary over 1.5 MiB"; exit 1; }

# The https build: rustls + ring add ~1 MB (README "Live root"), so it has
# its own limit, 2.5 MiB. ring's C and assembly need musl-gcc (musl-tools).
build-https: $(BIN_HTTPS)

$(BIN_HTTPS): $(shell find src -name '*.rs') Cargo.toml
	cargo build --profile release-https --locked --target $(TARGET) --features https
	@file -L $(BIN_HTTPS) | grep -q 'statically linked\|static-pie linked' || { echo "error: $(BIN_HTTPS) is not static"; exit 1; }
	@size=$$(stat -c %s $(BIN_HTTPS)); echo "netroot (https): $$size bytes"; [ $$size -le 2621440 ] || { echo "error: https binary over 2.5 MiB"; exit 1; }

# The lab kernel (build/vmlinuz: qemu/kernel.sh, nothing to do when it is
# there) comes before the cargo tests: tests/kernel_hook.rs builds an image
# for it.
test: deps
	$(MAKE) --no-print-directory build build-https $(BUILD)/vmlinuz
	cargo test --locked
	cargo test --locked --features https --lib -- tls root::live image
	@# the fuzz targets still build (they name the parsers' signatures)
	cd fuzz && cargo check --locked --bins --quiet
	tests/qemu/run.sh

test-unit: $(BUILD)/vmlinuz
	cargo test --locked
	cargo test --locked --features https --lib -- tls root::live image

test-qemu: build build-https
	tests/qemu/run.sh

lint:
	cargo fmt --check
	cargo clippy --locked --all-targets -- -D warnings
	cargo clippy --locked --all-targets --features https -- -D warnings
	cd fuzz && cargo check --locked --bins --quiet
	shellcheck -x $$(git ls-files '*.sh' hooks/netroot install/netroot 'tests/mkinitcpio/hooks/*' 'tests/mkinitcpio/install/*' .ci/run \
		'initramfs-tools/*/netroot' kernel/netroot-kernel-hook 'kernel/*.d/*')

# The product's own builder; qemu/kernel.sh fetches the lab kernel it takes
# the modules from (KERNEL=bpo: the 6.12 backports kernel, build/kernel-bpo).
KERNEL ?=
KDIR := $(BUILD)/kernel$(if $(KERNEL),-$(KERNEL))
initramfs: build
	qemu/kernel.sh $(if $(filter bpo,$(KERNEL)),--backports)
	$(BIN) initramfs --root $(KDIR) --kver "$$(qemu/kernel.sh $(if $(filter bpo,$(KERNEL)),--backports) --print-version)" \
		--modules $(MODULES) --add "$(EXTRA_MODULES)" -o $(BUILD)/initramfs$(if $(KERNEL),-$(KERNEL)).img

# --- lab inputs --------------------------------------------------------------------
# What the QEMU tests, the demo and the benchmark boot, each remade when a file
# it is made of changed (the scripts call `make build/...`: Make alone decides
# what is stale). The scripts cache on their own as well (kernel.sh fetches
# once, mkroot.sh and mkdebroot.sh compare a hash of themselves), hence the
# `touch` after them.
$(BUILD)/vmlinuz: qemu/kernel.sh
	qemu/kernel.sh
	touch $@

# The test root carries the binary (/usr/bin/netroot, for `netroot report`).
$(BUILD)/testroot.stamp: qemu/mkroot.sh $(BIN)
	qemu/mkroot.sh
	touch $@

$(BUILD)/debroot.stamp: qemu/mkdebroot.sh
	qemu/mkdebroot.sh
	touch $@

# The test root as a squashfs, for `make demo ROOT=http` (served from
# build/lab/www by qemu/servers.sh --http); without the files guests wrote.
$(BUILD)/lab/www/root.squashfs: $(BUILD)/testroot.stamp
	mkdir -p $(@D)
	mksquashfs $(BUILD)/testroot $@.tmp -noappend -comp xz -all-root -quiet -wildcards -e 'host-*' 'var/log/host-*' >/dev/null
	mv $@.tmp $@

# netroot's images (`netroot initramfs`, the default module set), as the
# tests, the demo and the benchmark boot them; -bpo: the 6.12 backports kernel.
$(BUILD)/initramfs.img: $(BIN) $(BUILD)/vmlinuz
	$(BIN) initramfs --root $(BUILD)/kernel --kver "$$(qemu/kernel.sh --print-version)" -o $@

$(BUILD)/vmlinuz-bpo: qemu/kernel.sh
	qemu/kernel.sh --backports
	touch $@

$(BUILD)/initramfs-bpo.img: $(BIN) $(BUILD)/vmlinuz-bpo
	$(BIN) initramfs --root $(BUILD)/kernel-bpo --kver "$$(qemu/kernel.sh --backports --print-version)" -o $@

$(BUILD)/lab/baseline.img: qemu/mkbaseline.sh qemu/baseline/busybox-init.sh $(BUILD)/vmlinuz
	qemu/mkbaseline.sh --baseline busybox --modules minimal --out $@

# TFTP roots (qemu/pxe.sh) for the PXE tests, one per initramfs.
$(BUILD)/tftp/.made: qemu/pxe.sh $(BUILD)/initramfs.img $(BUILD)/vmlinuz
	qemu/pxe.sh --initrd $(BUILD)/initramfs.img --out $(@D)
	touch $@

$(BUILD)/lab/tftp-baseline/.made: qemu/pxe.sh $(BUILD)/lab/baseline.img $(BUILD)/vmlinuz
	qemu/pxe.sh --initrd $(BUILD)/lab/baseline.img --out $(@D)
	touch $@

# mkinitcpio images (MKINITCPIO_DIR: a checkout, see tests/mkinitcpio/prepare.sh).
MKINITCPIO_INPUTS := $(BIN) hooks/netroot install/netroot $(BUILD)/vmlinuz \
	$(wildcard tests/mkinitcpio/*.sh tests/mkinitcpio/*/*)

$(BUILD)/lab/mkinitcpio.img: $(MKINITCPIO_INPUTS)
	@[ -n "$(MKINITCPIO_DIR)" ] || { echo "error: MKINITCPIO_DIR is not set" >&2; exit 1; }
	tests/mkinitcpio/build.sh --out $@.tmp
	mv $@.tmp $@

$(BUILD)/lab/mkinitcpio-bpo.img: $(MKINITCPIO_INPUTS) $(BUILD)/vmlinuz-bpo
	@[ -n "$(MKINITCPIO_DIR)" ] || { echo "error: MKINITCPIO_DIR is not set" >&2; exit 1; }
	tests/mkinitcpio/build.sh --backports --out $@.tmp
	mv $@.tmp $@

$(BUILD)/bench/mkinitcpio.img: $(MKINITCPIO_INPUTS) bench/peers/mkinitcpio.sh
	@[ -n "$(MKINITCPIO_DIR)" ] || { echo "error: MKINITCPIO_DIR is not set" >&2; exit 1; }
	bench/peers/mkinitcpio.sh "$(MKINITCPIO_DIR)" "$$(qemu/kernel.sh --print-version)" $@

# From a fresh machine: packages, the binary, then qemu/demo.sh builds the
# kernel, initramfs and Debian root it lacks. `make demo ROOT=nbd` for NBD;
# `make demo ROOT=http`: no TFTP, iPXE over HTTP and root=live:http://;
# WATCH=1 shows `netroot watch` next to the client (qemu/demo.sh --watch).
demo: deps
	$(MAKE) --no-print-directory build
	qemu/demo.sh --root $(ROOT) $(if $(filter 1,$(WATCH)),--watch)

# The peers do not need netroot: a failed `make build` leaves netroot out of
# the table (or benchmarks the binary already there), it does not stop the run.
bench:
	@$(MAKE) --no-print-directory build || echo "bench: make build failed; netroot is benchmarked only if $(BIN) exists"
	bench/run.sh

bench-dhcp: build
	bench/dhcp.sh

bench-storm: build
	bench/storm.sh

# `make install`: the binary, the kernel hooks, and the integration of each
# initramfs framework this system has (mkinitcpio, initramfs-tools, dracut,
# found by their commands); with DESTDIR (staging a package) all three.
# INSTALL_FLAVOUR="mkinitcpio dracut" chooses; so do the install-* targets.
INSTALL_FLAVOUR ?= $(if $(DESTDIR),mkinitcpio initramfs-tools dracut,$(strip \
	$(if $(shell command -v mkinitcpio),mkinitcpio) \
	$(if $(shell command -v update-initramfs),initramfs-tools) \
	$(if $(shell command -v dracut),dracut)))
SYSCONFDIR ?= /etc

install: install-bin install-kernel-hooks $(addprefix install-,$(INSTALL_FLAVOUR))

install-bin: build
	install -Dm755 $(BIN) $(DESTDIR)$(PREFIX)/bin/netroot

install-mkinitcpio:
	install -Dm644 install/netroot $(DESTDIR)$(PREFIX)/lib/initcpio/install/netroot
	install -Dm644 hooks/netroot $(DESTDIR)$(PREFIX)/lib/initcpio/hooks/netroot

install-initramfs-tools:
	install -Dm755 initramfs-tools/hooks/netroot $(DESTDIR)$(PREFIX)/share/initramfs-tools/hooks/netroot
	install -Dm644 initramfs-tools/scripts/netroot $(DESTDIR)$(PREFIX)/share/initramfs-tools/scripts/netroot
	install -Dm644 initramfs-tools/conf.d/netroot $(DESTDIR)$(PREFIX)/share/initramfs-tools/conf.d/netroot

install-dracut:
	install -Dm755 -t $(DESTDIR)$(PREFIX)/lib/dracut/modules.d/95netroot dracut/modules.d/95netroot/*.sh
	install -Dm644 dracut/dracut.conf.d/netroot.conf $(DESTDIR)$(PREFIX)/lib/dracut/dracut.conf.d/50-netroot.conf

install-kernel-hooks:
	install -Dm755 kernel/netroot-kernel-hook $(DESTDIR)$(PREFIX)/lib/netroot/kernel-hook
	install -Dm755 kernel/postinst.d/zz-netroot $(DESTDIR)$(SYSCONFDIR)/kernel/postinst.d/zz-netroot
	install -Dm755 kernel/postrm.d/zz-netroot $(DESTDIR)$(SYSCONFDIR)/kernel/postrm.d/zz-netroot
	install -Dm755 kernel/install.d/90-netroot.install $(DESTDIR)$(PREFIX)/lib/kernel/install.d/90-netroot.install
	@# the administrator's settings are kept
	[ -e $(DESTDIR)$(SYSCONFDIR)/default/netroot ] || install -Dm644 kernel/default $(DESTDIR)$(SYSCONFDIR)/default/netroot

# The Debian package (packaging/debian/build.sh: dpkg-deb on a tree staged
# by the install-* targets), in build/deb/.
deb: build
	packaging/debian/build.sh $(BIN) $(BUILD)/deb

# Fuzzing (cargo-fuzz, nightly): `make fuzz` runs every target of
# fuzz/Cargo.toml for FUZZ_SECONDS each, from fuzz/corpus/<target> (kept,
# gitignored) plus the committed seeds fuzz/seeds/<target>; a crash leaves its
# input in fuzz/artifacts/<target>/ and makes the run fail after the others.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(shell sed -n 's/^name = "\(.*\)"/\1/p' fuzz/Cargo.toml | grep -vx netroot-fuzz)

fuzz-build:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
	cd fuzz && cargo +nightly fuzz build

fuzz: fuzz-build
	@failed=""; for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/corpus/$$t fuzz/seeds/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s (log fuzz/artifacts/$$t.log)"; mkdir -p fuzz/artifacts; \
	  if (cd fuzz && cargo +nightly fuzz run $$t corpus/$$t seeds/$$t -- \
	        -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1) >fuzz/artifacts/$$t.log 2>&1; then \
	    sed -n 's/^stat::number_of_executed_units: */    executions: /p' fuzz/artifacts/$$t.log; \
	    grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9/a-zA-Z]*' fuzz/artifacts/$$t.log | tail -n1 | sed 's/^/    /'; \
	  else \
	    failed="$$failed $$t"; grep -m3 -E 'panicked|ERROR|Test unit written' fuzz/artifacts/$$t.log | sed 's/^/    /'; \
	  fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashes in:$$failed"; exit 1; fi; echo "fuzz: no crash"

clean:
	cargo clean
	rm -rf $(BUILD)
