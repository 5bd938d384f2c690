"""Every growth test starts with no cached growth fit or summary and nothing queued."""

from collections.abc import Iterator

import pytest

from server.growth import service, worker


@pytest.fixture(autouse=True)
def _no_cached_fits() -> Iterator[None]:
    service.clear_fits()
    service.clear_summaries()
    yield
    service.clear_fits()
    service.clear_summaries()


@pytest.fixture(autouse=True)
def _worker_paused(request: pytest.FixtureRequest) -> Iterator[None]:
    """The worker thread is the process's: another test's live server may have it running.
    Paused, it leaves the queue to the test (`worker.run_now`), so what a page shows before
    the worker catches up is the test's to see; tests marked live_worker let it run."""
    if request.node.get_closest_marker("live_worker"):
        yield
        return
    with worker.paused():
        yield
