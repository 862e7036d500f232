"""Where the CPU goes: CPU time by kind of process of this run (from /proc), per request,
and what sign_vs_floor's target leaves a signature.

Only this run's own processes count, so that another run or a test suite on the same machine
does not show up in this one's figures: its PostgreSQL backends (their command line names the
run's database), its Redis (its port), and the gunicorn and Celery processes started with its
environment (their DATABASE_URL names the run's database). PostgreSQL's shared processes (the
WAL writer, the checkpointer) are left out for the same reason."""

import os
import resource
import statistics

from bench import environment
from bench.report import TARGETS

GROUPS = {
    "web (gunicorn)": "gunicorn",
    "postgres": "postgres",
    "celery": "celery",
    "redis": "redis-server",
}


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by each kind of process on this machine (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals = dict.fromkeys(GROUPS, 0.0)
    # wrk has exited by the time it is read, so its time is in this process's waited children.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    totals["wrk"] = children.ru_utime + children.ru_stime
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as file:
                command = file.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        for group, needle in GROUPS.items():
            if needle in command:
                if _ours(entry, needle, command):
                    totals[group] += (int(fields[11]) + int(fields[12])) / ticks
                break
    return totals


def _ours(pid: str, kind: str, command: str) -> bool:
    if kind == "postgres":
        return environment.DB_NAME in command
    if kind == "redis-server":
        return f":{environment.REDIS.port}" in command
    try:
        with open(f"/proc/{pid}/environ", "rb") as file:
            return environment.DB_NAME.encode() in file.read()
    except OSError:
        return False


def cpu_budget(rounds: list[dict]) -> dict:
    """The median CPU per request by process over the rounds, and what sign_vs_floor's
    target leaves a signature: if both are bound by CPU, floor CPU ÷ target."""
    per_request = {
        kind: {
            group: statistics.median(round_[kind][group] for round_ in rounds)
            for group in rounds[0][kind]
        }
        for kind in rounds[0]
    }
    floor_total = sum(per_request["floor"].values())
    extra = {}
    if "insert" in per_request:
        extra["cpu_ms_insert"] = round(sum(per_request["insert"].values()), 3)
        extra["cpu_ms_sign_web_above_insert"] = round(
            per_request["sign"]["web (gunicorn)"] - per_request["insert"]["web (gunicorn)"], 3
        )
    return {
        **extra,
        "cpu_ms_per_request": per_request,
        "cpu_ms_floor": round(floor_total, 3),
        "cpu_ms_sign": round(sum(per_request["sign"].values()), 3),
        "cpu_ms_sign_budget": round(floor_total / TARGETS["sign_vs_floor"][1], 3),
        "cpu_ms_sign_web_above_floor": round(
            per_request["sign"]["web (gunicorn)"] - per_request["floor"]["web (gunicorn)"], 3
        ),
    }


def cpu_per_request(before: dict, after: dict, requests: int) -> dict[str, float]:
    return {
        group: round((after[group] - before[group]) / requests * 1000, 3)
        for group in before
        if requests
    }
