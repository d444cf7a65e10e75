#!/usr/bin/env python3
"""A stand-in for qemu-system-x86_64 in the VM supervisor's unit tests.

It behaves like QEMU with our command line: connects as a client to the
console and channel sockets the supervisor listens on, serves QMP on the QMP
socket, appends the console to the log file, and plays one scenario of guest
behaviour. Frames use the real wire format: "KTF1", u32 LE length, u32 LE
CRC-32 of the payload, JSON payload.
"""
import argparse
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import zlib

# The telemetry of a scenario that ran no worker (guest/protocol/worker_report.h).
NO_WORKERS = {"version": 1, "workers": [], "cpusets": [],
              "series": {"interval_ns": 100000000, "workers": [], "t_ns": [], "points": [],
                         "decimated": False}}


def frame(payload):
    data = json.dumps(payload).encode()
    return b"KTF1" + struct.pack("<II", len(data), zlib.crc32(data) & 0xFFFFFFFF) + data


def typed(kind, **fields):
    payload = {"v": 1, "type": kind, "t_ms": int(time.monotonic() * 1000)}
    payload.update(fields)
    return frame(payload)


class Guest:
    def __init__(self, args):
        self.console = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.console.connect(args.console)
        self.channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.channel.connect(args.channel)
        self.log = open(args.log, "ab") if args.log else None
        self.quit_ignored = False

    def say(self, text):
        data = text.encode()
        self.console.sendall(data)
        if self.log:
            self.log.write(data)
            self.log.flush()

    def send(self, data):
        self.channel.sendall(data)


def serve_qmp(path, guest):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    server.bind(path)
    server.listen(1)

    def run():
        conn, _ = server.accept()
        conn.sendall(b'{"QMP": {"version": {"qemu": {"major": 7}}, "capabilities": []}}\r\n')
        buf = b""
        while True:
            data = conn.recv(4096)
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                reply = {"return": {}}
                if "id" in msg:
                    reply["id"] = msg["id"]
                conn.sendall(b"not json at all\r\n")  # QMP garbage must be tolerated
                conn.sendall(json.dumps(reply).encode() + b"\r\n")
                if msg.get("execute") == "quit" and not guest.quit_ignored:
                    conn.sendall(b'{"event": "SHUTDOWN", "data": {"reason": "host-qmp-quit"}}\r\n')
                    os._exit(0)

    threading.Thread(target=run, daemon=True).start()


def boot_lines(guest):
    guest.say("[    0.000000] Linux version 6.12.0-fake (fake@qemu)\r\n")
    guest.say("[    0.100000] Run /init as init process\r\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--console", required=True)
    parser.add_argument("--channel", required=True)
    parser.add_argument("--qmp", required=True)
    parser.add_argument("--log")
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--pidfile")
    parser.add_argument("--flood-bytes", type=int, default=4 << 20)
    args = parser.parse_args()
    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(args.pidfile + ".tmp", args.pidfile)
    try:
        guest = Guest(args)
    except OSError as e:
        print(f"qemu-system-x86_64: -chardev socket: Failed to connect: {e}", file=sys.stderr)
        sys.exit(1)
    serve_qmp(args.qmp, guest)
    s = args.scenario
    boot_lines(guest)

    if s == "big_result":
        # A result frame of ~3 MiB: a large scenario's telemetry.
        guest.send(typed("booted", topology={"cpus": 2}, kernel_release="6.12.0-fake"))
        guest.send(typed("result", verdict="pass", details=[],
                         data={"telemetry": {"pad": "x" * (3 << 20)}}))
        guest.send(typed("done"))
        guest.say("[    2.000000] reboot: Power down\r\n")
        time.sleep(0.05)
        sys.exit(0)
    if s in ("ok", "ok_exit3"):
        guest.send(typed("booted", topology={"cpus": 2}, kernel_release="6.12.0-fake"))
        guest.send(typed("phase", name="scenario"))
        guest.send(typed("result", verdict="pass", details=[], data={"telemetry": NO_WORKERS}))
        guest.send(typed("done"))
        guest.say("[    2.000000] reboot: Power down\r\n")
        time.sleep(0.05)
        sys.exit(3 if s == "ok_exit3" else 0)
    if s == "garbage":
        guest.send(os.urandom(3000))
        guest.send(typed("booted", topology={"cpus": 2}))
        bad = bytearray(typed("log", level="info", text="x"))
        bad[-2] ^= 0xFF  # CRC mismatch
        guest.send(bytes(bad))
        guest.send(b"KTF1" + struct.pack("<II", 0x7FFFFFFF, 0))  # oversize header
        junk = b"this is not json"
        guest.send(b"KTF1" + struct.pack("<II", len(junk), zlib.crc32(junk)) + junk)
        guest.send(b"\x00KTF" + os.urandom(500))
        guest.send(typed("result", verdict="fail", details=["slow"], data={"telemetry": NO_WORKERS}))
        guest.send(typed("done"))
        time.sleep(0.05)
        sys.exit(0)
    if s in ("no_boot", "no_boot_stubborn"):
        if s == "no_boot_stubborn":
            guest.quit_ignored = True
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        guest.say("[    0.200000] waiting for something that never comes")  # no newline
        while True:
            time.sleep(1)
    if s == "hang_after_boot":
        guest.send(typed("booted", topology={"cpus": 2}))
        guest.send(typed("phase", name="scenario"))
        while True:
            time.sleep(1)
    if s == "agent_died":
        guest.send(typed("booted", topology={"cpus": 2}))
        msg = ("[    3.141592] Kernel panic - not syncing: Attempted to kill init! "
               "exitcode=0x0000000b\r\n")
        for i in range(0, len(msg), 7):  # in pieces, as a slow UART delivers it
            guest.say(msg[i:i + 7])
            time.sleep(0.002)
        guest.say("[    3.141600] ---[ end Kernel panic - not syncing: Attempted to kill init! ]---\r\n")
        while True:  # without panic=-1 the guest hangs after a panic
            time.sleep(1)
    if s == "panic_exit":
        guest.send(typed("booted", topology={"cpus": 2}))
        guest.say("[    1.000000] BUG: kernel NULL pointer dereference, address: 0000000000000000\r\n")
        guest.say("[    1.000001] Oops: 0002 [#1] PREEMPT SMP NOPTI\r\n")
        guest.say("[    1.000002] Kernel panic - not syncing: Fatal exception\r\n")
        sys.exit(0)  # panic=-1 with -no-reboot: QEMU exits 0
    if s == "boot_panic":  # the guest kernel crashes before the agent (PID 1) ran
        guest.say("[    0.500000] Oops: general protection fault, probably for non-canonical address\r\n")
        guest.say("[    0.500001] Kernel panic - not syncing: Fatal exception\r\n")
        sys.exit(0)  # panic=-1 with -no-reboot: QEMU exits 0
    if s == "bad_bytes":  # issue 14: a scenario wrote "\xff\n" to stdout
        guest.send(typed("booted", topology={"cpus": 2}))
        guest.console.sendall(b"\xff\n[    1.0] BUG: \xc3 half a character\r\n\xe2\x82")
        sys.stderr.buffer.write(b"qemu: \xfe\xff\n")
        sys.stderr.flush()
        guest.send(typed("result", verdict="pass", details=[], data={"telemetry": NO_WORKERS}))
        guest.send(typed("done"))
        time.sleep(0.05)
        sys.exit(0)
    if s == "die":
        guest.send(typed("booted", topology={"cpus": 2}))
        guest.say("[    1.000000] something went wrong\r\n")
        print("qemu-system-x86_64: fake failure", file=sys.stderr)
        sys.exit(1)
    if s == "flood":
        guest.send(typed("booted", topology={"cpus": 2}))
        chunk = typed("telemetry", data={"pad": "x" * 60000})
        sent = 0
        try:
            while sent < args.flood_bytes:
                guest.send(chunk)
                sent += len(chunk)
            guest.send(typed("done"))
        except OSError:
            pass  # the host closed the channel
        while True:
            time.sleep(1)
    print(f"unknown scenario {s}", file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
