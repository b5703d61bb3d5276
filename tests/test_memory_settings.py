"""The allocator settings a deployed instance starts with, and the bench's reading of private memory.

The ``memory`` bench measures an instance with ``MALLOC_ARENA_MAX=2`` and
``ARROW_DEFAULT_MEMORY_POOL=system`` in its environment; these tests hold the deployment (the image,
``make run``) to the same settings, and check that the private size (USS) the bench reports counts
what a process alone holds, including a peak that has passed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from benchmarks.instance_memory import DEPLOYED_ENV, PrivatePeak, private_mb, status_mb

ROOT = Path(__file__).resolve().parents[1]


def test_the_image_and_make_run_start_instances_with_the_settings_the_bench_measures() -> None:
    assert DEPLOYED_ENV == {"MALLOC_ARENA_MAX": "2", "ARROW_DEFAULT_MEMORY_POOL": "system"}
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    env_lines = " ".join(
        m.group(0) for m in re.finditer(r"^ENV (?:.*\\\n)*.*$", dockerfile, flags=re.MULTILINE)
    )
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run_target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    memory_env = re.search(r"^MEMORY_ENV := (.*)$", makefile, flags=re.MULTILINE)
    assert memory_env is not None and "$(MEMORY_ENV)" in run_target
    for name, value in DEPLOYED_ENV.items():
        assert f"{name}={value}" in env_lines
        assert f"{name}={value}" in memory_env.group(1).split()


def test_private_size_counts_memory_the_process_alone_holds() -> None:
    before = private_mb(os.getpid())
    block = bytearray(64 * 2**20)  # zero-filled: every page written, so it is resident
    after = private_mb(os.getpid())
    assert len(block) and 56 <= after - before <= 80
    assert after <= status_mb(os.getpid(), "VmRSS") + 1


def test_the_private_peak_is_seen_after_the_memory_is_given_back() -> None:
    code = (
        "import sys, time; input(); b = bytearray(96 * 2**20); time.sleep(0.5); del b; "
        "print('freed', flush=True); time.sleep(60)"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        with PrivatePeak(child.pid) as peak:
            child.stdin.write("go\n")
            child.stdin.flush()
            assert child.stdout.readline().strip() == "freed"  # held half a second, then freed
        now = private_mb(child.pid)
        assert peak.peak - now >= 80, (peak.peak, now)
    finally:
        child.kill()
        child.wait()


def test_cached_results_have_a_ceiling_streamlit_reads() -> None:
    """The app's config sets ``server.maxCacheDataSize`` in a form Streamlit accepts (a typo there
    would leave the caches without a ceiling); the memory bench reports it beside what is cached."""
    from streamlit.byte_util import config_max_cache_data_size_to_bytes

    from benchmarks.instance_memory import cache_budget

    ceiling = config_max_cache_data_size_to_bytes(cache_budget())
    assert ceiling is not None and 64 * 2**20 <= ceiling <= 256 * 2**20
