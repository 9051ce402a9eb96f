"""The API baseline: a bare Flask JSON endpoint doing the benchmark API's database work.

    gunicorn --pythonpath bench bare_api:app   (BENCH_DATABASE_URL, BENCH_TENANT_ID,
                                                BENCH_SECRET_KEY: Samverka's secret key)

Same URL as the plugin's API route (``/api/v1/tenants/<tenant>/benchplugin/items``), same app
role (RLS on), the same scope GUCs the API's session sends (tenant only, no user), and the same
list SELECT as the ORM (bare.py's statement, LIMIT 51 to know whether a next page exists),
dumped to the same JSON — the ``next`` cursor signed as ``samverka.api.pagination`` does, so
the bodies are byte for byte Samverka's. No token, no authorisation, no plugin check, no
marshmallow: the floor the API is measured against.
"""

from __future__ import annotations

import os

from bare import NEWEST_SQL, OLDER_SQL, SCOPE_SQL
from flask import Flask, jsonify, request
from itsdangerous import URLSafeSerializer
from sqlalchemy import create_engine

app = Flask(__name__)
engine = create_engine(os.environ["BENCH_DATABASE_URL"])
TENANT_ID = int(os.environ["BENCH_TENANT_ID"])
CURSORS = URLSafeSerializer(os.environ["BENCH_SECRET_KEY"], salt="samverka.api.cursor")
LIMIT = 50


def newest(before: int | None, limit: int) -> list:
    params = {"tenant_ids_1_1": TENANT_ID, "param_1": limit}
    with engine.connect() as conn:
        conn.exec_driver_sql(SCOPE_SQL, {"tenants": str(TENANT_ID), "user": ""})
        if before is None:
            return conn.exec_driver_sql(NEWEST_SQL, params).all()
        return conn.exec_driver_sql(OLDER_SQL, {"id_1": before, **params}).all()


@app.route("/api/v1/tenants/<tenant>/benchplugin/items")
def items(tenant: str):
    limit = request.args.get("limit", LIMIT, type=int)
    cursor = request.args.get("cursor")
    before = CURSORS.loads(cursor)["k"] if cursor else None
    rows = newest(before, limit + 1)
    page = rows[:limit]
    following = None
    if len(rows) > limit:
        token = CURSORS.dumps({"p": request.path, "k": page[-1].id})
        following = f"{request.path}?limit={limit}&cursor={token}"
    return jsonify(
        {
            "items": [
                {"id": r.id, "title": r.title, "created_at": r.created_at.isoformat()} for r in page
            ],
            "next": following,
        }
    )
