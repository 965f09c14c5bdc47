"""Progress lines of the command lines (`core.console.Steps`)."""

import re
import time

from asn_platform.core.console import Steps, duration


def test_durations_read_as_people_say_them() -> None:
    assert [duration(s) for s in (4.24, 65, 3725)] == ["4.2 s", "1 min 05 s", "1 h 02 min"]


def test_off_a_terminal_each_step_is_one_line_with_its_time_and_the_count() -> None:
    lines: list[str] = []
    steps = Steps("generate", 2, out=lines.append, interactive=False, every=0.01)
    steps.started("langsa")
    time.sleep(0.05)  # long enough for reminders, which only a terminal gets
    steps.finished("langsa", "written")
    steps.finished("medan", "written", seconds=75)
    assert len(lines) == 2
    assert re.fullmatch(r"    \[ +0\.[0-9] s 1/2\] generate: langsa written in 0\.[0-9] s", lines[0])
    assert lines[1].endswith(" 2/2] generate: medan written in 1 min 15 s")


def test_on_a_terminal_a_step_is_announced_and_a_long_one_reminded_until_it_ends() -> None:
    lines: list[str] = []
    steps = Steps("asn_warehouse", 3, out=lines.append, interactive=True, every=0.02)
    steps.started("dbt.run_marts")
    time.sleep(0.11)
    steps.finished("dbt.run_marts", "succeeded")
    after = len(lines)
    time.sleep(0.06)
    assert len(lines) == after  # no reminder once the step has ended
    assert lines[0].endswith("] asn_warehouse: dbt.run_marts started")
    reminders = [line for line in lines if "dbt.run_marts still running (" in line]
    assert len(reminders) >= 2
    assert re.search(r" 1/3\] asn_warehouse: dbt\.run_marts succeeded in 0\.1 s$", lines[-1])
