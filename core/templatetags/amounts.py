"""`{{ value|money }}`: an amount of money with its unit and its thousands grouped, in the reader's
language ("¥12,345.00"; "12,345.00 元" in Chinese); `{{ value|money:0 }}` without the fen, for
lists. All amounts the models hold are in CNY (the fields say so). None or "" shows as "—"."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


def money_text(value, decimals: int = 2) -> str:
    if value in (None, ""):
        return "—"
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    # Rounded half up, as accountants round (number_format alone cuts the digits off).
    amount = amount.quantize(Decimal(1).scaleb(-int(decimals)), rounding=ROUND_HALF_UP)
    text = number_format(amount, decimal_pos=int(decimals), use_l10n=True, force_grouping=True)
    # Translators: an amount in Chinese yuan; the unit's symbol and place follow the language.
    return _("¥%(amount)s") % {"amount": text}


@register.filter
def money(value, decimals: int = 2) -> str:
    return money_text(value, decimals)
