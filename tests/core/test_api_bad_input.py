"""Bad input to the API and the JSON files the product reads answers with a clear error, never a
server error, and changes nothing."""

import io
import json
import zipfile

import pytest

from complaints.models import Complaint
from customers.models import Customer
from evidence.manifest import ManifestError, manifest_read
from surveys import interchange

pytestmark = pytest.mark.django_db

NESTED = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("path", ["/api/v1/complaints/", "/api/v1/customers/"])
def test_a_deeply_nested_body_is_a_bad_request_and_creates_nothing(manager_client, path):
    before = (Complaint.objects.count(), Customer.objects.count())

    answer = manager_client.post(path, NESTED, content_type="application/json")

    assert answer.status_code == 400
    assert "nested too deeply" in json.dumps(answer.json())
    assert (Complaint.objects.count(), Customer.objects.count()) == before


def test_a_deeply_nested_questionnaire_file_is_refused_as_not_json():
    with pytest.raises(interchange.InvalidQuestionnaire) as refused:
        interchange.parse(NESTED)

    assert refused.value.errors == ["The file is not valid JSON."]


def test_a_deeply_nested_manifest_is_refused_as_not_json():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", NESTED)

    with zipfile.ZipFile(buffer) as archive, pytest.raises(ManifestError, match="not valid JSON"):
        manifest_read(archive)
