"""Fixtures the contest tests share: the standard open contest and a signed-in resident.

A module that needs another contest defines its own ``contest`` fixture, which wins.
"""

import pytest

from contest.definition import contest_import
from tests.factories import ProfileFactory, contest_json, make_bank_with_topics


@pytest.fixture
def contest():
    make_bank_with_topics()
    return contest_import(data=contest_json())[0]


@pytest.fixture
def resident(client):
    user = ProfileFactory().user
    client.force_login(user)
    return user
