"""The FastAPI host: login pages, the REST API under /api/v1 (docs at /api/docs), the ownership-checked media
route, and the Gradio UI mounted at /ui behind the host's own sessions.

Run with `uvicorn --factory app.web.host:create_app` (what `creative4u web` does).
"""

from __future__ import annotations

import importlib
import logging

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.routing import Route

from app.runtime import Runtime, get_runtime
from app.services import auth
from app.services.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from app.web import media, pages
from app.web.api import accounts, admin, batches, outcomes, results, runs
from app.web.api.batches import upload_request_limit
from app.web.deps import CurrentUser
from app.web.security import GuardMiddleware

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1"
STATUS = {NotFound: 404, Forbidden: 403, InvalidInput: 400, Conflict: 409}


def _session_email(rt: Runtime, token: str | None) -> str | None:
    if not token:
        return None
    with rt.db.session() as session:
        user = auth.user_for_session_token(session, token)
        return user.email if user is not None else None


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    router.include_router(batches.router)
    router.include_router(runs.router)
    router.include_router(results.router)
    router.include_router(outcomes.router)
    router.include_router(accounts.router)
    router.include_router(admin.router)
    return router


def _docs(app: FastAPI) -> None:
    """OpenAPI schema and Swagger page, both behind login (a session or an API token)."""

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi_json(_: CurrentUser) -> JSONResponse:
        if app.openapi_schema is None:
            app.openapi_schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
        return JSONResponse(app.openapi_schema)

    @app.get("/api/docs", include_in_schema=False)
    def docs(_: CurrentUser) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/api/openapi.json", title="Creative4U Studio API")


def _mount_ui(app: FastAPI, rt: Runtime) -> bool:
    """Mount the Gradio UI if app.ui provides build_ui(); the UI is optional while it is being built."""
    try:
        ui = importlib.import_module("app.ui")
    except ImportError:
        return False
    build_ui = getattr(ui, "build_ui", None)
    if build_ui is None:
        return False
    import gradio as gr

    def gradio_user(request: Request) -> str | None:
        return _session_email(rt, request.cookies.get(auth.SESSION_COOKIE))

    gr.mount_gradio_app(
        app,
        build_ui(),
        path="/ui",
        auth_dependency=gradio_user,
        max_file_size=rt.settings.max_upload_bytes,
        ssr_mode=False,
        footer_links=[],
        # Results stay on the server: no run history kept in the browser, no MCP tools, no monitoring page.
        run_history=False,
        mcp_server=False,
        enable_monitoring=False,
    )
    _close_gradio_files(app)
    return True


GRADIO_FILE_ROUTES = ("/ui/gradio_api/file={path:path}", "/ui/gradio_api/file/{path:path}")


def _close_gradio_files(app: FastAPI) -> None:
    """Gradio serves its upload cache to any logged-in user who has a file's URL. This UI never links there
    (images come from /media, uploads are moved to the store and deleted), so those routes answer 404 for
    everyone; they are put before the mount so they match first."""

    async def refuse(_: Request) -> JSONResponse:
        return JSONResponse({"detail": "Not found."}, status_code=404)

    for path in GRADIO_FILE_ROUTES:
        app.router.routes.insert(0, Route(path, refuse, methods=["GET", "HEAD"], include_in_schema=False))


def create_app() -> FastAPI:
    rt = get_runtime()
    app = FastAPI(
        title="Creative4U Studio API",
        version="1",
        description="Rank ad creatives with a multimodal LLM. Authenticate with a browser session or "
        "'Authorization: Bearer <token>' (create tokens at POST /api/v1/tokens).",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.exception_handler(ServiceError)
    async def service_error(_: Request, error: ServiceError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=STATUS.get(type(error), 400))

    app.include_router(pages.router)
    app.include_router(media.router)
    app.include_router(api_router())
    _docs(app)
    app.state.ui_mounted = _mount_ui(app, rt)
    app.add_middleware(
        GuardMiddleware,
        upload_limit=upload_request_limit(rt.settings.max_upload_bytes),
        user_for_token=lambda token: _session_email(rt, token),
    )
    return app


def route_table(app: FastAPI) -> list[tuple[str, set[str]]]:
    """Every (path, methods) the host serves, included routers flattened; mounts have no methods."""
    return [(ctx.path or "", set(ctx.methods or ())) for ctx in iter_route_contexts(app.routes)]
