"""A killed test run must not leave its PostgreSQL server running: the next run stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pg_cluster import Cluster, find_bin_dir

TESTS = Path(__file__).resolve().parent


def _postmaster_running(folder: Path) -> bool:
    pid_file = folder / "data" / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().splitlines()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_runs_cluster_is_stopped_by_the_next_start() -> None:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must run the PostgreSQL tests, but PostgreSQL is not installed")
        pytest.skip("PostgreSQL is not installed")
    # A run that starts a cluster, says where, then is killed before it can stop it.
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(TESTS)!r})
        from pathlib import Path
        from pg_cluster import Cluster
        c = Cluster(Path({str(bin_dir)!r})).start()
        print(c.folder, flush=True)
        time.sleep(600)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    orphan = Path(proc.stdout.readline().strip())
    try:
        assert _postmaster_running(orphan)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert _postmaster_running(orphan), "the cluster should outlive its killed owner"
        cluster = Cluster(bin_dir).start()
        try:
            assert not orphan.exists()
        finally:
            cluster.stop()
    finally:
        if proc.poll() is None:
            proc.kill()
        if orphan.exists():
            Cluster(bin_dir).stop_orphans()
    assert not orphan.exists()
