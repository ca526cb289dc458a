"""What the benchmarks of Paddle, PyTorch and the CPU peers share: timing the steps and
reading the process's peak memory, measured the same way on every side."""

import time


def run_for(step, seconds):
    """Runs step() until `seconds` have passed (at least once); returns (runs, elapsed)."""
    done = 0
    t0 = time.perf_counter()
    while True:
        step()
        done += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return done, elapsed


def time_steps(step, warmup, steps, seconds, batch):
    """Runs step() warmup times untimed, then at least `steps` times and `seconds` seconds;
    returns the result fields (step() returns the loss)."""
    first = loss = None
    for _ in range(warmup):
        loss = step()
        first = loss if first is None else first
    done = 0
    t0 = time.perf_counter()
    while True:
        loss = step()
        first = loss if first is None else first
        done += 1
        elapsed = time.perf_counter() - t0
        if done >= steps and elapsed >= seconds:
            break
    return {
        "steps": done,
        "seconds": round(elapsed, 3),
        "images_per_sec": round(done * batch / elapsed, 3),
        "ms_per_step": round(1000.0 * elapsed / done, 3),
        "first_loss": first,
        "last_loss": loss,
    }


def peak_rss_mib():
    """The process's peak resident set (VmHWM), in MiB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024.0, 3)
    raise SystemExit("no VmHWM in /proc/self/status")
