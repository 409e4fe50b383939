"""The HTTP API: Litestar app factory.

Layout: ``/api/v1/...`` resources (API token or browser session, a permission check per
route in api.guards, tenant-scoped session per request), ``/auth/...`` sign-in pages
(password, OpenID Connect, reset; api.controllers.sign_in and oidc_sign_in), ``/dashboard/``
the Dash app (dashboard.mount),
``/api/schema`` OpenAPI (JSON at ``/api/schema/openapi.json``), ``/api/docs`` interactive docs,
``/health`` and ``/metrics`` outside the API and without auth, ``/webhooks/email/{address}``
outside the API with a per-mailbox token, ``/forms/{tenant}/{form}`` public web forms (page,
embed script, JSON definition and endpoint; api.controllers.form_pages), ``/survey/{token}``
the customer's satisfaction survey behind a signed link (api.controllers.survey_pages).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from litestar import Litestar, Router
from litestar.config.app import AppConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController

from api.auth import SECURITY_SCHEME_NAME, AuthenticationMiddleware, provide_principal
from api.controllers.access import (
    ApiTokenController,
    AuditController,
    IdentityProviderController,
    MeController,
)
from api.controllers.agents import AgentController
from api.controllers.alerts import AlertController
from api.controllers.contacts import ContactController
from api.controllers.conversations import ConversationController
from api.controllers.csat import CsatController
from api.controllers.email_inbound import receive_raw_email
from api.controllers.form_pages import embed_script, form_page, form_post, form_preflight
from api.controllers.forms import FormController
from api.controllers.handoffs import HandoffController
from api.controllers.incidents import IncidentController
from api.controllers.kpis import KpiController
from api.controllers.monitors import MonitorController
from api.controllers.oidc_sign_in import OIDC_ROUTES
from api.controllers.org_units import OrgUnitController
from api.controllers.queues import QueueController
from api.controllers.routing import (
    ConversationRoutingController,
    RoutingPolicyController,
)
from api.controllers.sign_in import SIGN_IN_ROUTES
from api.controllers.sla import SlaController
from api.controllers.social_accounts import SocialAccountController
from api.controllers.social_posts import SocialPostController
from api.controllers.social_webhooks import receive_social_webhook, social_webhook_verification
from api.controllers.survey_pages import survey_answer, survey_page
from api.controllers.system import database_check, docs, health
from api.controllers.users import UserController
from api.controllers.voice import (
    CallbackController,
    InteractionController,
    VoiceAccountController,
    VoiceLineController,
)
from api.controllers.voice_webhooks import voice_webhook
from api.controllers.work_orders import WorkOrderController
from api.dependencies import provide_session
from api.guards import authorize
from api.openapi import docs_assets_router, openapi_config
from api.problems import EXCEPTION_HANDLERS
from api.security_headers import add_security_headers
from channels.webform.public_forms import PublicForms
from core.db import Database
from core.settings import Settings, get_settings
from core.storage import BlobStore, LocalFolderStore
from dashboard.mount import dashboard_mount

API_PREFIX = "/api/v1"


class MetricsController(PrometheusController):
    """Prometheus text exposition; operational, so not part of the API's schema."""

    path = "/metrics"
    include_in_schema = False


def cors_config(settings: Settings) -> CORSConfig | None:
    """Cross-origin calls only from the origins an operator names, with tokens, never cookies."""
    if not settings.cors_allowed_origins:
        return None
    return CORSConfig(
        allow_origins=settings.cors_allowed_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        allow_credentials=False,
        max_age=600,
    )


def create_app(
    database: Database,
    *,
    health_checks: Mapping[str, Callable[[], bool]] | None = None,
    settings: Settings | None = None,
    blob_store: BlobStore | None = None,
) -> Litestar:
    """A Litestar app serving ``database``; /health always pings it, plus any extra checks.

    ``blob_store`` keeps attachments of mail posted to the email webhook (default: a local
    folder at ``settings.blob_dir``).
    """
    settings = settings or get_settings()
    v1 = Router(
        path=API_PREFIX,
        route_handlers=[
            ContactController,
            ConversationController,
            HandoffController,
            WorkOrderController,
            CsatController,
            QueueController,
            UserController,
            OrgUnitController,
            SlaController,
            AgentController,
            RoutingPolicyController,
            ConversationRoutingController,
            FormController,
            VoiceAccountController,
            VoiceLineController,
            InteractionController,
            CallbackController,
            SocialAccountController,
            SocialPostController,
            MonitorController,
            AlertController,
            IncidentController,
            MeController,
            ApiTokenController,
            IdentityProviderController,
            AuditController,
            KpiController,
        ],
        middleware=[DefineMiddleware(AuthenticationMiddleware)],
        guards=[authorize],
        dependencies={
            "principal": Provide(provide_principal),
            "session": Provide(provide_session),
        },
        security=[{SECURITY_SCHEME_NAME: []}],
    )
    prometheus = PrometheusConfig(
        app_name="switchboard",
        prefix="switchboard",
        group_path=True,
        exclude=["/metrics"],
    )
    assets = docs_assets_router()
    config = AppConfig(
        route_handlers=[
            v1,
            health,
            docs,
            receive_raw_email,
            voice_webhook,
            social_webhook_verification,
            receive_social_webhook,
            form_preflight,  # before the page's GET/POST, or Litestar adds its own OPTIONS
            form_page,
            form_post,
            embed_script,
            survey_page,
            survey_answer,
            MetricsController,
            *SIGN_IN_ROUTES,
            *OIDC_ROUTES,
            dashboard_mount(database, settings),
            *([assets] if assets else []),
        ],
        exception_handlers=dict(EXCEPTION_HANDLERS),  # type: ignore[arg-type]
        middleware=[prometheus.middleware],
        before_send=[add_security_headers],
        cors_config=cors_config(settings),
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_request_body_bytes,
        state=State(
            {
                "database": database,
                "blob_store": blob_store or LocalFolderStore(settings.blob_dir),
                "settings": settings,
                "public_forms": PublicForms(database),
                "health_checks": {"database": database_check(database), **(health_checks or {})},
            }
        ),
    )
    return Litestar.from_config(config)
