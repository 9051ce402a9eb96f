"""The baseline: a bare Flask endpoint doing the benchmark page's database work, nothing more.

    BENCH_DATABASE_URL=... BENCH_TENANT_ID=... gunicorn --pythonpath bench bare:app

Same URL as the plugin page, same app role (RLS on), same per-transaction scope GUCs that
``samverka.db.send_scope`` sends, and the same SELECT the ORM emits for the plugin's list (its
keyset condition, ``tenant_id IN (...)`` criterion and LIMIT), rendered into a minimal table.
No sessions, no log-in, no permissions, no layout: what is left is Flask + SQLAlchemy Core +
psycopg + Jinja, the floor the platform is measured against.
"""

from __future__ import annotations

import os

from flask import Flask, request
from sqlalchemy import create_engine

# What samverka.db.send_scope sends at the start of every transaction.
SCOPE_SQL = (
    "SELECT set_config('samverka.tenant_ids', %(tenants)s, true),"
    " set_config('samverka.user_id', %(user)s, true)"
)
# Byte for byte what the ORM sends for the plugin's list (samverka_benchplugin.newest_items,
# with the core's tenant criterion): the server sees the same statements, prepares them alike.
LIST_SQL = (
    "SELECT bench_items.id, bench_items.title, bench_items.tenant_id, bench_items.created_at \n"
    "FROM bench_items \n"
    "WHERE {before}bench_items.tenant_id IN (%(tenant_ids_1_1)s::INTEGER)"
    " ORDER BY bench_items.id DESC \n LIMIT %(param_1)s::INTEGER"
)
NEWEST_SQL = LIST_SQL.format(before="")
OLDER_SQL = LIST_SQL.format(before="bench_items.id < %(id_1)s::INTEGER AND ")
PAGE_SIZE = 50

app = Flask(__name__)
engine = create_engine(os.environ["BENCH_DATABASE_URL"])
TENANT_ID = int(os.environ["BENCH_TENANT_ID"])
USER_ID = os.environ.get("BENCH_USER_ID", "")

PAGE = app.jinja_env.from_string(
    """<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>Ärenden</title></head><body>
<h1>Ärenden</h1>
<table>
  <thead><tr><th>Nr</th><th>Rubrik</th><th>Skapad</th></tr></thead>
  <tbody>
    {%- for item in items %}
    <tr><td>{{ item.id }}</td><td>{{ item.title }}</td>
      <td>{{ item.created_at.strftime("%Y-%m-%d %H:%M") }}</td></tr>
    {%- endfor %}
  </tbody>
</table>
{% if older %}<a href="?before={{ older }}" rel="next">Äldre ärenden</a>{% endif %}
</body></html>"""
)


def newest_items(before: int | None) -> list:
    """The page's rows: the scope GUCs, then the list SELECT, in one transaction.

    ``bare_page.py`` uses this too, so both baselines send the same statements.
    """
    params = {"tenant_ids_1_1": TENANT_ID, "param_1": PAGE_SIZE}
    with engine.connect() as conn:
        conn.exec_driver_sql(SCOPE_SQL, {"tenants": str(TENANT_ID), "user": USER_ID})
        if before is None:
            result = conn.exec_driver_sql(NEWEST_SQL, params)
        else:
            result = conn.exec_driver_sql(OLDER_SQL, {"id_1": before, **params})
        return result.all()


@app.route("/t/<tenant_slug>/benchplugin/")
def index(tenant_slug: str):
    items = newest_items(request.args.get("before", type=int))
    older = items[-1].id if len(items) == PAGE_SIZE else None
    return PAGE.render(items=items, older=older)
