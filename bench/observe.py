"""Benchmark (not a test): server time to render the scoring page and to autosave one score.

Runs the ASGI app in-process (httpx + ASGITransport, no network) on a fresh SQLite database
with the demo roster. Prints median and p95 in milliseconds for:
  - GET /healthz                      the trivial baseline, measured in the same run
  - GET /observations/{id}            the scoring page of the largest shipped rubric
  - POST /observations/{id}/scores    one autosaved score tap, as htmx sends it
and each one's ratio to the baseline's median.

    .venv/bin/python bench/observe.py [--requests 300]
"""

import argparse
import asyncio
import re
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
from harness import COACH, demo_database

from server.main import create_app
from server.roster import demo


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _time(n: int, call: Callable[[int], Awaitable[httpx.Response]]) -> list[float]:
    for i in range(5):  # warm up caches and connections
        (await call(i)).raise_for_status()
    samples = []
    for i in range(n):
        start = time.perf_counter()
        response = await call(i)
        samples.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return samples


async def run(requests: int) -> None:
    bench = demo_database()
    settings, largest, rubric = bench.settings, bench.largest, bench.rubric
    ids = (largest.id, bench.teacher_id)
    bench.engine.dispose()

    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        page = await client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        login = {"email": COACH, "password": demo.DEMO_PASSWORD, "csrf_token": token}
        signed_in = await client.post("/login", data=login)
        assert signed_in.status_code == 303, signed_in.text[:500]
        observation_id = uuid.uuid4()
        new = {
            "csrf_token": token, "observation_id": str(observation_id), "grade": "4",
            "observed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"),
            "rubric_version_ids": str(ids[0]), "course_unit": "Fractions",
        }  # fmt: skip
        created = await client.post(f"/teachers/{ids[1]}/observations/new", data=new)
        assert created.status_code in (200, 303), created.text[:500]
        path = f"/observations/{observation_id}"
        units = bench.units
        scale = rubric.scale_for(rubric.dimensions[0]).values
        headers = {"HX-Request": "true", "x-csrf-token": token}

        def score(i: int) -> Awaitable[httpx.Response]:
            dim, item = units[i % len(units)]
            form = {"rubric_version_id": str(ids[0]), "dimension_id": dim, "item_id": item,
                    "value": str(scale[i % len(scale)])}  # fmt: skip
            return client.post(f"{path}/scores", data=form, headers=headers)

        baseline = await _time(requests, lambda _i: client.get("/healthz"))
        render = await _time(requests, lambda _i: client.get(path))
        autosave = await _time(requests, score)

    base = statistics.median(baseline)
    print(f"rubric: {largest.rubric_id} {largest.version} ({len(units)} scored units)")
    print(f"requests each: {requests}")
    for name, samples in (("trivial GET /healthz", baseline), ("render scoring page", render),
                          ("autosave one score", autosave)):  # fmt: skip
        median, p95 = statistics.median(samples), _percentile(samples, 0.95)
        print(f"{name:24s} median {median:7.2f} ms  p95 {p95:7.2f} ms  ratio {median / base:6.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=300)
    asyncio.run(run(parser.parse_args().requests))


if __name__ == "__main__":
    main()
