"""manage.py report_generate --period 2026-11|2026-Q4|2026 [--segment ID] --language zh-hans|en --output FILE.pdf

The same analysis report as the web page, written synchronously to a file (nothing is stored): the
latest version's conclusions for that period, scope and language are printed in it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from customers.models import Segment
from reports.analysis.periods import period_from_label, period_label
from reports.analysis.services import analysis_report_files
from reports.figures import InvalidPeriod
from reports.models import AnalysisReport, ReportLanguage


class Command(BaseCommand):
    help = "Generate the customer satisfaction analysis report of a period as a PDF file."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="2026-11 (month), 2026-Q4 (quarter) or 2026 (year)")
        parser.add_argument("--segment", type=int, help="a saved segment's id (default: all customers)")
        parser.add_argument("--language", required=True, choices=ReportLanguage.values)
        parser.add_argument("--output", required=True, help="the PDF file to write")
        parser.add_argument("--xlsx", help="also write the tables to this XLSX file")

    def handle(self, *args, **options):
        try:
            kind, period = period_from_label(options["period"])
        except InvalidPeriod as error:
            raise CommandError(str(error)) from error
        segment = None
        if options["segment"] is not None:
            segment = Segment.objects.filter(pk=options["segment"]).first()
            if segment is None:
                raise CommandError(f"no segment {options['segment']}")
        latest = (
            AnalysisReport.objects.filter(
                period_start=period.since,
                period_end=period.until,
                scope_key=str(segment.pk) if segment else "",
                language=options["language"],
            )
            .order_by("-version")
            .first()
        )
        report = AnalysisReport(
            period_start=period.since,
            period_end=period.until,
            period_label=period_label(kind, period),
            segment=segment,
            language=options["language"],
            version=latest.version if latest else 1,
            conclusions=latest.conclusions if latest else "",
        )
        pdf, xlsx = analysis_report_files(report=report)
        Path(options["output"]).write_bytes(pdf)
        if options["xlsx"]:
            Path(options["xlsx"]).write_bytes(xlsx)
        self.stdout.write(f"{options['output']}: {len(pdf)} bytes")
