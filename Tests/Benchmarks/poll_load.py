#!/usr/bin/env python3
"""The measuring half of poll-load.sh (stdlib only): adds the watched users to the private Dovecot,
runs Postillon once with them not watched (baseline) and once watched, samples CPU and RSS once a
second, and reads the logins from Dovecot's log."""
import argparse
import collections
import hashlib
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request

from benchutil import read_env, rss_kib, stop

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def add_users(env, count):
    users_file = os.path.join(env["MAILSERVERS_DIR"], "dovecot", "users")
    first = open(users_file).readline().split(":")
    uid, gid = first[2], first[3]
    names = [f"watch{i:05d}" for i in range(count)]
    with open(users_file, "a") as users:
        for name in names:
            users.write(f"{name}:{{PLAIN}}{name}{env['PASSWORD_SUFFIX']}:{uid}:{gid}::{env['MAIL_ROOT']}/{name}::\n")
    for index, name in enumerate(names):
        maildir = os.path.join(env["MAIL_ROOT"], name, "Maildir")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        for n in range(3):
            path = os.path.join(maildir, "cur", f"{1700000000 + n}.M{index}P{n}.load:2,S")
            with open(path, "w") as message:
                message.write(f"From: sender{n}@example.org\r\nTo: {name}@{env['DOMAIN']}\r\nSubject: load {n}\r\n"
                              f"Date: Tue, 1 Dec 2026 10:0{n}:00 +0000\r\nMessage-ID: <{name}.{n}@example.org>\r\n\r\nbody {n}\r\n")
        for root, dirs, files in os.walk(os.path.join(env["MAIL_ROOT"], name)):
            for entry in dirs + files:
                os.chown(os.path.join(root, entry), int(uid), int(gid))
        os.chown(os.path.join(env["MAIL_ROOT"], name), int(uid), int(gid))
    return names


def accounts_file(path, env, names, watch):
    accounts = [{"name": name, "keySha256": hashlib.sha256(secrets.token_bytes(16)).hexdigest(), "username": name,
                 "password": name + env["PASSWORD_SUFFIX"], "address": f"{name}@{env['DOMAIN']}", "watch": watch}
                for name in names]
    json.dump(accounts, open(path, "w"))
    os.chmod(path, 0o600)


def run(args, env, state, accounts, seconds, label):
    log = open(os.path.join(args.work, f"postillon-{label}.log"), "w")
    process = subprocess.Popen([args.bin, "--listen", f"127.0.0.1:{args.port}", "--pop3-url", f"pop3://127.0.0.1:{env['POP3_PORT']}",
                                "--smtp-url", f"smtp://127.0.0.1:{env['SUBMISSION_PORT']}", "--ca-file", env["CA_FILE"],
                                "--mail-domain", env["DOMAIN"], "--state", f"sqlite:{state}", "--accounts-file", accounts,
                                "--poll-interval", str(args.interval), "--log-level", "notice"],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/api/v1/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        start = time.time()
        samples = []
        while time.time() - start < seconds:
            samples.append((time.time(), cpu_seconds(process.pid), rss_kib(process.pid)))
            time.sleep(1)
        if process.poll() is not None:
            sys.exit(f"poll-load: Postillon ({label}) exited early; see {log.name}")
        return start, samples
    finally:
        stop(process, timeout=30)


def cpu_percent(samples, since):
    window = [s for s in samples if s[0] >= since]
    return 100 * (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])


def main():
    parser = argparse.ArgumentParser()
    for name in ("bin", "env", "work"):
        parser.add_argument("--" + name, required=True)
    for name in ("port", "mailboxes", "interval", "duration", "baseline"):
        parser.add_argument("--" + name, type=int, required=True)
    args = parser.parse_args()
    env = read_env(args.env)
    names = add_users(env, args.mailboxes)
    print(f"poll-load: {args.mailboxes} mailboxes (3 messages each) on Dovecot 127.0.0.1:{env['POP3_PORT']}, "
          f"interval {args.interval} s, watched {args.duration} s, baseline {args.baseline} s; {args.bin}")

    accounts = os.path.join(args.work, "accounts.json")
    accounts_file(accounts, env, names, watch=False)
    _, idle = run(args, env, os.path.join(args.work, "idle.db"), accounts, args.baseline, "baseline")
    accounts_file(accounts, env, names, watch=True)
    log_offset = os.path.getsize(env["DOVECOT_LOG"])
    start, watched = run(args, env, os.path.join(args.work, "watched.db"), accounts, args.duration, "watched")

    # Logins per second from Dovecot's log (1 s resolution), over the steady window.
    logins = collections.Counter()
    seconds_by_user = collections.defaultdict(list)
    year = time.gmtime(start).tm_year
    pattern = re.compile(r"^(\w{3} \d{2} \d{2}:\d{2}:\d{2}) pop3-login: Info: Login: user=<(watch\d+)>")
    with open(env["DOVECOT_LOG"]) as log:
        log.seek(log_offset)
        for line in log:
            match = pattern.match(line)
            if not match:
                continue
            second = int(time.mktime(time.strptime(f"{year} {match.group(1)}", "%Y %b %d %H:%M:%S")))
            logins[second] += 1
            seconds_by_user[match.group(2)].append(second)
    steady_from = int(start) + args.interval
    steady = [logins.get(second, 0) for second in range(steady_from, int(start + args.duration) - 1)]
    total = sum(logins.values())
    expected = args.mailboxes / args.interval
    print(f"logins: {total} in {args.duration} s; steady window ({len(steady)} s after the first interval): "
          f"mean {statistics.mean(steady):.1f}/s (ideal {expected:.1f}), p50 {statistics.median(steady):.0f}, "
          f"max {max(steady)}, min {min(steady)}, stdev {statistics.pstdev(steady):.1f}; "
          f"busiest second of the first interval {max([logins.get(s, 0) for s in range(int(start), steady_from)] or [0])}")
    gaps = sorted(b - a for polls in seconds_by_user.values() for a, b in zip(sorted(polls), sorted(polls)[1:]))
    print(f"mailboxes polled: {len(seconds_by_user)} of {args.mailboxes}; seconds between two polls of one mailbox: "
          f"min {gaps[0]}, p50 {gaps[len(gaps) // 2]}, max {gaps[-1]} (interval {args.interval} s ± 10 % jitter)")
    idle_cpu, watched_cpu = cpu_percent(idle, idle[0][0] + min(5, args.baseline / 3)), cpu_percent(watched, steady_from)
    idle_rss, watched_rss = idle[-1][2], max(s[2] for s in watched)
    print(f"CPU: baseline (not watched) {idle_cpu:.2f} % of one core, watched (steady) {watched_cpu:.2f} % "
          f"(+{watched_cpu - idle_cpu:.2f} points)")
    print(f"RSS: baseline {idle_rss / 1024:.1f} MiB, watched max {watched_rss / 1024:.1f} MiB "
          f"(ratio {watched_rss / max(idle_rss, 1):.2f})")


if __name__ == "__main__":
    main()
