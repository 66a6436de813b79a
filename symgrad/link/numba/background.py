"""One background thread that compiles numba functions while the Python VM answers calls.

numba's compiler holds a process-wide lock, so one worker is enough; LLVM's work runs without
the GIL. At exit we wait for the job in progress (never the queue), because tearing LLVM down
under a running compile can crash the interpreter on its way out.
"""
from __future__ import annotations

import atexit
import queue
import threading

_jobs: queue.Queue = queue.Queue()
_state = {"thread": None, "stopping": False, "busy": threading.Lock()}


def _worker() -> None:
    while True:
        job = _jobs.get()
        with _state["busy"]:
            if _state["stopping"]:
                return
            job()


def submit(job) -> None:
    """Run `job()` on the compile thread (started on first use)."""
    if _state["thread"] is None:
        thread = threading.Thread(target=_worker, name="symgrad-numba-compile", daemon=True)
        _state["thread"] = thread
        thread.start()
    _jobs.put(job)


def wait_idle(timeout: float | None = None) -> None:
    """Block until every submitted job has run (for tests and benchmarks that want numba)."""
    done = threading.Event()
    submit(done.set)
    done.wait(timeout)


@atexit.register
def _stop() -> None:
    _state["stopping"] = True
    _jobs.put(lambda: None)
    if _state["busy"].acquire(timeout=60):
        _state["busy"].release()
