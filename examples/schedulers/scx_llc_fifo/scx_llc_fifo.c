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
#include <getopt.h>
#include <errno.h>
#include <libgen.h>
#include <bpf/bpf.h>
#include <scx/common.h>
#include "scx_llc_fifo.bpf.skel.h"

#define MAX_CPUS 512 /* must match the .bpf.c */
#define MAX_LLCS 64

static const char help_fmt[] =
"scx_llc_fifo: one FIFO dispatch queue per last-level cache.\n"
"\n"
"Usage: %s [-s] [-v] [FAULT...]\n"
"\n"
"  -s  Print counters every second\n"
"  -v  Print libbpf debug messages\n"
"  -h  Display this help and exit\n"
"\n"
"Faults (for testing the tests; README.md says what each does to a run):\n"
"  --stall-after S   after S seconds, stop dispatching one user task\n"
"  --error-after N   scx_bpf_error() after N dispatched tasks\n"
"  --fail-verify     load an init program the BPF verifier rejects\n"
"  --slow            spin 200 ms in dispatch before each task\n"
"  --degrade         one queue for every CPU instead of one per LLC\n";

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
	double stall_after_s = 0;
	unsigned long long error_after = 0;
	bool fail_verify = false, slow = false, degrade = false;
	char *end;

	libbpf_set_print(libbpf_print_fn);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	static const struct option long_opts[] = {
		{"stall-after", required_argument, NULL, 'S'},
		{"error-after", required_argument, NULL, 'E'},
		{"fail-verify", no_argument, NULL, 'F'},
		{"slow", no_argument, NULL, 'W'},
		{"degrade", no_argument, NULL, 'D'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	while ((opt = getopt_long(argc, argv, "svh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			print_stats = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'S':
			stall_after_s = strtod(optarg, &end);
			if (*optarg == 0 || *end || !(stall_after_s > 0) || stall_after_s > 3600) {
				fprintf(stderr, "scx_llc_fifo: --stall-after: expected seconds in (0, 3600], got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'E':
			errno = 0;
			error_after = strtoull(optarg, &end, 10);
			if (*optarg == 0 || *optarg == '-' || *end || errno || error_after == 0) {
				fprintf(stderr, "scx_llc_fifo: --error-after: expected a count >= 1, got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'F':
			fail_verify = true;
			break;
		case 'W':
			slow = true;
			break;
		case 'D':
			degrade = true;
			break;
		case 'h':
			fprintf(stdout, help_fmt, basename(argv[0]));
			return 0;
		default:
			fprintf(stderr, help_fmt, basename(argv[0]));
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "scx_llc_fifo: unexpected argument '%s'\n", argv[optind]);
		return 2;
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
	skel->rodata->error_after = error_after;
	skel->rodata->stall_after_ns = (__u64)(stall_after_s * 1e9);
	skel->rodata->slow_ns = slow ? 200ULL * 1000 * 1000 : 0;
	skel->rodata->degrade = degrade;
	if (error_after || stall_after_s > 0 || slow || degrade || fail_verify)
		printf("scx_llc_fifo: faults: error_after=%llu stall_after=%gs slow=%d degrade=%d "
		       "fail_verify=%d\n", error_after, stall_after_s, slow, degrade, fail_verify);
	/* An unreferenced struct_ops program would fail the load: one init only. */
	if (fail_verify) {
		skel->struct_ops.llc_fifo_ops->init = skel->progs.llc_fifo_bad_init;
		bpf_program__set_autoload(skel->progs.llc_fifo_init, false);
	} else {
		bpf_program__set_autoload(skel->progs.llc_fifo_bad_init, false);
	}
	fflush(stdout);

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
