"""Jinja2 templates with block (fragment) rendering for htmx requests."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2_fragments.fastapi import Jinja2Blocks

from server.config import ROOT
from server.security import CSRF_FIELD, csrf_token

templates = Jinja2Blocks(directory=str(ROOT / "web" / "templates"))
templates.env.globals["csrf_field_name"] = CSRF_FIELD


def _home_path(viewer: Any) -> str:
    from server.accounts.routes import home_path  # the routes import this module

    return home_path(viewer)


templates.env.globals["home_path"] = _home_path


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page, or only `block` of it when htmx asked for a fragment."""
    ctx = {"request": request, "csrf_token": csrf_token(request), **(context or {})}
    ctx.setdefault("viewer", getattr(request.state, "viewer", None))
    kwargs: dict[str, Any] = {}
    if block is not None and is_htmx(request):
        kwargs["block_name"] = block
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code, **kwargs)
    # The body depends on HX-Request, so caches (and the service worker) must key on it.
    response.headers["Vary"] = "HX-Request, Cookie"
    return response  # type: ignore[return-value]
