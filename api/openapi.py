"""OpenAPI schema and the interactive docs, served from packaged assets (no CDN needed).

Swagger UI's files come from the swagger-ui-py package; if it is missing the docs page falls
back to the public CDN, and the schema itself never depends on either.
"""

from __future__ import annotations

from pathlib import Path

from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components
from litestar.router import Router
from litestar.static_files import create_static_files_router

from api.auth import SECURITY_SCHEME, SECURITY_SCHEME_NAME

SCHEMA_PATH = "/api/schema"
ASSETS_PATH = "/api/docs/assets"
VERSION = "1.0.0"


def swagger_assets_dir() -> Path | None:
    """Where the packaged Swagger UI files are, if the package is installed."""
    try:
        import swagger_ui
    except ImportError:
        return None
    static = Path(swagger_ui.__file__).parent / "static"
    return static if (static / "swagger-ui-bundle.js").exists() else None


def swagger_plugin(assets: Path | None) -> SwaggerRenderPlugin:
    paths = ["/", "/swagger"]
    if assets is None:
        return SwaggerRenderPlugin(path=paths)
    return SwaggerRenderPlugin(
        path=paths,
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
    )


def docs_assets_router() -> Router | None:
    """Static files for the docs page, outside auth and outside the schema."""
    assets = swagger_assets_dir()
    if assets is None:
        return None
    return create_static_files_router(
        path=ASSETS_PATH, directories=[assets], include_in_schema=False
    )


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Switchboard API",
        version=VERSION,
        description=(
            "Multi-tenant omnichannel contact center. Authenticate with a tenant API key "
            "(`Authorization: Bearer ...`). Errors are RFC 9457 problems "
            "(`application/problem+json`); validation problems list each field in `errors`. "
            "Lists are newest first with cursor pagination: pass `next_cursor` back as `cursor`."
        ),
        path=SCHEMA_PATH,
        render_plugins=[swagger_plugin(swagger_assets_dir()), JsonRenderPlugin()],
        components=Components(security_schemes={SECURITY_SCHEME_NAME: SECURITY_SCHEME}),
        use_handler_docstrings=True,
    )
