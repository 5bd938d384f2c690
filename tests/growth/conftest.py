"""Every growth test starts with no cached growth fit or summary and nothing queued."""

from collections.abc import Iterator

import pytest

from server.growth import service


@pytest.fixture(autouse=True)
def _no_cached_fits() -> Iterator[None]:
    service.clear_fits()
    service.clear_summaries()
    yield
    service.clear_fits()
    service.clear_summaries()
