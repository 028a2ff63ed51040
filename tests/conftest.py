"""Hypothesis profiles for the whole suite.

``ci`` (the default) keeps property tests to a few hundred cases in total;
``deep`` (HYPOTHESIS_PROFILE=deep) runs long searches.  Tests that need a
particular number of examples set it with ``@settings`` and inherit the rest.
"""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("deep", max_examples=5000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
