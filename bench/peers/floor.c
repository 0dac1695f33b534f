/*
 * The benchmark's floor: the least an initramfs /init can do before a root
 * exists. It mounts /proc, loads the modules netroot loads on the lab VM
 * (the virtio NIC's drivers, the NFSv4 chain, button + evdev; in dependency
 * order, one finit_module(2) each, no fork), reports the uptime and the
 * memory in use, and powers off.
 *
 * It has no network and mounts no root: it is the lower bound of the
 * "initrd phase" (what the kernel's unpack + exec of /init + module loading
 * cost), not a contender that boots anything.
 *
 * Build: musl-gcc -static -Os -s -o floor floor.c
 * Module list: /etc/modules.list, one path relative to /lib/modules/ a line
 * (starting with the kernel version), dependencies first (bench/peers/build.sh writes it at build time).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

static void uptime(char *buf, size_t n)
{
	FILE *f = fopen("/proc/uptime", "r");
	buf[0] = '?';
	buf[1] = 0;
	if (f) {
		if (fscanf(f, "%31s", buf) != 1)
			strcpy(buf, "?");
		fclose(f);
	}
	(void)n;
}

/* MemTotal - MemAvailable in kB (proc(5)): what the kernel, the loaded
 * modules and this process hold. */
static long used_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long total = -1, avail = -1, v;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "MemTotal: %ld", &v) == 1)
			total = v;
		else if (sscanf(line, "MemAvailable: %ld", &v) == 1)
			avail = v;
	}
	fclose(f);
	return total < 0 || avail < 0 ? -1 : total - avail;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			printf("floor: cannot write %s\n", path);
		close(fd);
	}
}

/* The memory a boot leaves behind, as bench-init prints it for the others:
 * the initramfs files deleted (as a switch_root does), clean caches dropped
 * and memory compacted (Documentation/admin-guide/sysctl/vm.rst), then
 * MemFree and every meminfo field on one line. */
static void memory_after_drop(void)
{
	FILE *f;
	char line[128], key[64], all[4096] = "";
	long v, pcp = 0;

	unlink("/init");
	f = fopen("/etc/modules.list", "r");
	while (f && fgets(line, sizeof line, f)) {
		char path[512];
		line[strcspn(line, "\n")] = 0;
		snprintf(path, sizeof path, "/lib/modules/%s", line);
		unlink(path);
	}
	if (f)
		fclose(f);
	unlink("/etc/modules.list");
	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
	write_file("/proc/sys/vm/compact_memory", "1");
	/* Free pages on the per-CPU lists (zoneinfo "count:"), not in MemFree. */
	f = fopen("/proc/zoneinfo", "r");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, " count: %ld", &v) == 1)
			pcp += v;
	if (f)
		fclose(f);
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof line, f)) {
		if (sscanf(line, "%63[^:]: %ld", key, &v) != 2)
			continue;
		if (!strcmp(key, "MemFree"))
			printf("BENCH memfree free_kb=%ld pcp_kb=%ld\n", v, pcp * 4);
		snprintf(all + strlen(all), sizeof all - strlen(all), " %s=%ld", key, v);
	}
	if (f)
		fclose(f);
	printf("BENCH meminfo%s\n", all);
}

int main(void)
{
	char up[32], path[512], line[400];
	FILE *list;
	int n = 0, bad = 0;

	mount("proc", "/proc", "proc", 0, NULL);
	uptime(up, sizeof up);
	printf("BENCH init %s\n", up);
	fflush(stdout);
	list = fopen("/etc/modules.list", "r");
	while (list && fgets(line, sizeof line, list)) {
		int fd;
		line[strcspn(line, "\n")] = 0;
		if (!line[0])
			continue;
		snprintf(path, sizeof path, "/lib/modules/%s", line);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		/* init_module(2): finit_module loads from an fd, params "". */
		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) != 0) {
			printf("floor: cannot load %s\n", line);
			bad++;
		} else {
			n++;
		}
		if (fd >= 0)
			close(fd);
	}
	if (list)
		fclose(list);
	uptime(up, sizeof up);
	printf("BENCH modules %s loaded=%d failed=%d\n", up, n, bad);
	printf("BENCH rootinit %s used_kb=%ld\n", up, used_kb());
	fflush(stdout);
	memory_after_drop();
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
