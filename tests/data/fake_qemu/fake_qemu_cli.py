#!/usr/bin/env python3
"""A stand-in for qemu-system-x86_64 that takes QEMU's own command line.

For QemuVmLauncher's unit tests (VmConfig::qemu_binary): it records its argv,
one argument a line, to <run dir>/argv.<attempt>.txt (the run dir is the
directory of the console logfile; attempt 1, 2, ...), and whether the -initrd
file existed (initrd.<attempt>.txt: its size, or "missing"). Then it plays a
fake_qemu.py scenario on the sockets named in that argv: the attempt-th entry
of $KTSTR_FAKE_QEMU_SCENARIOS (comma-separated; the last one repeats).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def option(argv, flag, prefix):
    """The value of `flag` whose argument starts with `prefix`, as key=value fields."""
    for i, a in enumerate(argv[:-1]):
        if a == flag and argv[i + 1].startswith(prefix):
            fields = {}
            for part in argv[i + 1].split(","):
                k, _, v = part.partition("=")
                fields[k] = v
            return fields
    sys.exit(f"fake qemu: no {flag} {prefix}... in {argv}")


def main():
    argv = sys.argv
    console = option(argv, "-chardev", "socket,id=console")
    agent = option(argv, "-chardev", "socket,id=agent")
    qmp = argv[argv.index("-qmp") + 1].split(",")[0].removeprefix("unix:")
    initrd = argv[argv.index("-initrd") + 1]
    run_dir = os.path.dirname(console["logfile"])
    attempt = 1
    while os.path.exists(os.path.join(run_dir, f"argv.{attempt}.txt")):
        attempt += 1
    with open(os.path.join(run_dir, f"argv.{attempt}.txt"), "w") as f:
        f.write("\n".join(argv) + "\n")
    with open(os.path.join(run_dir, f"initrd.{attempt}.txt"), "w") as f:
        f.write(str(os.path.getsize(initrd)) if os.path.exists(initrd) else "missing")
    scenarios = os.environ.get("KTSTR_FAKE_QEMU_SCENARIOS", "ok").split(",")
    scenario = scenarios[min(attempt, len(scenarios)) - 1]
    os.execv(sys.executable, [sys.executable, os.path.join(HERE, "fake_qemu.py"),
                              "--console", console["path"], "--channel", agent["path"],
                              "--qmp", qmp, "--log", console["logfile"], "--scenario", scenario])


if __name__ == "__main__":
    main()
