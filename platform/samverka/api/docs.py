"""``/api/v1/docs``: Swagger UI from vendored files (no CDN, no inline script)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")


@bp.route("/docs")
def page():
    return render_template("api_docs.html")
