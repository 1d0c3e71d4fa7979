"""Seed rows survive a transactional test's flush (conftest re-runs the data migrations)."""

import pytest

from projects.models import ProjectType


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_flushes_tables():
    assert ProjectType.objects.count() == 7


@pytest.mark.django_db
def test_seed_rows_are_back_for_the_next_test():
    assert ProjectType.objects.count() == 7
