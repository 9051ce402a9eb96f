"""The statutory cycle's record types (Lag 2023:196): the situation picture and the action
plan. Defined in one place because several workflows meet here: reporting rounds compile
pictures, action plans link their causes to a picture's numbered problems, councils decide
both and the compliance overview looks for them.

A picture holds the three parts the law names (mapping; other relevant information;
analysis) and Brå's source questions. Its ``problems`` field lists the problems the analysis
found, one per line: line *n* is problem *n*, which an action plan's cause refers to.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from samverka.classification import Classification
from samverka.records.types import FieldKind, FieldSpec, RecordType

SITUATION_PICTURE_TYPE = "core.situation_picture"
ACTION_PLAN_TYPE = "core.action_plan"

SITUATION_PICTURE = RecordType(
    name=SITUATION_PICTURE_TYPE,
    label=_l("Situation picture"),
    description=_l(
        "The municipality's picture of crime and insecurity for a period: mapping, other "
        "relevant information and analysis (Lag 2023:196)."
    ),
    fields=(
        FieldSpec("period_start", FieldKind.DATE, _l("Period from"), required=True),
        FieldSpec("period_end", FieldKind.DATE, _l("Period to"), required=True),
        FieldSpec(
            "scope",
            FieldKind.CHOICE,
            _l("Scope"),
            choices=(("municipality", _l("Municipality")), ("consortium", _l("Consortium"))),
        ),
        FieldSpec(
            "mapping",
            FieldKind.LONGTEXT,
            _l("Mapping of crime, its extent and consequences"),
        ),
        FieldSpec("other_information", FieldKind.LONGTEXT, _l("Other relevant information")),
        FieldSpec("analysis", FieldKind.LONGTEXT, _l("Analysis")),
        FieldSpec(
            "problems",
            FieldKind.LONGTEXT,
            _l("Problems found"),
            help=_l("One problem per line; action plans refer to them by number."),
        ),
        FieldSpec("why_this_problem", FieldKind.LONGTEXT, _l("Why these problems")),
        FieldSpec("sources_used", FieldKind.LONGTEXT, _l("Sources used")),
        FieldSpec("sources_left_out", FieldKind.LONGTEXT, _l("Sources left out")),
        FieldSpec("limitations", FieldKind.LONGTEXT, _l("What the sources limit")),
    ),
    default_classification=Classification.INTERNAL,
    sharing=frozenset({"tenant", "consortium"}),
)

ACTION_PLAN = RecordType(
    name=ACTION_PLAN_TYPE,
    label=_l("Action plan"),
    description=_l(
        "Measures against the causes found in a situation picture, with goals, owners and "
        "follow-up (Lag 2023:196)."
    ),
    fields=(
        FieldSpec("title", FieldKind.TEXT, _l("Title"), required=True, max_length=200),
        FieldSpec("valid_from", FieldKind.DATE, _l("Valid from"), required=True),
        FieldSpec("valid_to", FieldKind.DATE, _l("Valid to")),
        FieldSpec("summary", FieldKind.LONGTEXT, _l("Summary")),
    ),
    default_classification=Classification.INTERNAL,
    sharing=frozenset({"tenant", "consortium"}),
)


def problems_of(data: dict) -> list[str]:
    """A picture's numbered problems (index 0 is problem 1), blank lines skipped."""
    return [line.strip() for line in (data.get("problems") or "").splitlines() if line.strip()]


def cycle_record_types() -> list[RecordType]:
    return [SITUATION_PICTURE, ACTION_PLAN]
