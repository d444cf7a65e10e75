/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loader for scx_llc_fifo: map CPUs to LLCs from sysfs, open/load/attach the
 * struct_ops, stay until SIGINT/SIGTERM (or until the kernel disables the
 * scheduler), then detach and report how it ended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <libgen.h>
#include <bpf/bpf.h>
#include <scx/common.h>
#include "scx_llc_fifo.bpf.skel.h"

#define MAX_CPUS 512 /* must match the .bpf.c */
#define MAX_LLCS 64

static const char help_fmt[] =
"scx_llc_fifo: one FIFO dispatch queue per last-level cache.\n"
"\n"
"Usage: %s [-s] [-v]\n"
"\n"
"  -s  Print counters every second\n"
"  -v  Print libbpf debug messages\n"
"  -h  Display this help and exit\n";

static bool verbose;
static volatile sig_atomic_t exit_req;

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void on_signal(int sig)
{
	exit_req = 1;
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/*
 * The LLC of a CPU is its highest-level cache; CPUs whose LLC has the same
 * shared_cpu_list share one LLC index. Without cache info everything is LLC 0.
 */
static __u32 map_llcs(volatile __u32 *cpu_llc, int nr_cpus)
{
	static char seen[MAX_LLCS][256];
	__u32 nr = 0;
	int cpu, idx;

	for (cpu = 0; cpu < nr_cpus && cpu < MAX_CPUS; cpu++) {
		char path[256], buf[256], best[256] = "";
		int best_level = -1, level;
		__u32 i;

		for (idx = 0; idx < 16; idx++) {
			snprintf(path, sizeof(path),
				 "/sys/devices/system/cpu/cpu%d/cache/index%d/level", cpu, idx);
			if (read_line(path, buf, sizeof(buf)))
				break;
			level = atoi(buf);
			snprintf(path, sizeof(path),
				 "/sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list", cpu, idx);
			if (level > best_level && !read_line(path, buf, sizeof(buf))) {
				best_level = level;
				snprintf(best, sizeof(best), "%s", buf);
			}
		}

		cpu_llc[cpu] = 0;
		if (best_level < 0)
			continue;
		for (i = 0; i < nr; i++)
			if (!strcmp(seen[i], best))
				break;
		if (i == nr) {
			if (nr == MAX_LLCS) {
				i = 0;
			} else {
				snprintf(seen[nr], sizeof(seen[nr]), "%s", best);
				nr++;
			}
		}
		cpu_llc[cpu] = i;
	}
	return nr ? nr : 1;
}

static void read_stats(struct scx_llc_fifo *skel, __u64 *out)
{
	int nr_cpus = libbpf_num_possible_cpus();
	__u64 cnts[nr_cpus];
	__u32 idx;

	for (idx = 0; idx < 3; idx++) {
		int cpu;

		out[idx] = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.stats), &idx, cnts) < 0)
			continue;
		for (cpu = 0; cpu < nr_cpus; cpu++)
			out[idx] += cnts[cpu];
	}
}

int main(int argc, char **argv)
{
	struct scx_llc_fifo *skel;
	struct bpf_link *link;
	bool print_stats = false;
	__u64 stats[3], ecode;
	int opt, nr_cpus, cpu;

	libbpf_set_print(libbpf_print_fn);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	while ((opt = getopt(argc, argv, "svh")) != -1) {
		switch (opt) {
		case 's':
			print_stats = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, help_fmt, basename(argv[0]));
			return opt != 'h';
		}
	}

restart:
	skel = SCX_OPS_OPEN(llc_fifo_ops, scx_llc_fifo);

	nr_cpus = libbpf_num_possible_cpus();
	SCX_BUG_ON(nr_cpus <= 0, "cannot count CPUs");
	SCX_BUG_ON(nr_cpus > MAX_CPUS, "%d CPUs, at most %d supported", nr_cpus, MAX_CPUS);
	skel->rodata->nr_llcs = map_llcs(skel->rodata->cpu_llc, nr_cpus);
	printf("scx_llc_fifo: %d CPUs, %u LLC(s):", nr_cpus, skel->rodata->nr_llcs);
	for (cpu = 0; cpu < nr_cpus; cpu++)
		printf(" %d->%u", cpu, skel->rodata->cpu_llc[cpu]);
	printf("\n");

	SCX_OPS_LOAD(skel, llc_fifo_ops, scx_llc_fifo, uei);
	link = SCX_OPS_ATTACH(skel, llc_fifo_ops, scx_llc_fifo);
	printf("scx_llc_fifo: attached (ops \"llc_fifo\")\n");
	fflush(stdout);

	while (!exit_req && !UEI_EXITED(skel, uei)) {
		if (print_stats) {
			read_stats(skel, stats);
			printf("local=%llu llc=%llu stolen=%llu\n",
			       stats[0], stats[1], stats[2]);
			fflush(stdout);
		}
		sleep(1);
	}

	read_stats(skel, stats);
	bpf_link__destroy(link);
	printf("scx_llc_fifo: detached; local=%llu llc=%llu stolen=%llu\n",
	       stats[0], stats[1], stats[2]);
	ecode = UEI_REPORT(skel, uei);
	scx_llc_fifo__destroy(skel);

	if (UEI_ECODE_RESTART(ecode))
		goto restart;
	return 0;
}
