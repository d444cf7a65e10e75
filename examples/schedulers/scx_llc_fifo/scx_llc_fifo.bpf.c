/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scx_llc_fifo: a minimal sched_ext scheduler for ktstr-run's examples.
 *
 * One FIFO dispatch queue (DSQ) per last-level cache. The loader fills
 * cpu_llc[] (CPU -> LLC index, from sysfs) before the program is loaded.
 *
 *  select_cpu: the kernel's default idle-CPU picker; a task that found an
 *              idle CPU goes straight onto that CPU's local DSQ.
 *  enqueue:    append the task to the FIFO of the LLC of the CPU it last ran
 *              on, and kick one idle CPU it may run on so it gets pulled.
 *  dispatch:   take from this CPU's own LLC FIFO first; if that is empty,
 *              steal from the other LLCs' FIFOs in order.
 *
 * Fault injection (the loader's options set these rodata constants before
 * load, so a normal run verifies and runs none of it):
 *  error_after:    scx_bpf_error() once this many tasks were dispatched;
 *  stall_after_ns: after this long, park one user task in a DSQ that no CPU
 *                  consumes, so the kernel's watchdog disables the scheduler;
 *  slow_ns:        spin this long in dispatch() before handing over a task;
 *  degrade:        one queue (DSQ 0) for every CPU instead of one per LLC;
 *  fail_verify:    loads llc_fifo_bad_init, which the verifier rejects.
 *
 * Written for the 6.12 sched_ext API (scx_bpf_dispatch / scx_bpf_consume).
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define MAX_CPUS 512
#define MAX_LLCS 64

/* Filled by the loader before load (rodata, so the verifier sees constants). */
const volatile u32 cpu_llc[MAX_CPUS];
const volatile u32 nr_llcs = 1;

const volatile u64 error_after = 0;
const volatile u64 stall_after_ns = 0;
const volatile u64 slow_ns = 0;
const volatile bool degrade = false;

/* Globals (.bss): what a failure dump shows. */
u64 nr_dispatched;
u64 started_ns;
s32 stalled_pid;

#define STALL_DSQ (MAX_LLCS + 1)

UEI_DEFINE(uei);

/* Per-CPU counters: [local, llc, stolen] */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u64));
	__uint(max_entries, 3);
} stats SEC(".maps");

enum { STAT_LOCAL, STAT_LLC, STAT_STOLEN };

static void count(u32 idx)
{
	u64 *cnt = bpf_map_lookup_elem(&stats, &idx);

	if (cnt)
		(*cnt)++;
}

static u32 llc_of(s32 cpu)
{
	u32 llc, c = cpu;

	if (degrade)
		return 0;
	if (c >= MAX_CPUS)
		return 0;
	/* Hide c's range from the compiler so it keeps the mask the verifier needs. */
	barrier_var(c);
	llc = cpu_llc[c & (MAX_CPUS - 1)];
	return llc < nr_llcs ? llc : 0;
}

static void dispatched(void)
{
	u64 n = __sync_fetch_and_add(&nr_dispatched, 1) + 1;

	if (error_after && n == error_after)
		scx_bpf_error("llc_fifo: --error-after %llu: %llu tasks dispatched", error_after, n);
}

/* --stall-after: the first user task enqueued after the deadline is parked. */
static bool park(struct task_struct *p)
{
	if (!stall_after_ns || (p->flags & PF_KTHREAD))
		return false;
	if (stalled_pid)
		return p->pid == stalled_pid;
	if (bpf_ktime_get_ns() - started_ns < stall_after_ns)
		return false;
	return __sync_val_compare_and_swap(&stalled_pid, 0, p->pid) == 0;
}

static long spin_cb(u32 i, void *ctx)
{
	u64 *until = ctx;

	return bpf_ktime_get_ns() >= *until ? 1 : 0;
}

static void slow_down(void)
{
	u64 until;

	if (!slow_ns)
		return;
	until = bpf_ktime_get_ns() + slow_ns;
	bpf_loop(1 << 23, spin_cb, &until, 0);
}

s32 BPF_STRUCT_OPS(llc_fifo_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle = false;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);
	if (idle && !(stall_after_ns && park(p))) {
		count(STAT_LOCAL);
		dispatched();
		scx_bpf_dispatch(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	}
	return cpu;
}

void BPF_STRUCT_OPS(llc_fifo_enqueue, struct task_struct *p, u64 enq_flags)
{
	s32 idle_cpu;

	if (park(p)) {
		scx_bpf_dispatch(p, STALL_DSQ, SCX_SLICE_DFL, enq_flags);
		return;
	}
	count(STAT_LLC);
	scx_bpf_dispatch(p, llc_of(scx_bpf_task_cpu(p)), SCX_SLICE_DFL, enq_flags);

	/* Wake an idle CPU the task may run on; its dispatch() will pull it. */
	idle_cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
	if (idle_cpu >= 0)
		scx_bpf_kick_cpu(idle_cpu, SCX_KICK_IDLE);
}

void BPF_STRUCT_OPS(llc_fifo_dispatch, s32 cpu, struct task_struct *prev)
{
	u32 own = llc_of(cpu), i;

	if (scx_bpf_consume(own)) {
		dispatched();
		slow_down();
		return;
	}
	if (degrade)
		return;

	for (i = 0; i < MAX_LLCS && i < nr_llcs; i++) {
		if (i == own)
			continue;
		if (scx_bpf_consume(i)) {
			count(STAT_STOLEN);
			dispatched();
			slow_down();
			return;
		}
	}
}

s32 BPF_STRUCT_OPS_SLEEPABLE(llc_fifo_init)
{
	u32 i;
	s32 ret;

	started_ns = bpf_ktime_get_ns();
	for (i = 0; i < MAX_LLCS && i < nr_llcs; i++) {
		ret = scx_bpf_create_dsq(i, -1);
		if (ret)
			return ret;
	}
	return scx_bpf_create_dsq(STALL_DSQ, -1);
}

/*
 * --fail-verify: an init that reads cpu_llc[] at a random index the verifier
 * cannot bound ("unbounded memory access"). The loader puts it in the ops
 * only with the option (and turns the autoload of the unused one off).
 */
SEC("struct_ops.s/llc_fifo_bad_init")
s32 BPF_PROG(llc_fifo_bad_init)
{
	u32 idx = bpf_get_prandom_u32();

	return cpu_llc[idx] ? 0 : scx_bpf_create_dsq(0, -1);
}

void BPF_STRUCT_OPS(llc_fifo_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(llc_fifo_ops,
	       .select_cpu	= (void *)llc_fifo_select_cpu,
	       .enqueue		= (void *)llc_fifo_enqueue,
	       .dispatch	= (void *)llc_fifo_dispatch,
	       .init		= (void *)llc_fifo_init,
	       .exit		= (void *)llc_fifo_exit,
	       .name		= "llc_fifo");
