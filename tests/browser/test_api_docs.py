"""/api/v1/docs renders the OpenAPI document with the vendored Swagger UI, offline."""

from __future__ import annotations

import pytest

from samverka.testing.browser import goto, problems

pytestmark = pytest.mark.browser


def test_the_api_reference_renders_from_vendored_files(strict_page):
    page = strict_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    goto(page, "/api/v1/docs")
    page.locator(".swagger-ui .info .title").wait_for(timeout=15000)
    assert "Samverka API" in page.locator(".swagger-ui .info .title").inner_text()
    page.get_by_text("/api/v1/tenants/{tenant}/members").first.wait_for(timeout=15000)
    assert errors == [], errors
    assert problems(page) == []  # under the real Content-Security-Policy
    outside = [url for url in requested if not url.startswith(page.url.split("/api/")[0])]
    assert outside == [], f"requests leave the server: {outside}"
