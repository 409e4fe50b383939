"""/org-units: the headquarters → region → site tree (D4)."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut, page_out
from api.problems import problem_responses
from api.schemas.org_units import OrgUnitCreate, OrgUnitOut, OrgUnitUpdate
from core import org_units
from core.models.org_unit import OrgUnitKind


class OrgUnitController(Controller):
    path = "/org-units"
    opt = {"resource": "org_units"}  # permissions: api.guards
    tags = ["org units"]

    @get("/", sync_to_thread=True, summary="List org units", responses=problem_responses())
    def list_org_units(
        self,
        session: TenantSession,
        kind: FromQuery[OrgUnitKind | None] = None,
        parent_id: FromQuery[uuid.UUID | None] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[OrgUnitOut]:
        page = org_units.list_org_units(
            session, kind=kind, parent_id=parent_id, limit=limit, cursor=cursor
        )
        return page_out(page, OrgUnitOut.model_validate)

    @post(
        "/",
        sync_to_thread=True,
        summary="Create an org unit",
        responses=problem_responses(409),
    )
    def create_org_unit(self, session: TenantSession, data: JSONBody[OrgUnitCreate]) -> OrgUnitOut:
        unit = org_units.create_org_unit(
            session, name=data.name, code=data.code, kind=data.kind, parent_id=data.parent_id
        )
        return OrgUnitOut.model_validate(unit)

    @get(
        "/{org_unit_id:uuid}",
        sync_to_thread=True,
        summary="Get an org unit",
        responses=problem_responses(404),
    )
    def get_org_unit(self, session: TenantSession, org_unit_id: FromPath[uuid.UUID]) -> OrgUnitOut:
        return OrgUnitOut.model_validate(org_units.get_org_unit(session, org_unit_id=org_unit_id))

    @patch(
        "/{org_unit_id:uuid}",
        sync_to_thread=True,
        summary="Rename or move an org unit",
        responses=problem_responses(404, 409),
    )
    def update_org_unit(
        self,
        session: TenantSession,
        org_unit_id: FromPath[uuid.UUID],
        data: JSONBody[OrgUnitUpdate],
    ) -> OrgUnitOut:
        unit = org_units.update_org_unit(session, org_unit_id=org_unit_id, changes=data.changes())
        return OrgUnitOut.model_validate(unit)

    @delete(
        "/{org_unit_id:uuid}",
        sync_to_thread=True,
        summary="Delete an org unit nothing refers to",
        responses=problem_responses(404, 409),
    )
    def delete_org_unit(self, session: TenantSession, org_unit_id: FromPath[uuid.UUID]) -> None:
        org_units.delete_org_unit(session, org_unit_id=org_unit_id)
