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
 * Written for the 6.12 sched_ext API (scx_bpf_dispatch / scx_bpf_consume).
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define MAX_CPUS 512
#define MAX_LLCS 64

/* Filled by the loader before load (rodata, so the verifier sees constants). */
const volatile u32 cpu_llc[MAX_CPUS];
const volatile u32 nr_llcs = 1;

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
	u32 llc;

	if (cpu < 0 || cpu >= MAX_CPUS)
		return 0;
	llc = cpu_llc[cpu];
	return llc < nr_llcs ? llc : 0;
}

s32 BPF_STRUCT_OPS(llc_fifo_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle = false;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);
	if (idle) {
		count(STAT_LOCAL);
		scx_bpf_dispatch(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	}
	return cpu;
}

void BPF_STRUCT_OPS(llc_fifo_enqueue, struct task_struct *p, u64 enq_flags)
{
	s32 idle_cpu;

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

	if (scx_bpf_consume(own))
		return;

	for (i = 0; i < MAX_LLCS && i < nr_llcs; i++) {
		if (i == own)
			continue;
		if (scx_bpf_consume(i)) {
			count(STAT_STOLEN);
			return;
		}
	}
}

s32 BPF_STRUCT_OPS_SLEEPABLE(llc_fifo_init)
{
	u32 i;
	s32 ret;

	for (i = 0; i < MAX_LLCS && i < nr_llcs; i++) {
		ret = scx_bpf_create_dsq(i, -1);
		if (ret)
			return ret;
	}
	return 0;
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
