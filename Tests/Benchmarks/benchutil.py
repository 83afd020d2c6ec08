"""Helpers the memory benchmarks in this folder share (stdlib only)."""


def read_env(path):
    """The KEY=VALUE lines of a Deploy/mailservers.sh env file, as a dict."""
    env = {}
    for line in open(path):
        if "=" in line:
            key, value = line.rstrip("\n").split("=", 1)
            env[key] = value
    return env


def rss_kib(pid):
    """The process's resident set (VmRSS) in KiB; 0 once it is gone."""
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def stop(process, timeout=10):
    """Stops a server started with subprocess: SIGTERM, then SIGKILL after `timeout` seconds."""
    import signal
    import subprocess
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
