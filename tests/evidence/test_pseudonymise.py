"""A pseudonymised pack: no customer's or contact's name, phone or e-mail in any file (the files as
bytes, the spreadsheets' cells, the PDFs' decompressed streams), and the same label for the same
person throughout the pack."""

import re
import shutil
import subprocess
import zipfile
import zlib

import pytest
from openpyxl import load_workbook

from evidence.pack.pseudonymise import Pseudonymiser
from tests.complaints.factories import CorrectiveActionFactory
from tests.evidence.conftest import (
    CONTACT_EMAIL,
    CONTACT_NAME,
    CONTACT_PHONE,
    CUSTOMER_NAME,
    PERSONAL,
    build,
    unzip,
)

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
        # The text as a reader copies it: the fonts' glyph codes mapped back to characters.
        extracted = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert extracted.strip() or path.read_bytes().startswith(b"%PDF-1.4 ")
        texts += [extracted, " ".join(extracted.split())]
    return texts


def _leaks(files, values) -> list[tuple[str, str]]:
    folded = [value.casefold() for value in values]
    return [
        (name, value)
        for name, path in files.items()
        for text in _texts(path)
        for value in folded
        if value in text.casefold()
    ]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils' pdftotext")
def test_a_pseudonymised_pack_holds_no_name_phone_or_email(world, period, manager_user, private_media, tmp_path):
    pack = build(manager_user, period, pseudonymise=True, sample_size=2)
    assert pack.status == "done", pack.error

    files = unzip(pack, tmp_path / "pack")

    assert _leaks(files, PERSONAL) == []
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


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils' pdftotext")
def test_free_text_in_corrective_actions_and_8d_reports_is_pseudonymised_however_it_is_written(
    world, period, manager_user, staff_user, private_media, tmp_path
):
    staff_user.first_name, staff_user.last_name, staff_user.email = "Xiaoming", "Wang", "wang.xm@csm.example"
    staff_user.save()
    complaint = world["complaints"][0]
    for description in (
        f"Call {CONTACT_NAME.upper()} on 139 1234 5678 or +86 21 5550 1234 and copy {CONTACT_EMAIL.upper()}.",
        "Jiaming Chen (the buyer) agreed; Wang Xiaoming checks; mail wang.xm@csm.example or a.stranger@gmail.example.",
        f"Harbour  Logistics\nLtd asked Xiaoming Wang (staff1) to call {CONTACT_PHONE}.",
    ):
        CorrectiveActionFactory(complaint=complaint, owner=staff_user, description=description)
    complaint.resolution = f"{CUSTOMER_NAME} confirmed with Maria Rossi."
    complaint.save()

    pack = build(manager_user, period, pseudonymise=True, sample_size=len(world["complaints"]))
    assert pack.status == "done", pack.error
    files = unzip(pack, tmp_path / "pack")

    variants = (
        *PERSONAL,
        "139 1234 5678",
        "5550 1234",
        "Jiaming Chen",
        "Xiaoming",
        "wang.xm@",
        "a.stranger@",
        "staff1",
        "manager1",
        "Logistics",
    )
    assert _leaks(files, variants) == []
    eight_d = subprocess.run(
        ["pdftotext", str(files[f"complaints/8d/{complaint.reference}.pdf"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # Replaced consistently: the contact in the actions' register has the same label in the 8D report.
    actions = files["complaints/corrective-actions.csv"].read_text(encoding="utf-8-sig")
    contact_labels = set(re.findall(r"Contact-[0-9a-f]{6}", actions))
    assert len(contact_labels) == 1 and contact_labels <= set(re.findall(r"Contact-[0-9a-f]{6}", eight_d))
    assert re.search(r"Staff-[0-9a-f]{6}", eight_d)


def test_phones_match_in_any_spelling_and_names_only_as_whole_words():
    pseudonymiser = Pseudonymiser({"021-55501234": "Phone", "Ann Lee": "Contact", "王伟": "Contact"}, key=b"k")

    label = pseudonymiser.text("021-55501234")
    assert pseudonymiser.text("call 021 5550 1234.") == f"call {label}."
    assert pseudonymiser.text("call +86 21-5550-1234") != "call +86 21-5550-1234"
    assert pseudonymiser.text("order 1021555012349") == "order 1021555012349"  # a longer number
    assert pseudonymiser.text("ANN LEE wrote") == f"{pseudonymiser.text('Ann Lee')} wrote"
    assert pseudonymiser.text("Annual Leeway") == "Annual Leeway"
    assert "王伟" not in pseudonymiser.text("联系人王伟来电")
    assert pseudonymiser.text("mail x.y@z.example now").startswith("mail email-")
