"""Where a signature's time goes in gunicorn, under the bench's own load: py-spy samples the
web workers while wrk signs, and the stacks are summed by function.

    pip install py-spy          # from PyPI, into any environment: it is one binary
    python -m bench.profile [--seconds 10] [--py-spy PATH] [--output stacks.txt]

It starts the same private stack as `make bench` (bench/stack.py), signs one campaign for
the given time, and prints each function's share of the workers' samples (inclusive: with
what it calls), project code first. The raw stacks go to --output for a flame graph. With
--gil, only samples of threads holding the GIL: where the workers' Python CPU goes.
"""

import argparse
import shutil
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

from bench import data, load

# Importing bench.environment (through the modules above, too) configures Django for this run.
from bench.environment import TMP
from bench.report import log
from bench.stack import Services

PROJECT = ("api/", "signatures/", "campaigns/", "core/", "config/", "tallies/", "bench/")


def _gunicorn_master(services: Services) -> int:
    """This run's gunicorn master: the gunicorn process bound to this run's port whose
    parent is not a gunicorn (honcho starts it in a session of its own)."""
    bind = f"GUNICORN_BIND=127.0.0.1:{services.web_port}".encode()
    ours = {}
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes()
            if not entry.name.isdigit() or b"gunicorn" not in command:
                continue
            if bind in (entry / "environ").read_bytes().split(b"\0"):
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                ours[int(entry.name)] = int(stat[1])
        except OSError:
            continue
    for pid, parent in ours.items():
        if parent not in ours:
            return pid
    raise RuntimeError(f"no gunicorn master among {sorted(ours)}")


def summarise(stacks: Path, top: int = 40) -> str:
    """Inclusive samples per function (a function counted once per sample)."""
    inclusive: Counter = Counter()
    total = 0
    for line in stacks.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        seen = set()
        for frame in frames.split(";"):
            name = frame.split(" (")[0] + " (" + frame.split(" (")[-1].split(":")[0] + ")"
            if name not in seen:
                seen.add(name)
                inclusive[name] += int(count)
    lines = [f"{total} samples of the web workers"]
    project = [(n, c) for n, c in inclusive.most_common() if any(p in n for p in PROJECT)]
    for title, rows in (("project code", project[:top]), ("all", inclusive.most_common(top))):
        lines.append(f"\n{title}:")
        lines += [f"{100 * c / total:6.1f}%  {n}" for n, c in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy")
    parser.add_argument(
        "--gil", action="store_true", help="only samples holding the GIL: Python's own CPU"
    )
    parser.add_argument("--output", default=str(TMP / "profile-stacks.txt"))
    arguments = parser.parse_args()
    services = Services()
    services.start()
    try:
        data.make_campaign("bench-sign")
        data.make_campaign(load.INSERT_SLUG)
        services.start_stack()
        load.warm_up(services)
        signing = threading.Thread(
            target=load.wrk,
            args=(services.url, "sign.lua", arguments.seconds + 2, 32, "bench-sign", "prof"),
        )
        signing.start()
        time.sleep(1)
        master = _gunicorn_master(services)
        log(f"py-spy on gunicorn {master} and its workers for {arguments.seconds:.0f} s")
        subprocess.run(
            [
                arguments.py_spy,
                "record",
                "--pid",
                str(master),
                "--subprocesses",
                "--duration",
                str(round(arguments.seconds)),
                "--rate",
                "200",
                "--format",
                "raw",
                "--output",
                arguments.output,
                "--nonblocking",
                *(["--gil"] if arguments.gil else []),
            ],
            check=True,
            capture_output=True,
        )
        signing.join()
    finally:
        services.close()
    print(summarise(Path(arguments.output)))
    print(f"\nthe stacks (py-spy's raw format, for a flame graph): {arguments.output}")


if __name__ == "__main__":
    main()
