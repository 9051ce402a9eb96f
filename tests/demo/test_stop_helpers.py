"""The demo's last resort: a helper that ignores both SIGTERMs is killed together with the
child it forked into a process group of its own (as RQ forks a job's work horse), so no job
keeps running after ``samverka demo`` says it stopped."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

from samverka.demo import commands

STUBBORN = """
import os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
if os.fork() == 0:
    os.setpgrp()  # the work horse's own group: a kill of the parent's group misses it
    while True:
        time.sleep(1)
print("ready", flush=True)
while True:
    time.sleep(1)
"""


def test_a_helper_that_will_not_stop_is_killed_with_its_work_horse(monkeypatch):
    monkeypatch.setattr(commands, "WARM_STOP_SECONDS", 0.2)
    monkeypatch.setattr(commands, "COLD_STOP_SECONDS", 0.2)
    helper = subprocess.Popen(
        [sys.executable, "-c", STUBBORN, "worker"], stdout=subprocess.PIPE, text=True
    )
    assert helper.stdout.readline().strip() == "ready"
    (horse,) = psutil.Process(helper.pid).children()
    started = time.monotonic()
    commands._stop_helpers([helper])
    assert time.monotonic() - started < 5
    horse_gone = not horse.is_running() or horse.status() == psutil.STATUS_ZOMBIE
    assert horse_gone, "the work horse outlived its worker"
    helper.stdout.close()
