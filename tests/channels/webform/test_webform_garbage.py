"""Whatever arrives at the public endpoints, the answer is a 4xx or a success, never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.channels.webform.conftest import FormFactory, form_url
from tests.conftest import TenantHandle

ANSWERS = {200, 201, 400, 403, 404, 413, 415, 422}
FIELD_NAMES = st.sampled_from(
    ["name", "email", "phone", "subject", "description", "nature", "occurred_on", "x", "", "é"]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=300),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
FUZZ = settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture
def urls(tenant: TenantHandle, make_form: FormFactory) -> dict[str, str]:
    form = make_form(tenant, "complaint", per_ip_per_hour=100_000, per_identity_per_hour=100_000)
    return {"json": form_url(tenant, form, ".json"), "page": form_url(tenant, form)}


def test_json_bodies_of_any_shape_get_an_answer(urls: dict[str, str], web: httpx.Client) -> None:
    @FUZZ
    @given(
        fields=st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=6),
        extra=st.dictionaries(
            st.sampled_from(["language", "website", "captcha_token", "zz"]), JSON_VALUES, max_size=2
        ),
        body=JSON_VALUES,
        whole=st.booleans(),
    )
    def check(fields: dict[str, Any], extra: dict[str, Any], body: Any, whole: bool) -> None:
        payload = {"fields": fields, **extra} if whole else body
        response = web.post(urls["json"], json=payload)
        assert response.status_code in ANSWERS, response.text

    check()


def test_form_bodies_headers_and_files_of_any_kind_get_an_answer(
    urls: dict[str, str], web: httpx.Client
) -> None:
    @FUZZ
    @given(
        data=st.dictionaries(FIELD_NAMES, st.text(max_size=200), max_size=6),
        filename=st.text(max_size=40),
        content_type=st.sampled_from(
            ["image/png", "", "text/plain; charset=x", "a/b/c", "image/png\x7f"]
        ),
        content=st.binary(max_size=64),
        language=st.text(max_size=20),
        page=st.booleans(),
    )
    def check(
        data: dict[str, str],
        filename: str,
        content_type: str,
        content: bytes,
        language: str,
        page: bool,
    ) -> None:
        files = {"attachments": (filename, content, content_type)}
        printable = "".join(c for c in language if " " <= c <= "~")
        headers = {"Accept-Language": printable.strip() or "*"}
        url = urls["page"] if page else urls["json"]
        try:
            response = web.post(
                url, data=data, files=files, headers=headers, params={"lang": language}
            )
        except httpx.InvalidURL:
            return
        assert response.status_code in ANSWERS, response.text

    check()
