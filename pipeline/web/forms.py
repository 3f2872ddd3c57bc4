"""Record forms as data: each question's widget, and how its answer becomes service input.

A form is a list of `Question`s. `read_answers` turns the posted form into the input the
services take (and what to show again); `question_errors` turns the services' field errors
(named by JSON path) into messages and ids the GOV.UK error summary links to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from litestar.datastructures import FormMultiDict

from pipeline.errors import FieldError

Widget = Literal[
    "text",
    "textarea",
    "optional",
    "radios",
    "checkboxes",
    "select",
    "date",
    "tags",
    "lines",
    "rows",
    "owner",
    "codes",
]
EMPTY_MESSAGES = {"Must not be empty.", "This field is required."}
DATE_PARTS = ("day", "month", "year")
DATE_PART_SIZES = {"day": 2, "month": 2, "year": 4}
MAX_OTHER_CODES = 100  # numbers typed in a "codes" question's box, before the service's own bound


@dataclass(frozen=True)
class Column:
    """One input of a repeated row (a partner's council and its role)."""

    name: str
    label: str
    options: tuple[tuple[str, str], ...] = ()  # empty: a text box
    default: str = ""


@dataclass(frozen=True)
class Question:
    name: str
    label: str
    widget: Widget
    hint: str = ""
    missing: str = ""  # the message when a required answer is left out
    options: tuple[tuple[str, str], ...] = ()
    columns: tuple[Column, ...] = ()
    spare_rows: int = 3
    classes: str = ""
    # A "codes" question: checkbox groups (legend, options) and a box for any other number.
    groups: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def input_id(self) -> str:
        if self.widget == "codes":
            return f"{self.name}-other"
        if self.widget == "date":
            return f"{self.name}-day"
        if self.widget in ("radios", "checkboxes"):
            return self.name
        if self.widget == "rows":
            return f"{self.name}-0-{self.columns[0].name}"
        return self.name


@dataclass
class Answers:
    """The posted form: `data` for the service, `shown` to fill the form in again."""

    data: dict[str, Any] = field(default_factory=dict)
    shown: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)


def read_answers(questions: list[Question], form: FormMultiDict) -> Answers:
    answers = Answers()
    for question in questions:
        _READERS[question.widget](question, form, answers)
    return answers


def _text(question: Question, form: FormMultiDict, answers: Answers) -> None:
    value = str(form.get(question.name, "")).replace("\r\n", "\n").strip()
    answers.shown[question.name] = value
    answers.data[question.name] = value


def _optional(question: Question, form: FormMultiDict, answers: Answers) -> None:
    value = str(form.get(question.name, "")).strip()
    answers.shown[question.name] = value
    answers.data[question.name] = value or None


def _many(question: Question, form: FormMultiDict, answers: Answers) -> None:
    values = [str(v) for v in form.getall(question.name, [])]
    answers.shown[question.name] = values
    answers.data[question.name] = values


def _split(question: Question, form: FormMultiDict, answers: Answers) -> None:
    raw = str(form.get(question.name, ""))
    answers.shown[question.name] = raw.strip()
    pattern = r"[,\n]" if question.widget == "tags" else r"\n"
    answers.data[question.name] = [part.strip() for part in re.split(pattern, raw) if part.strip()]


def _codes(question: Question, form: FormMultiDict, answers: Answers) -> None:
    """Numbers ticked in the groups and typed in the box, in that order, each once."""
    ticked = [str(v) for v in form.getall(question.name, [])]
    other = str(form.get(f"{question.name}-other", "")).strip()
    answers.shown[question.name] = {"checked": ticked, "other": other}
    typed = [part for part in re.split(r"[,\s]+", other) if part][: MAX_OTHER_CODES + 1]
    wrong = [part for part in ticked + typed if not re.fullmatch(r"[0-9]{1,6}", part)]
    if wrong:
        example = wrong[0][:20]
        message = f"{question.label}: enter numbers only, like 524 ('{example}' is not a number)"
        answers.errors.append(FieldError(question.name, message))
        return
    answers.data[question.name] = list(dict.fromkeys(int(part) for part in ticked + typed))


def _date(question: Question, form: FormMultiDict, answers: Answers) -> None:
    parts = {part: str(form.get(f"{question.name}-{part}", "")).strip() for part in DATE_PARTS}
    answers.shown[question.name] = parts
    if not any(parts.values()):
        answers.data[question.name] = None
        return
    try:
        answers.data[question.name] = real_date(parts).isoformat()
    except ValueError:
        answers.errors.append(
            FieldError(question.name, f"{question.label} must be a real date, like 27 3 2026.")
        )


def real_date(parts: dict[str, str]) -> date:
    """A date from its day, month and year boxes: ASCII digits only ("²" is a digit to Python)."""
    if not all(re.fullmatch(rf"[0-9]{{1,{size}}}", parts[name]) for name, size in DATE_PART_SIZES.items()):
        raise ValueError("not a date")
    return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))


def _rows(question: Question, form: FormMultiDict, answers: Answers) -> None:
    rows: list[dict[str, str]] = []
    index = 0
    while f"{question.name}-{index}-{question.columns[0].name}" in form:
        row = {
            c.name: str(form.get(f"{question.name}-{index}-{c.name}", "")).strip() for c in question.columns
        }
        if row[question.columns[0].name]:
            rows.append(row)
        index += 1
    answers.shown[question.name] = rows
    if len(question.columns) == 1:
        answers.data[question.name] = [row[question.columns[0].name] for row in rows]
    else:
        answers.data[question.name] = rows


_READERS = {
    "text": _text,
    "textarea": _text,
    "owner": _text,
    "optional": _optional,
    "radios": _text,
    "select": _optional,
    "checkboxes": _many,
    "tags": _split,
    "lines": _split,
    "date": _date,
    "rows": _rows,
    "codes": _codes,
}


def shown_value(question: Question, value: Any) -> Any:
    """How a stored value appears in the form (lists as lines or commas, dates as parts)."""
    if question.widget == "tags":
        return ", ".join(value or [])
    if question.widget == "lines":
        return "\n".join(value or [])
    if question.widget == "date":
        return {"day": str(value.day), "month": str(value.month), "year": str(value.year)} if value else {}
    if question.widget == "codes":
        return _shown_codes(question, value or [])
    if question.widget == "rows" and len(question.columns) == 1:
        return [{question.columns[0].name: item} for item in value or []]
    if question.widget in ("checkboxes", "rows"):
        return list(value or [])
    return "" if value is None else value


def _shown_codes(question: Question, codes: list[int]) -> dict[str, Any]:
    """Stored numbers as the form shows them: ticked where a group offers them, else typed."""
    offered = {value for _, options in question.groups for value, _ in options}
    checked = [str(code) for code in codes if str(code) in offered]
    other = [str(code) for code in codes if str(code) not in offered]
    return {"checked": checked, "other": ", ".join(other)}


@dataclass(frozen=True)
class ShownErrors:
    """Field errors as the page shows them: the summary list and a message per question."""

    summary: list[dict[str, str]]
    by_input: dict[str, str]


def question_errors(questions: list[Question], errors: list[FieldError]) -> ShownErrors:
    by_name = {q.name: q for q in questions}
    summary: list[dict[str, str]] = []
    by_input: dict[str, str] = {}
    for error in errors:
        input_id, message = _place(by_name, error)
        summary.append({"text": message, "href": f"#{input_id}"})
        by_input.setdefault(input_id, message)
    return ShownErrors(summary, by_input)


def _place(by_name: dict[str, Question], error: FieldError) -> tuple[str, str]:
    """The input an error belongs to, and its message in the words of the form."""
    match = re.match(r"^(?P<name>\w+)(?:\[(?P<index>\d+)\](?:\.(?P<column>\w+))?)?", error.field)
    question = by_name.get(match["name"]) if match else None
    if question is None or match is None:
        first = next(iter(by_name.values()))
        return first.input_id(), error.message
    if question.widget == "rows" and match["index"] is not None:
        column = match["column"] or question.columns[0].name
        label = next((c.label for c in question.columns if c.name == column), question.label)
        return (
            f"{question.name}-{match['index']}-{column}",
            f"{label} {int(match['index']) + 1}: {error.message}",
        )
    if error.message in EMPTY_MESSAGES:
        return question.input_id(), question.missing or f"Enter {question.label.lower()}"
    if error.message.startswith(question.label):
        return question.input_id(), error.message
    return question.input_id(), f"{question.label}: {error.message[0].lower()}{error.message[1:]}"
