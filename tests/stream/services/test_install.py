"""``make test``'s install step (unit tests of its own logic; the real apt-get
runs on a fresh machine): it says what it needs first, starts no service, and
disables only the units of the packages it installed."""

from __future__ import annotations

import subprocess

from stream.services import install


def test_installing_starts_nothing_and_disables_only_its_own_units(monkeypatch, tmp_path):
    gate = tmp_path / "policy-rc.d"
    monkeypatch.setattr(install, "NO_START", gate)
    calls = []

    def run(command, **_kwargs):
        calls.append((command, gate.exists()))
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(install.subprocess, "run", run)
    monkeypatch.setattr(install.shutil, "which", lambda name: f"/usr/bin/{name}")
    install._apt_install(["prometheus", "chromium"])
    apt = [gated for command, gated in calls if command[0] == "apt-get"]
    assert apt == [True, True] and not gate.exists()  # services blocked while installing
    units = [command for command, _ in calls if command[0] == "systemctl"]
    assert units == [
        ["systemctl", "disable", "prometheus.service"],
        ["systemctl", "stop", "prometheus.service"],
    ]


def test_the_plan_is_printed_before_anything_is_installed(monkeypatch, capsys):
    monkeypatch.setattr(install.Need, "present", lambda self: self.what != "chromium")
    monkeypatch.setattr(install.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(install, "kafka_jars", lambda: "jars")
    try:
        install.main()
    except SystemExit as exc:
        assert "chromium" in str(exc) and "root" in str(exc)
    else:
        raise AssertionError("a non-root run with a missing package must stop")
    plan = capsys.readouterr().out
    assert "missing: apt-get install chromium" in plan and "render the HTML report" in plan
