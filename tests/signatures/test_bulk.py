"""The bulk INSERT writes every column of the model, from the model itself."""

import pytest

from signatures.bulk import COLUMNS, DEFAULTS, REQUIRED, signatures_insert
from signatures.models import Signature
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def test_the_insert_names_every_column_of_the_model_but_the_id():
    expected = [f.column for f in Signature._meta.concrete_fields if not f.primary_key]
    assert expected == COLUMNS


def test_a_row_that_names_only_what_is_required_gets_the_models_defaults():
    campaign = CampaignFactory()
    assert {"campaign_id", "name", "country"} == REQUIRED
    assert signatures_insert([{"campaign_id": campaign.id, "name": "Ana", "country": "BO"}]) == 1
    row = Signature.objects.get()
    for name, default in DEFAULTS.items():
        assert getattr(row, name) == default, name
    assert row.created is not None


def test_a_row_without_a_required_value_is_refused_not_stored_empty():
    campaign = CampaignFactory()
    with pytest.raises(KeyError):
        signatures_insert([{"campaign_id": campaign.id, "name": "Ana"}])
    assert not Signature.objects.exists()
