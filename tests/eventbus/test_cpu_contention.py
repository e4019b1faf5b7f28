"""An idle-priority worker pauses while the CPUs are contended (Linux PSI), within a bound."""

import time
from pathlib import Path

import pytest

from hotel.eventbus.cpu_contention import (
    LOOK_AGAIN_SECONDS,
    PRESSURE_FILES,
    CpuContention,
    PauseWhileContended,
    stalled_seconds,
)
from hotel.eventbus.models import Delivery
from hotel.eventbus.worker import OutboxWorker
from tests.eventbus.helpers import publish_pings
from tests.outbox_probe.events import HANDLERS
from tests.outbox_probe.models import Effect

PSI_HERE = next((path for path in PRESSURE_FILES if path.exists()), None)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class PressureFile:
    """A PSI file as the kernel writes it, with a stall total the test moves on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.total_us = 5_000_000
        self.write()

    def stall(self, seconds: float) -> None:
        self.total_us += int(seconds * 1e6)
        self.write()

    def write(self) -> None:
        self.path.write_text(
            f"some avg10=12.50 avg60=3.10 avg300=0.90 total={self.total_us}\n"
            "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
        )


@pytest.fixture
def pressure(tmp_path):
    return PressureFile(tmp_path / "cpu.pressure")


def test_the_share_is_the_stall_time_over_the_wall_time_between_two_looks(pressure):
    clock = Clock()
    contention = CpuContention(pressure.path, clock=clock)

    assert contention.share_since_last_look() is None  # nothing to compare with yet
    clock.now += 0.5
    pressure.stall(0.2)
    assert contention.share_since_last_look() == pytest.approx(0.4)
    clock.now += 2.0
    assert contention.share_since_last_look() == 0.0
    clock.now += 1.0
    pressure.stall(3.0)  # several tasks waited at once: the share is capped
    assert contention.share_since_last_look() == 1.0


def test_a_contended_machine_pauses_the_worker_for_at_most_the_bound_then_lets_a_batch_through(
    pressure,
):
    clock = Clock()
    pause = PauseWhileContended(
        contention=CpuContention(pressure.path, clock=clock),
        threshold=0.3,
        max_seconds=2.0,
    )
    assert pause.should_pause() is False  # first look: no figure yet

    decisions = []
    for _ in range(10):
        clock.now += 0.5
        pressure.stall(0.4)  # 80 % contended
        decisions.append(pause.should_pause())
    # Paused for 2 s (looks at 0, 0.5, 1.0, 1.5 s), one batch, and again.
    assert decisions == [True, True, True, True, False, True, True, True, True, False]

    clock.now += 0.5
    pressure.stall(0.1)  # 20 %: below the threshold, no pause
    assert pause.should_pause() is False


def test_without_pressure_figures_nothing_pauses(tmp_path, settings):
    assert CpuContention(None).share_since_last_look() is None
    with pytest.raises(FileNotFoundError):
        stalled_seconds(tmp_path / "missing")
    # A file that goes away (or never was) gives no figure, so no pause, and no crash.
    vanished = CpuContention(tmp_path / "missing")
    assert [vanished.share_since_last_look() for _ in range(2)] == [None, None]

    settings.OUTBOX = {**settings.OUTBOX, "YIELD_CPU_PRESSURE": 0.0}
    assert PauseWhileContended.for_priority("idle") is None  # turned off
    settings.OUTBOX = {**settings.OUTBOX, "YIELD_CPU_PRESSURE": 0.3}
    assert PauseWhileContended.for_priority("normal") is None
    assert PauseWhileContended.for_priority("low") is None


@pytest.mark.skipif(PSI_HERE is None, reason="this kernel gives no CPU pressure figures")
def test_an_idle_worker_here_reads_this_machines_pressure(settings):
    settings.OUTBOX = {**settings.OUTBOX, "YIELD_CPU_PRESSURE": 0.3, "YIELD_MAX_SECONDS": 2.0}
    pause = PauseWhileContended.for_priority("idle")

    assert pause is not None
    assert pause.contention.path == PSI_HERE
    assert stalled_seconds(PSI_HERE) >= 0
    assert "PSI" in pause.describe()


@pytest.mark.django_db(transaction=True)
def test_a_pausing_worker_still_handles_a_batch_per_bound_and_drains_the_outbox(pressure):
    publish_pings("contended", 3)
    # Threshold 0: every look counts as contended; the bound is what lets batches through.
    pause = PauseWhileContended(
        contention=CpuContention(pressure.path), threshold=0.0, max_seconds=0.3
    )
    worker = OutboxWorker(batch_size=len(HANDLERS), pause=pause)  # one event per batch

    started = time.monotonic()
    worker.run(until_idle=True)
    elapsed = time.monotonic() - started

    assert not Delivery.objects.exclude(state="done").exists()
    assert Effect.objects.filter(aggregate="contended").count() == 3 * len(HANDLERS)
    # Three batches and the final empty claim, with a pause before each after the first.
    assert elapsed >= 3 * LOOK_AGAIN_SECONDS
