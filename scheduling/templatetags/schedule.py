"""The week board's cells, drawn in Python: a busy week has 40 sitters x 7
days of cells holding up to 4 visits each, and the template language spends
about ten times as long on each (docs/benchmarks.md). The markup is the
template's, written here once."""

from dataclasses import dataclass
from datetime import date

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from ..models import EventStatus

register = template.Library()


def short_time(moment) -> str:
    """ "9am", "9:30am", "12:15pm": a start time that fits a one-line card."""
    local = timezone.localtime(moment)
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


@dataclass(frozen=True)
class _Day:
    """What every cell of a day's column repeats, worked out once a page."""

    label: str  # "Mon, Jun 3"
    spoken: str  # "Monday, June 3"
    url: str  # the day view

    @classmethod
    def of(cls, day: date) -> "_Day":
        return cls(
            label=date_format(day, "D, M j"),
            spoken=date_format(day, "l, F j"),
            url=reverse("scheduling:day", args=[day]),
        )


class _Board:
    """The per-page cache of a board's strings: one reverse() for every
    visit's URL (the id is its last part), one date_format per day."""

    def __init__(self):
        head, _, tail = reverse("scheduling:visit", args=[1]).rpartition("1")
        self.visit_url = (head, tail)
        self.days: dict[date, _Day] = {}

    def day(self, day: date) -> _Day:
        if day not in self.days:
            self.days[day] = _Day.of(day)
        return self.days[day]


def _card(board: _Board, card) -> str:
    # escape() and an f-string: format_html's per-argument checks cost more
    # than the rest of the card (docs/benchmarks.md).
    notes = ""
    if card.status != EventStatus.SCHEDULED:
        notes += f", {card.status_label.lower()}"
    if not card.client_is_active:
        notes += ", inactive client"
    hidden = f'<span class="visually-hidden">{notes}</span>' if notes else ""
    inactive = "" if card.client_is_active else " visit-inactive"
    head, tail = board.visit_url
    return (
        f'<li class="wb-visit visit-{card.status}{inactive}"><a href="{head}{card.pk}{tail}">'
        f"<b>{short_time(card.starts_at)}</b> {escape(card.client_name)}{hidden}</a></li>"
    )


@register.simple_tag(takes_context=True)
def week_cell(context, row, cell, status: str = "") -> str:
    """One ``<td>`` of the week board (scheduling.selectors.WeekCell): its
    first visits as one-line cards, then "+N more", which opens that day
    for that sitter with the same status filter."""
    board = context.render_context.get("week_board")
    if board is None:
        board = context.render_context["week_board"] = _Board()
    day = board.day(cell.date)
    classes = "wb-cell" + ("" if cell.total else " is-empty")
    classes += " is-weekend" if cell.is_weekend else ""
    cards = ""
    if cell.events:
        # Safe: each card escapes the client's name, the one text not ours.
        cards = mark_safe(
            '<ul class="wb-visits">' + "".join(_card(board, c) for c in cell.events) + "</ul>"
        )
    more = ""
    if cell.more:
        sitter = row.sitter
        query = {"sitter": sitter.pk if sitter else "none"} | ({"status": status} if status else {})
        who = (sitter.get_short_name() or sitter.email) if sitter else "unassigned"
        more = format_html(
            '<a class="wb-more" href="{}?{}">+{} more'
            '<span class="visually-hidden"> for {} on {}</span></a>',
            day.url,
            urlencode(query),
            cell.more,
            who,
            day.spoken,
        )
    return format_html('<td class="{}" data-label="{}">{}{}</td>', classes, day.label, cards, more)
