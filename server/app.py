"""The ASGI app for uvicorn: `uvicorn server.app:app`."""

from server.main import create_app

app = create_app()
