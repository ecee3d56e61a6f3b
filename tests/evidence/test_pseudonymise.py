"""A pseudonymised pack: no customer's or contact's name, phone or e-mail in any file (the files as
bytes, the spreadsheets' cells, the PDFs' decompressed streams), and the same label for the same
person throughout the pack."""

import re
import zipfile
import zlib

import pytest
from openpyxl import load_workbook

from evidence.pack.pseudonymise import Pseudonymiser
from tests.evidence.conftest import CONTACT_NAME, CONTACT_PHONE, CUSTOMER_NAME, PERSONAL, build, unzip

pytestmark = pytest.mark.django_db


def _texts(path) -> list[str]:
    """Every readable form of a file: its bytes, and what a spreadsheet or PDF holds inside."""
    raw = path.read_bytes()
    texts = [raw.decode("utf-8", "replace")]
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            texts += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
        for row in load_workbook(path, read_only=True).active.iter_rows(values_only=True):
            texts.append(" ".join(str(value) for value in row if value is not None))
    if path.suffix == ".pdf":
        for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", raw, re.S):
            try:
                texts.append(zlib.decompress(stream).decode("latin-1"))
            except zlib.error:
                continue
    return texts


def test_a_pseudonymised_pack_holds_no_name_phone_or_email(world, period, manager_user, private_media, tmp_path):
    pack = build(manager_user, period, pseudonymise=True, sample_size=2)
    assert pack.status == "done", pack.error

    files = unzip(pack, tmp_path / "pack")

    leaks = [
        (name, value) for name, path in files.items() for text in _texts(path) for value in PERSONAL if value in text
    ]
    assert leaks == []
    register = files["complaints/register.csv"].read_text(encoding="utf-8-sig")
    visits = files["visits/visits.csv"].read_text(encoding="utf-8-sig")
    labels = set(re.findall(r"Customer-[0-9a-f]{6}", register))
    assert len(labels) == 1 and labels <= set(re.findall(r"Customer-[0-9a-f]{6}", visits))


def test_the_same_value_gets_the_same_label_and_free_text_is_cleaned():
    pseudonymiser = Pseudonymiser(
        {CUSTOMER_NAME: "Customer", CONTACT_NAME: "Contact", CONTACT_PHONE: "Phone"}, key=b"k"
    )

    label = pseudonymiser.text(CUSTOMER_NAME)
    sentence = pseudonymiser.text(f"{CONTACT_NAME} of {CUSTOMER_NAME} called from {CONTACT_PHONE}.")

    assert label.startswith("Customer-") and label == pseudonymiser.text(CUSTOMER_NAME)
    assert CUSTOMER_NAME not in sentence and CONTACT_NAME not in sentence and CONTACT_PHONE not in sentence
    assert label in sentence and sentence.endswith(".")
    assert pseudonymiser.text("An ordinary sentence.") == "An ordinary sentence."
    assert Pseudonymiser({CUSTOMER_NAME: "Customer"}, key=b"other").text(CUSTOMER_NAME) != label


def test_the_longest_known_value_wins():
    pseudonymiser = Pseudonymiser({"Customer 1": "Customer", "Customer 10": "Customer"}, key=b"k")

    assert pseudonymiser.text("Customer 10 and Customer 1") == (
        f"{pseudonymiser.text('Customer 10')} and {pseudonymiser.text('Customer 1')}"
    )
    assert pseudonymiser.text("Customer 10") != pseudonymiser.text("Customer 1")
