"""Deprecated: plugins import :mod:`samverka.toolkit`. Kept only until the indicators plugin
has moved over (issue 15), with the old names of the general mechanisms."""

from samverka.toolkit import *  # noqa: F403
from samverka.toolkit import PublishedSeries, __all__, measure_references, published_series

IndicatorSeries = PublishedSeries
indicator_sources = published_series
action_plan_measures = measure_references
__all__ = [*__all__, "IndicatorSeries", "action_plan_measures", "indicator_sources"]
