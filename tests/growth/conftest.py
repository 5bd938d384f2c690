"""Every growth test starts with no cached growth fit and nothing queued."""

from collections.abc import Iterator

import pytest

from server.growth import service


@pytest.fixture(autouse=True)
def _no_cached_fits() -> Iterator[None]:
    service.clear_fits()
    yield
    service.clear_fits()
