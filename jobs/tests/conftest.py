"""Fixtures of the jobs tests."""

import pytest

from tests.factories import ProjectFactory


@pytest.fixture
def project(editor):
    """Any row will do as a job's target; an "other" project is the plainest."""
    return ProjectFactory(created_by=editor, name="P", project_type__slug="other")
