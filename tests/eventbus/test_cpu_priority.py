"""The worker's CPU priority: real `manage.py outbox work` processes, read back from the OS."""

import os

import pytest

from hotel.eventbus.cpu_priority import cpu_priority_apply
from hotel.eventbus.models import Delivery
from hotel.eventbus.testing import wait_until
from tests.eventbus.helpers import publish_pings
from tests.outbox_probe.events import HANDLERS
from tests.outbox_probe.models import Effect
from tests.processes import start_worker, stop

linux_only = pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="needs SCHED_IDLE")


@linux_only
@pytest.mark.django_db(transaction=True)
def test_an_idle_priority_worker_runs_under_sched_idle_and_still_drains_the_outbox():
    publish_pings("idle", 3)
    worker = start_worker("--cpu-priority", "idle")
    try:
        wait_until(lambda: os.sched_getscheduler(worker.pid) == os.SCHED_IDLE, timeout=30)
        wait_until(lambda: not Delivery.objects.exclude(state="done").exists(), timeout=30)
        effects = Effect.objects.filter(aggregate="idle", pid=worker.pid)
        assert sorted(effects.values_list("handler", "n")) == sorted(
            (handler, n) for handler in HANDLERS for n in range(3)
        )
    finally:
        output = stop(worker)
    assert "CPU priority: idle" in output


@linux_only
@pytest.mark.django_db(transaction=True)
def test_the_setting_gives_a_low_priority_worker_nice_19():
    worker = start_worker(extra_env={"OUTBOX_CPU_PRIORITY": "low"})
    try:
        wait_until(lambda: os.getpriority(os.PRIO_PROCESS, worker.pid) == 19, timeout=30)
        assert os.sched_getscheduler(worker.pid) == os.SCHED_OTHER
    finally:
        stop(worker)


def test_a_normal_priority_changes_nothing_and_an_unknown_one_is_refused():
    before = os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0)
    assert cpu_priority_apply("normal") == "normal"
    assert (os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0)) == before
    with pytest.raises(ValueError, match="normal, low, idle"):
        cpu_priority_apply("realtime")
