#include "vmm/qemu_cmdline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "guest/protocol/topology_presets.h"

namespace ktstr {
namespace {

TopologySpec shape(int n, int l, int c, int t) {
  TopologySpec s;
  s.numa_nodes = n;
  s.llcs = l;
  s.cores = c;
  s.threads = t;
  return s;
}

VmConfig config_for(const TopologySpec& t, Accel accel = Accel::kTcg) {
  VmConfig c;
  c.topology = t;
  c.memory_mib = memory_mib_for(t, 256);
  c.accel = accel;
  c.kernel = "/k/bzImage";
  c.initrd = "/r/initrd";
  c.run_dir = "/r";
  return c;
}

// The value following `flag` at its n-th occurrence ("" if absent).
std::string arg_after(const std::vector<std::string>& argv, const std::string& flag, int n = 0) {
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == flag && n-- == 0) return argv[i + 1];
  }
  return "";
}

std::vector<std::string> args_after(const std::vector<std::string>& argv, const std::string& flag) {
  std::vector<std::string> out;
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == flag) out.push_back(argv[i + 1]);
  }
  return out;
}

TEST(MemoryMibFor, TakesTheLargestOfCpusFloorAndRequest) {
  EXPECT_EQ(memory_mib_for(shape(1, 1, 2, 1), 0), 256);
  EXPECT_EQ(memory_mib_for(shape(1, 1, 2, 1), 1000), 1000);
  EXPECT_EQ(memory_mib_for(shape(1, 4, 4, 2), 0), 32 * 64);
  EXPECT_EQ(memory_mib_for(shape(1, 4, 4, 2), 4096), 4096);
}

TEST(QemuCommand, OneTcgThreadForKernelsThatPatchCode) {
  VmConfig c = config_for(shape(1, 2, 2, 1));
  c.tcg_single_thread = true;
  QemuCommand cmd = build_qemu_command(c);
  ASSERT_TRUE(cmd.ok()) << cmd.error;
  EXPECT_EQ(arg_after(cmd.argv, "-accel"), "tcg,thread=single");
  c.accel = Accel::kKvm;  // KVM runs vCPUs on their own threads regardless
  EXPECT_EQ(arg_after(build_qemu_command(c).argv, "-accel"), "kvm");
}

TEST(QemuCommand, ExactArgvFor1n2l2c1t) {
  QemuCommand cmd = build_qemu_command(config_for(shape(1, 2, 2, 1)));
  ASSERT_TRUE(cmd.ok()) << cmd.error;
  const std::vector<std::string> expected = {
      "qemu-system-x86_64",
      "-machine",
      "q35",
      "-accel",
      "tcg,thread=multi",
      "-cpu",
      "max,vendor=GenuineIntel",
      "-smp",
      "cpus=4,sockets=1,dies=2,cores=2,threads=1",
      "-m",
      "256M",
      "-kernel",
      "/k/bzImage",
      "-initrd",
      "/r/initrd",
      "-append",
      "console=ttyS0 mitigations=off panic=-1 rdinit=/init loglevel=4 ktstr.channel=virtio",
      "-nodefaults",
      "-display",
      "none",
      "-no-reboot",
      "-chardev",
      "socket,id=console,path=/r/console.sock,logfile=/r/console.log",
      "-serial",
      "chardev:console",
      "-chardev",
      "socket,id=agent,path=/r/agent.sock",
      "-device",
      "virtio-serial-pci,id=vser0",
      "-device",
      "virtserialport,bus=vser0.0,chardev=agent,name=ktstr.0",
      "-qmp",
      "unix:/r/qmp.sock,server=on,wait=off",
  };
  EXPECT_EQ(cmd.argv, expected);
  EXPECT_EQ(cmd.endpoints.console_socket, "/r/console.sock");
  EXPECT_EQ(cmd.endpoints.console_log, "/r/console.log");
  EXPECT_EQ(cmd.endpoints.channel_socket, "/r/agent.sock");
  EXPECT_EQ(cmd.endpoints.qmp_socket, "/r/qmp.sock");
  EXPECT_EQ(arg_after(cmd.argv, "-append"), cmd.kernel_cmdline);
}

TEST(QemuCommand, NumaNodesAreSocketsWithOneMemoryBackendEach) {
  VmConfig c = config_for(shape(2, 2, 1, 2));
  c.memory_mib = 1001;  // odd: node 0 takes the remainder
  QemuCommand cmd = build_qemu_command(c);
  ASSERT_TRUE(cmd.ok()) << cmd.error;
  EXPECT_EQ(arg_after(cmd.argv, "-smp"), "cpus=4,sockets=2,dies=1,cores=1,threads=2");
  EXPECT_EQ(arg_after(cmd.argv, "-m"), "1001M");
  EXPECT_EQ(args_after(cmd.argv, "-object"),
            (std::vector<std::string>{"memory-backend-ram,id=m0,size=501M",
                                      "memory-backend-ram,id=m1,size=500M"}));
  EXPECT_EQ(args_after(cmd.argv, "-numa"),
            (std::vector<std::string>{"node,nodeid=0,memdev=m0", "node,nodeid=1,memdev=m1",
                                      "cpu,node-id=0,socket-id=0", "cpu,node-id=1,socket-id=1"}));
}

TEST(QemuCommand, EveryGauntletPreset) {
  for (const TopologyPreset& p : gauntlet_presets()) {
    SCOPED_TRACE(std::string(p.name));
    const TopologySpec& t = p.topology;
    VmConfig c = config_for(t);
    c.memory_mib = memory_mib_for(t, p.memory_mib);
    QemuCommand cmd = build_qemu_command(c);
    // Measured with QEMU 7.2 under TCG: the two max-cpu shapes need APIC IDs
    // above 254 (14 dies and 9 or 18 cores round up to 16 and 16 or 32).
    if (p.name == "max-cpu" || p.name == "max-cpu-nosmt") {
      EXPECT_FALSE(cmd.ok());
      EXPECT_NE(cmd.error.find("APIC IDs up to 433"), std::string::npos) << cmd.error;
      EXPECT_TRUE(cmd.argv.empty());
      continue;
    }
    ASSERT_TRUE(cmd.ok()) << cmd.error;
    EXPECT_EQ(arg_after(cmd.argv, "-smp"),
              "cpus=" + std::to_string(t.total_cpus()) + ",sockets=" +
                  std::to_string(t.numa_nodes) + ",dies=" + std::to_string(t.llcs / t.numa_nodes) +
                  ",cores=" + std::to_string(t.cores) + ",threads=" + std::to_string(t.threads));
    EXPECT_EQ(arg_after(cmd.argv, "-m"), std::to_string(c.memory_mib) + "M");
    const auto objects = args_after(cmd.argv, "-object");
    const auto numa = args_after(cmd.argv, "-numa");
    if (t.numa_nodes == 1) {
      EXPECT_TRUE(objects.empty());
      EXPECT_TRUE(numa.empty());
      continue;
    }
    ASSERT_EQ(objects.size(), static_cast<size_t>(t.numa_nodes));
    EXPECT_EQ(numa.size(), static_cast<size_t>(2 * t.numa_nodes));
    int total = 0;
    for (int k = 0; k < t.numa_nodes; ++k) {
      const std::string prefix = "memory-backend-ram,id=m" + std::to_string(k) + ",size=";
      ASSERT_EQ(objects[k].rfind(prefix, 0), 0u) << objects[k];
      total += std::stoi(objects[k].substr(prefix.size()));
      EXPECT_NE(std::find(numa.begin(), numa.end(),
                          "cpu,node-id=" + std::to_string(k) + ",socket-id=" + std::to_string(k)),
                numa.end());
    }
    EXPECT_EQ(total, c.memory_mib);
  }
}

TEST(MaxApicId, MatchesQemuBitPacking) {
  EXPECT_EQ(max_apic_id(shape(1, 1, 255, 1)), 254);
  EXPECT_EQ(max_apic_id(shape(1, 15, 8, 2)), 239);  // near-max-llc: boots
  EXPECT_EQ(max_apic_id(shape(1, 14, 9, 2)), 433);  // max-cpu: QEMU refuses
  EXPECT_EQ(max_apic_id(shape(4, 12, 8, 2)), 239);  // 4 sockets of 3 dies
  EXPECT_EQ(max_apic_id(shape(1, 14, 18, 1)), 433);
  EXPECT_EQ(max_apic_id(shape(2, 2, 1, 2)), 3);
}

TEST(CheckTopology, StatesTheBrokenRule) {
  struct Case {
    TopologySpec t;
    const char* message;
  };
  const Case cases[] = {
      {shape(2, 3, 2, 1), "llcs (3) must be divisible by numa_nodes (2)"},
      {shape(1, 0, 2, 1), "must all be at least 1"},
      {shape(0, 1, 2, 1), "must all be at least 1"},
      {shape(1, 1, 2, -1), "must all be at least 1"},
      {shape(1, 1, 289, 1),
       "289 CPUs (1 llcs x 289 cores x 1 threads) exceed the q35 machine's limit of 288"},
      {shape(1, 1000000, 1000000, 1000), "exceed the q35"},
      {shape(1, 1, 256, 1), "needs APIC IDs up to 255"},
      {shape(256, 256, 1, 1), "numa_nodes (256) must be at most 128"},
  };
  for (const Case& c : cases) {
    const std::string e = check_topology(c.t, Accel::kTcg);
    EXPECT_NE(e.find(c.message), std::string::npos) << e;
  }
  EXPECT_EQ(check_topology(shape(1, 1, 255, 1), Accel::kTcg), "");
}

TEST(QemuCommand, RefusesUnresolvedAccelLowMemoryAndLongSocketPaths) {
  VmConfig c = config_for(shape(1, 1, 2, 1), Accel::kAuto);
  EXPECT_NE(build_qemu_command(c).error.find("resolve_accel"), std::string::npos);

  c = config_for(shape(1, 4, 4, 2));
  c.memory_mib = 1024;
  EXPECT_NE(build_qemu_command(c).error.find("below the floor for 32 CPUs (2048 MiB)"),
            std::string::npos);

  c = config_for(shape(1, 1, 2, 1));
  c.run_dir = "/" + std::string(100, 'd');
  EXPECT_NE(build_qemu_command(c).error.find("shorter run directory"), std::string::npos);
}

TEST(QemuCommand, KvmUsesHostCpu) {
  QemuCommand cmd = build_qemu_command(config_for(shape(1, 1, 2, 1), Accel::kKvm));
  ASSERT_TRUE(cmd.ok()) << cmd.error;
  EXPECT_EQ(arg_after(cmd.argv, "-accel"), "kvm");
  EXPECT_EQ(arg_after(cmd.argv, "-cpu"), "host");
}

TEST(QemuCommand, SerialChannelUsesSecondUart) {
  VmConfig c = config_for(shape(1, 1, 2, 1));
  c.channel = ChannelKind::kSerial;
  QemuCommand cmd = build_qemu_command(c);
  ASSERT_TRUE(cmd.ok()) << cmd.error;
  EXPECT_EQ(args_after(cmd.argv, "-serial"),
            (std::vector<std::string>{"chardev:console", "chardev:agent"}));
  EXPECT_TRUE(args_after(cmd.argv, "-device").empty());
  EXPECT_NE(cmd.kernel_cmdline.find("ktstr.channel=serial"), std::string::npos);
}

TEST(QemuCommand, CommasInPathsAreEscaped) {
  VmConfig c = config_for(shape(1, 1, 2, 1));
  c.run_dir = "/tmp/a,b";
  QemuCommand cmd = build_qemu_command(c);
  ASSERT_TRUE(cmd.ok()) << cmd.error;
  EXPECT_EQ(arg_after(cmd.argv, "-chardev", 1), "socket,id=agent,path=/tmp/a,,b/agent.sock");
  EXPECT_EQ(arg_after(cmd.argv, "-qmp"), "unix:/tmp/a,,b/qmp.sock,server=on,wait=off");
}

// The argv depends on VmConfig only: the process's own working directory (a
// clone under /tmp, or /) must not change it (issue 14).
TEST(QemuCommand, SocketPathsDoNotDependOnTheProcessWorkingDirectory) {
  VmConfig c = config_for(shape(1, 1, 2, 1));
  c.run_dir = "/tmp/a,b";
  const auto old = std::filesystem::current_path();
  std::vector<std::string> argvs;
  for (const char* cwd : {"/", "/tmp", "/tmp/.."}) {
    std::filesystem::current_path(cwd);
    argvs.push_back(arg_after(build_qemu_command(c).argv, "-qmp"));
  }
  std::filesystem::current_path(old);
  EXPECT_EQ(argvs, std::vector<std::string>(3, "unix:/tmp/a,,b/qmp.sock,server=on,wait=off"));
}

TEST(QemuEndpoints, SocketsAreRelativeToTheWorkingDirectoryWhenShorter) {
  const std::string deep = "/home/user/" + std::string(80, 'p') + "/runs/t1";
  QemuEndpoints ep = qemu_endpoints(deep, "/home/user/" + std::string(80, 'p'));
  EXPECT_EQ(ep.qmp_socket, "runs/t1/qmp.sock");
  EXPECT_EQ(ep.console_socket, "runs/t1/console.sock");
  EXPECT_EQ(ep.console_log, deep + "/console.log");  // QEMU opens it; no length limit

  // A run directory outside the working directory (the case: a clone
  // next to /tmp) and an unset working directory keep the path as given; no
  // "../" path is made even when it would be shorter.
  EXPECT_EQ(qemu_endpoints("/tmp/a", "/home/user/x/y").qmp_socket, "/tmp/a/qmp.sock");
  EXPECT_EQ(qemu_endpoints("/tmp/a", "/tmp/b").qmp_socket, "/tmp/a/qmp.sock");
  EXPECT_EQ(qemu_endpoints("/tmp/a").qmp_socket, "/tmp/a/qmp.sock");
  EXPECT_EQ(qemu_endpoints("/tmp/a", "/").qmp_socket, "tmp/a/qmp.sock");  // below, shorter
}

TEST(QemuCommand, ADeepRunDirectoryFitsThroughTheWorkingDirectory) {
  VmConfig c = config_for(shape(1, 1, 2, 1));
  const std::string base = "/" + std::string(100, 'd');
  c.run_dir = base + "/t";
  EXPECT_NE(build_qemu_command(c).error.find("shorter run directory"), std::string::npos);
  c.working_dir = base;
  QemuCommand cmd = build_qemu_command(c);
  ASSERT_TRUE(cmd.ok()) << cmd.error;
  EXPECT_EQ(arg_after(cmd.argv, "-qmp"), "unix:t/qmp.sock,server=on,wait=off");
}

TEST(KernelCmdline, KaslrLoglevelAndKargs) {
  VmConfig c = config_for(shape(1, 1, 2, 1));
  std::string error;
  EXPECT_EQ(build_kernel_cmdline(c, &error).find("nokaslr"), std::string::npos);
  c.kaslr = false;
  c.console_loglevel = 7;
  c.kargs = {"sched_verbose", "rcupdate.rcu_cpu_stall_timeout=60"};
  EXPECT_EQ(build_kernel_cmdline(c, &error),
            "console=ttyS0 mitigations=off panic=-1 rdinit=/init loglevel=7 ktstr.channel=virtio "
            "nokaslr sched_verbose rcupdate.rcu_cpu_stall_timeout=60");
  EXPECT_EQ(error, "");
}

TEST(KernelCmdline, RejectsWordsThatBreakTheLineOrTheRunner) {
  struct Case {
    std::string word;
    const char* message;
  };
  const Case cases[] = {
      {"a b", "space, control or non-ASCII"},
      {"a\nb", "byte 0x0a"},
      {"a\tb", "byte 0x09"},
      {"x\x7f", "byte 0x7f"},
      {"caf\xc3\xa9", "non-ASCII"},
      {"init=\"/bin/sh\"", "quote"},
      {"a='b'", "quote"},
      {"a\\b", "backslash"},
      {"", "empty"},
      {"--", "'--'"},
      {"-smp", "starts with '-'"},
      {"console=tty0", "set by ktstr-run"},
      {"rdinit=/bin/sh", "set by ktstr-run"},
      {"init=/bin/sh", "set by ktstr-run"},
      {"panic=0", "set by ktstr-run"},
      {"ktstr.channel=serial", "reserved"},
  };
  for (const Case& c : cases) {
    const std::string e = check_kargs({c.word});
    EXPECT_NE(e.find(c.message), std::string::npos) << "'" << c.word << "': " << e;
    VmConfig vm = config_for(shape(1, 1, 2, 1));
    vm.kargs = {c.word};
    EXPECT_FALSE(build_qemu_command(vm).ok()) << c.word;
  }
  EXPECT_EQ(check_kargs({"nosmt", "isolcpus=1", "console_msg_format=syslog", "paniced"}), "");
}

TEST(KernelCmdline, EnforcesTheKernelsLimits) {
  VmConfig c = config_for(shape(1, 1, 2, 1));
  std::string error;
  // 6 key=value words are ours: 19 more fit, 20 do not.
  for (int i = 0; i < 19; ++i) c.kargs.push_back("k" + std::to_string(i) + "=v");
  EXPECT_NE(build_kernel_cmdline(c, &error), "");
  EXPECT_EQ(error, "");
  c.kargs.push_back("k19=v");
  EXPECT_EQ(build_kernel_cmdline(c, &error), "");
  EXPECT_NE(error.find("26 key=value words, at most 25"), std::string::npos) << error;

  c.kargs.clear();
  for (int i = 0; i < 26; ++i) c.kargs.push_back("w" + std::to_string(i));
  error.clear();
  EXPECT_EQ(build_kernel_cmdline(c, &error), "");
  EXPECT_NE(error.find("26 bare words"), std::string::npos) << error;

  c.kargs = {"a." + std::string(1000, 'x') + "=1", "b." + std::string(1000, 'y') + "=1"};
  error.clear();
  EXPECT_EQ(build_kernel_cmdline(c, &error), "");
  EXPECT_NE(error.find("at most 2047"), std::string::npos) << error;
}

}  // namespace
}  // namespace ktstr
