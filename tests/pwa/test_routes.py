"""The installable app's files: the service worker (root scope, stamped with the asset
version), the manifest and its icons, the offline page (no personal data) and the shell of
the coach's app (coaches only, the same for every coach screen)."""

import json
import re
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from server.accounts.models import Role
from server.config import ROOT, Settings
from server.pwa import service
from tests.conftest import login
from tests.factories import PASSWORD, create_district, create_school, create_user


def test_service_worker_is_served_at_the_root_scope_stamped_with_the_asset_version(
    client: TestClient,
) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["cache-control"] == "no-cache"
    version = client.app.state.asset_version  # type: ignore[attr-defined]
    assert f'const VERSION = "{version}";' in response.text
    assert service.VERSION_MARK not in response.text


def test_every_precached_file_exists(client: TestClient) -> None:
    source = client.get("/sw.js").text
    block = source.split("const PRECACHE = [", 1)[1].split("];", 1)[0]
    urls = re.findall(r'"([^"]+)"', block)
    assert "/offline" in urls and "/static/css/app.css" in urls
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_asset_version_changes_when_a_static_file_changes(tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("one")
    first = service.asset_version(static_dir=tmp_path)
    assert service.asset_version(static_dir=tmp_path) == first
    (tmp_path / "js" / "a.js").write_text("two")
    assert service.asset_version(static_dir=tmp_path) != first
    (tmp_path / "b.css").write_text("")
    assert len(service.asset_version(static_dir=tmp_path)) == 12


def test_manifest_makes_an_installable_standalone_app(client: TestClient) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.text)
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["theme_color"].startswith("#")
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert (ROOT / "web" / icon["src"].lstrip("/")).exists(), icon["src"]


def test_pages_link_the_manifest_and_load_the_offline_scripts(client: TestClient) -> None:
    html = client.get("/login").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    for script in ("store.js", "sync.js", "app.js"):
        assert f'src="/static/js/{script}"' in html


def test_offline_page_needs_no_login_and_shows_nobody(
    client: TestClient, session: Session, settings: Settings
) -> None:
    school = create_school(session, create_district(session))
    coach = create_user(session, settings, role=Role.coach, school=school, name="Maria Lopez")
    session.commit()
    login(client, coach.email, PASSWORD)
    html = client.get("/offline").text
    assert "You are offline" in html
    assert "Maria Lopez" not in html  # it is kept on the tablet for anyone
    assert "data-user-id" not in html


@pytest.mark.parametrize(
    "path",
    ["/week", "/caseload", "/review", "/observe", f"/observe/{uuid.uuid4()}", "/teachers/1",
     "/teachers/1/observations/new", "/week?cycle=x"],
)  # fmt: skip
def test_every_coach_screen_is_the_one_shell(
    client: TestClient, session: Session, settings: Settings, path: str
) -> None:
    school = create_school(session, create_district(session))
    coach = create_user(session, settings, role=Role.coach, school=school)
    session.commit()
    login(client, coach.email, PASSWORD)
    response = client.get(path)
    assert response.status_code == 200
    assert f'data-user-id="{coach.id}"' in response.text
    assert 'src="/static/js/coach.js"' in response.text
    # The shell is the same for every screen (so the worker keeps one copy): nothing in it
    # depends on the address.
    body = response.text.split('<div id="app"', 1)[1]
    assert body == client.get("/week").text.split('<div id="app"', 1)[1]
    assert "Cadence needs JavaScript here" in body


def test_pages_tell_the_scripts_who_is_signed_in_and_their_home(
    client: TestClient, session: Session, settings: Settings
) -> None:
    school = create_school(session, create_district(session))
    principal = create_user(session, settings, role=Role.principal, school=school)
    session.commit()
    login(client, principal.email, PASSWORD)
    html = client.get("/school", follow_redirects=True).text
    assert f'data-user-id="{principal.id}"' in html
    assert 'data-home="/school"' in html
