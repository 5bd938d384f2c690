"""Fuzz every route of the app with schemathesis, signed in as each demo role and as nobody.

Serves the app (uvicorn, loopback) on a fresh SQLite database with the whole demo district,
then, per role, has schemathesis generate requests from the app's own OpenAPI document: valid
ones (positive) and ones that break the schema (negative), paths, queries, forms and JSON.
Forms carry the session's CSRF token and the API its same-origin headers, so requests reach
the handlers instead of stopping at the CSRF check. Sign-out is left out (it would end the
session the rest of the run uses).

    .venv/bin/python bench/fuzz.py [--examples 10] [--postgres SERVER_URL]

Prints the responses per role and status class, each 5xx with its request, and as its last
line `server_errors: N`. Not a test: it takes minutes and its requests are random.
"""

import argparse
import contextlib
import re
import socket
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from pathlib import Path

import hypothesis
import hypothesis.errors
import requests
import schemathesis
import uvicorn
from district import fresh_postgres
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from sqlmodel import Session

from server import migrate
from server.config import Settings
from server.db import make_engine
from server.demo import load_demo_district
from server.growth import service as growth_service
from server.main import create_app
from server.roster import demo

LEFT_OUT = {("POST", "/logout")}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
ROLES = {
    "anonymous": None,
    "district admin": f"admin@{demo.DEMO_DOMAIN}",
    "principal": f"grace.kim@{demo.DEMO_DOMAIN}",
    "small-school principal": f"henry.walsh@{demo.DEMO_DOMAIN}",
    "coach": f"maria.lopez@{demo.DEMO_DOMAIN}",
    "teacher": f"ana.torres@{demo.DEMO_DOMAIN}",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(settings: Settings) -> tuple[str, uvicorn.Server, threading.Thread]:
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="critical")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(base + "/healthz", timeout=1)
            return base, server, thread
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start")


def signed_in(base: str, email: str | None) -> tuple[requests.Session, dict[str, str]]:
    """A browser session (signed in unless email is None) and the headers its requests need."""
    browser = requests.Session()
    page = browser.get(base + "/login", timeout=10).text
    token = CSRF_RE.search(page)
    assert token is not None
    if email is not None:
        answer = browser.post(
            base + "/login",
            data={"email": email, "password": demo.DEMO_PASSWORD, "csrf_token": token.group(1)},
            allow_redirects=False, timeout=10,
        )  # fmt: skip
        assert answer.status_code == 303, (email, answer.status_code)
        page = browser.get(base + "/account", timeout=10).text
        token = CSRF_RE.search(page)
        assert token is not None
    headers = {"X-CSRF-Token": token.group(1), "X-Cadence-Sync": "1", "Origin": base}
    return browser, headers


def fuzz_role(
    schema: schemathesis.BaseSchema,
    base: str,
    role: str,
    email: str | None,
    examples: int,
    statuses: Counter[str],
    errors: list[str],
) -> None:
    browser, headers = signed_in(base, email)
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in LEFT_OUT:
            continue
        for mode in GenerationMode:
            strategy = operation.as_strategy(generation_mode=mode)

            # A seed per role, operation and mode: a rerun sends the same requests.
            @hypothesis.seed(zlib.crc32(f"{role} {operation.label} {mode.value}".encode()))
            @hypothesis.settings(
                max_examples=examples, deadline=None, database=None, derandomize=False,
                phases=[Phase.generate], suppress_health_check=list(HealthCheck),
            )  # fmt: skip
            @hypothesis.given(case=strategy)
            def send(case: schemathesis.Case) -> None:
                try:
                    response = case.call(
                        base_url=base, session=browser, headers=headers, timeout=30,
                        allow_redirects=False,
                    )  # fmt: skip
                except requests.RequestException as exc:
                    statuses[f"{role}: no answer"] += 1
                    errors.append(f"{role} {case.method} {case.formatted_path}: {exc}")
                    return
                statuses[f"{role}: {response.status_code // 100}xx"] += 1
                if response.status_code >= 500:
                    errors.append(
                        f"{role} {case.method} {case.formatted_path} query={case.query} "
                        f"body={str(case.body)[:200]} -> {response.status_code}"
                    )

            # Unsatisfiable: nothing of this operation can break its schema (no parameters).
            with contextlib.suppress(hypothesis.errors.Unsatisfiable):
                send()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=10, help="per operation, mode and role")
    parser.add_argument(
        "--postgres", help="a PostgreSQL server URL: a fresh database on it instead of SQLite"
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cadence-fuzz-"))
    if args.postgres:
        with fresh_postgres(args.postgres) as url:
            server_errors = fuzz(url, tmp, args.examples)
    else:
        server_errors = fuzz(f"sqlite:///{tmp / 'fuzz.db'}", tmp, args.examples)
    sys.exit(1 if server_errors else 0)


def fuzz(url: str, tmp: Path, examples: int) -> int:
    """Load the demo district into the database at `url`, serve it, fuzz as every role."""
    migrate.upgrade(url)
    settings = Settings(
        environment="test", database_url=url, secret_key="f" * 8 + "uzz-secret-key-0123456789abcdef",
        var_dir=tmp, argon2_time_cost=1, argon2_memory_kib=64,
        # The fuzzer signs in once per role; a generous throttle keeps those sign-ins open.
        login_max_failures=10_000, login_max_failures_per_address=10_000,
    )  # fmt: skip
    engine = make_engine(url)
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        load_demo_district(session=session, settings=settings)
    print(f"demo district loaded in {time.perf_counter() - started:.0f} s", flush=True)
    base, server, thread = serve(settings)
    schema = schemathesis.openapi.from_dict(create_app(settings).openapi())
    statuses: Counter[str] = Counter()
    errors: list[str] = []
    for role, email in ROLES.items():
        started = time.perf_counter()
        fuzz_role(schema, base, role, email, examples, statuses, errors)
        sent = sum(n for key, n in statuses.items() if key.startswith(role + ":"))
        print(f"{role}: {sent} requests in {time.perf_counter() - started:.0f} s", flush=True)
    server.should_exit = True
    thread.join(timeout=60)  # the app's lifespan ends: its engine lets go of the database
    growth_service.stop_worker()  # and the growth worker no longer watches it
    engine.dispose()
    for key in sorted(statuses):
        print(f"  {key}: {statuses[key]}")
    for line in errors[:50]:
        print("5xx:", line)
    print(f"requests: {sum(statuses.values())}")
    print(f"server_errors: {len(errors)}")
    return len(errors)


if __name__ == "__main__":
    main()
