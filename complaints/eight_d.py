"""The 8D report (D0-D8) of a complaint as a PDF for the customer, in English or Chinese.

The document, its embedded Chinese fonts and its footer come from core.pdf; without a Chinese font the
PDF is refused with a clear message (the HTML report still prints).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import translation
from django.utils.translation import gettext as _

from core.exporting import date_text
from core.pdf import FONT_FAMILY, pdf_document

from .models import Complaint, CorrectiveAction
from .services.actions import ROOT_CAUSE_CATEGORIES

BRAND = (15, 92, 140)


def _date(value) -> str:
    """The local day (settings.TIME_ZONE) of a date or a stored moment, as the complaint's page shows it."""
    return date_text(value)


def eight_d_pdf(*, complaint: Complaint, language: str, text_filter: Callable[[str], str] | None = None) -> bytes:
    """The report as PDF bytes. No internal notes: only what the customer may read. `text_filter` is
    applied to every text printed, and to each person's name on its own (the evidence pack's
    pseudonymiser)."""
    actions = list(complaint.actions.select_related("owner").order_by("due_date", "id"))
    with translation.override(language):
        title = f"8D {complaint.reference}"
        pdf = pdf_document(title=title, footer_text=title, language=language, text_filter=text_filter)
        pdf.add_page()

        def person(user) -> str:
            return pdf.clean_text(str(user)) if user is not None else "—"

        def heading(text: str) -> None:
            pdf.ln(3)
            pdf.set_font(FONT_FAMILY, size=12)
            pdf.set_text_color(*BRAND)
            pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
            pdf.set_draw_color(*BRAND)
            pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
            pdf.ln(1.5)
            pdf.set_text_color(27, 39, 51)
            pdf.set_font(FONT_FAMILY, size=10)

        def line(label: str, value: str) -> None:
            pdf.set_font(FONT_FAMILY, size=10)
            pdf.set_text_color(110, 120, 130)
            pdf.cell(45, 6, label)
            pdf.set_text_color(27, 39, 51)
            pdf.multi_cell(0, 6, value or "—", new_x="LMARGIN", new_y="NEXT")

        def action_rows(kind: str) -> None:
            rows = [a for a in actions if a.kind == kind]
            if not rows:
                pdf.multi_cell(0, 6, "—", new_x="LMARGIN", new_y="NEXT")
                return
            for action in rows:
                status = action.get_status_display()
                if action.result:
                    status += f" · {action.get_result_display()} ({_date(action.verified_at)})"
                pdf.multi_cell(
                    0,
                    6,
                    f"• {action.description}\n   {_('Owner')}: {person(action.owner)} · {_('Due')}: {_date(action.due_date)}"
                    f" · {status}",
                    new_x="LMARGIN",
                    new_y="NEXT",
                )

        pdf.set_font(FONT_FAMILY, size=17)
        pdf.set_text_color(27, 39, 51)
        pdf.cell(0, 10, f"{_('8D report')} · {complaint.reference}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, size=10)
        pdf.multi_cell(
            0,
            6,
            f"{pdf.clean_text(complaint.customer.name)} · {_date(complaint.received_at)} · {complaint.get_severity_display()}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        heading(f"D0 · {_('Preparation')}")
        line(_("Received"), f"{_date(complaint.received_at)} ({complaint.get_channel_display()})")
        line(_("State"), str(complaint.get_state_display()))
        heading(f"D1 · {_('Team')}")
        owners = sorted({person(a.owner) for a in actions} - {person(complaint.assignee)})
        line(_("Department"), str(complaint.team or "—"))
        line(_("Assigned to"), ", ".join([person(complaint.assignee), *owners]))
        heading(f"D2 · {_('Problem description')}")
        pdf.multi_cell(0, 6, complaint.subject, new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 6, complaint.description, new_x="LMARGIN", new_y="NEXT")
        line(_("Category"), str(complaint.category or "—"))
        line(
            _("Product / order / batch"),
            " / ".join(
                v or "—" for v in (complaint.product_reference, complaint.order_reference, complaint.batch_reference)
            ),
        )
        heading(f"D3 · {_('Containment actions')}")
        action_rows(CorrectiveAction.Kind.CONTAINMENT)
        heading(f"D4 · {_('Root cause')}")
        if complaint.root_cause_category:
            line(_("Root cause category"), str(ROOT_CAUSE_CATEGORIES.get(complaint.root_cause_category, "")))
            for number, why in enumerate(complaint.five_whys or [], start=1):
                pdf.multi_cell(0, 6, f"{number}. {why}", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(0, 6, _("Not determined yet."), new_x="LMARGIN", new_y="NEXT")
        heading(f"D5 · {_('Chosen corrective actions')}")
        action_rows(CorrectiveAction.Kind.CORRECTIVE)
        heading(f"D6 · {_('Implementation and effectiveness')}")
        done = [a for a in actions if a.kind == CorrectiveAction.Kind.CORRECTIVE and a.done_at]
        for action in done:
            text = f"• {action.description}: {_('done')} {_date(action.done_at)}"
            if action.result:
                text += f" · {action.get_result_display()}"
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        if not done:
            pdf.multi_cell(0, 6, "—", new_x="LMARGIN", new_y="NEXT")
        heading(f"D7 · {_('Preventing recurrence')}")
        action_rows(CorrectiveAction.Kind.PREVENTIVE)
        heading(f"D8 · {_('Closure')}")
        if complaint.resolution:
            pdf.multi_cell(0, 6, complaint.resolution, new_x="LMARGIN", new_y="NEXT")
        closed = (
            f"{_('Closed')} {_date(complaint.closed_at)} · {complaint.get_close_reason_display()}"
            if complaint.closed_at
            else _("Not closed yet.")
        )
        pdf.multi_cell(0, 6, closed, new_x="LMARGIN", new_y="NEXT")
        if complaint.early_close_reason:
            pdf.ln(1.5)
            line(_("Closed before verification"), complaint.early_close_reason)
            line(_("Decided by"), f"{complaint.early_close_by or '—'} · {_date(complaint.early_close_at)}")
        return bytes(pdf.output())
