"""Provides loading and validating questions (``content/questions/<area>/<id>.yaml``).

The format is fixed in docs/questions.md. Every problem is reported as
``file:line:col: message`` through ``lab.yaml_source`` positions; a file is checked against
every rule at once, and the bank adds the rules that span files (unique ids and stems).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lab.config.defaults import new_list
from lab.config.shapes import did_you_mean, positioned
from lab.errors import Diagnostic, LabError, SourceErrors
from lab.practice.model import Option, Question, Reference
from lab.practice.topics import Topics, content_dir, load_topics, questions_dir
from lab.scenario.paths import scenarios_dir
from lab.yaml_source import Document, is_file, load_path, validation_diagnostics

__all__ = [
    "MAX_QUESTION_BYTES",
    "Bank",
    "Context",
    "QuestionSpec",
    "display_name",
    "list_question_files",
    "load_bank",
    "load_question",
    "normalise_stem",
    "validate_files",
]

MAX_QUESTION_BYTES = 64 * 1024
"""Largest question file read (64 KiB): a question is a page of text, not a data set."""

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CHOOSE_WORDS = {2: "(Choose two.)", 3: "(Choose three.)"}
CHOOSE_ANY = re.compile(r"\(Choose (?:one|two|three|four|five)\.\)", re.IGNORECASE)

DopDomain = Literal["D1", "D2", "D3", "D4", "D5", "D6"]
SaaDomain = Literal["D1", "D2", "D3", "D4"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class ExamsSpec(_Strict):
    """The exams a question serves and their domains."""

    dop: list[DopDomain] = Field(alias="DOP-C02", min_length=1)
    saa: list[SaaDomain] = Field(default_factory=new_list, alias="SAA-C03")


class OptionSpec(_Strict):
    """One option as written."""

    text: str
    correct: bool = False
    why: str


class ReferenceSpec(_Strict):
    """One reference as written."""

    url: str
    checked: str


class QuestionSpec(_Strict):
    """A question file as written (the schema; the rules across fields are in ``_rules``)."""

    id: str
    exams: ExamsSpec
    topics: list[str] = Field(min_length=1)
    difficulty: Literal[1, 2, 3]
    stem: str
    choose: int
    options: list[OptionSpec]
    takeaway: str
    references: list[ReferenceSpec] = Field(min_length=1)
    scenario: str | None = None
    lesson: str | None = None
    changed: str | None = None


@dataclass(frozen=True)
class Context:
    """What cross-references are checked against: topics, shipped scenarios and lessons."""

    topics: Topics
    scenario_ids: frozenset[str]
    lessons_dir: Path

    @classmethod
    def default(cls, content: Path | None = None, scenarios: Path | None = None) -> Context:
        """The project's topics, scenarios and lessons (``content_dir()``, ``scenarios_dir()``)."""
        root = content or content_dir()
        folder = scenarios or scenarios_dir()
        ids = frozenset(p.stem for p in folder.glob("*.yaml") if p.is_file())
        return cls(load_topics(root / "topics.yaml"), ids, root / "lessons")


@dataclass
class Bank:
    """The questions that load, and a diagnostic for every problem found."""

    questions: list[Question] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    """How many question files were read."""

    def by_id(self) -> dict[str, Question]:
        """The questions by id."""
        return {q.id: q for q in self.questions}

    def scenario_topics(self) -> dict[str, tuple[str, ...]]:
        """Each scenario's content-map topics: those of the questions linked to it (``scenario:``).

        Topics are in the order the questions (sorted by file) first name them. A scenario no
        question links to is absent. The gradebook's topic mastery is built on this.
        """
        out: dict[str, list[str]] = {}
        for q in self.questions:
            if q.scenario:
                mine = out.setdefault(q.scenario, [])
                mine += [t for t in q.topics if t not in mine]
        return {sid: tuple(topics) for sid, topics in out.items()}


def display_name(path: Path) -> str:
    """A path as messages name it: relative to the working folder where it can be."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def normalise_stem(stem: str) -> str:
    """A stem compared for duplicates: whitespace collapsed, case folded."""
    return " ".join(stem.split()).casefold()


def load_question(path: Path | str, context: Context, *, display: str | None = None, area_folder: bool = False) -> Question:
    """Load and validate one question file (the rules of one file; see ``load_bank`` for the rest).

    Args:
        path: the YAML file.
        context: topics, scenario ids and the lessons folder to check references against.
        display: the name used in messages (default: relative to the working folder).
        area_folder: also require the file to sit in the folder named after its first topic's area.

    Raises:
        SourceError: the file cannot be read or is not YAML.
        SourceErrors: every rule the question breaks, positioned.
    """
    p = Path(path)
    doc = load_path(p, display=display or display_name(p), max_bytes=MAX_QUESTION_BYTES)
    if not isinstance(doc.data, dict):
        raise doc.error((), "expected a question: a mapping with id, exams, topics, difficulty, stem, choose, options, takeaway, references")
    try:
        spec = QuestionSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise SourceErrors(validation_diagnostics(doc, (), exc, QuestionSpec)) from None
    problems = _rules(doc, spec, p, context, area_folder=area_folder)
    if problems:
        raise SourceErrors(problems)
    return Question(
        id=spec.id,
        file=doc.file,
        dop_domains=tuple(spec.exams.dop),
        saa_domains=tuple(spec.exams.saa),
        topics=tuple(spec.topics),
        difficulty=spec.difficulty,
        stem=spec.stem.strip(),
        choose=spec.choose,
        options=tuple(Option(o.text.strip(), o.correct, o.why.strip()) for o in spec.options),
        takeaway=spec.takeaway.strip(),
        references=tuple(Reference(r.url, r.checked) for r in spec.references),
        scenario=spec.scenario,
        lesson=spec.lesson,
        changed=spec.changed.strip() if spec.changed else None,
        line=doc.where(("id",), key=True)[0],
    )


def _rules(doc: Document, spec: QuestionSpec, path: Path, context: Context, *, area_folder: bool) -> list[Diagnostic]:
    """The rules of one question that the schema cannot express."""
    out: list[Diagnostic] = []

    def add(where: tuple[str | int, ...], message: str, *, key: bool = False) -> None:
        out.append(positioned(doc, where, message, key=key))

    if not ID_PATTERN.fullmatch(spec.id):
        add(("id",), f"id '{spec.id}' must be kebab-case: lower-case letters, digits and single hyphens")
    if path.stem != spec.id:
        add(("id",), f"the id '{spec.id}' must match the file name '{path.name}' (expected id: {path.stem})")
    for name in ("stem", "takeaway"):
        if not getattr(spec, name).strip():
            add((name,), f"'{name}' must not be empty")
    # Options: count, explanations, distinct texts, the answer key.
    n = len(spec.options)
    if not 4 <= n <= 5:
        add(("options",), f"a question has 4 or 5 options, this one has {n}")
    seen: dict[str, int] = {}
    for i, option in enumerate(spec.options):
        if not option.text.strip():
            add(("options", i, "text"), f"option {i + 1} has an empty 'text'")
        if not option.why.strip():
            add(("options", i, "why"), f"option {i + 1} has an empty 'why': every option explains why it is right or wrong")
        norm = normalise_stem(option.text)
        if norm and norm in seen:
            add(("options", i, "text"), f"option {i + 1} has the same text as option {seen[norm] + 1}")
        seen.setdefault(norm, i)
    correct = [i for i, o in enumerate(spec.options) if o.correct]
    if spec.choose not in (1, 2, 3):
        add(("choose",), f"'choose' must be 1, 2 or 3, not {spec.choose}")
    elif spec.choose >= n:
        add(("choose",), f"'choose' ({spec.choose}) must be less than the number of options ({n})")
    if len(correct) != spec.choose:
        where: tuple[str | int, ...] = ("options", correct[spec.choose], "correct") if len(correct) > spec.choose else ("choose",)
        add(where, f"'choose' is {spec.choose} but {len(correct)} option{'s are' if len(correct) != 1 else ' is'} marked correct: true")
    wanted = CHOOSE_WORDS.get(spec.choose)
    said = CHOOSE_ANY.findall(spec.stem)
    if wanted and wanted not in spec.stem:
        add(("stem",), f"a question with choose: {spec.choose} must say \"{wanted}\" in its stem")
    elif spec.choose == 1 and said:
        add(("stem",), f"the stem says \"{said[0]}\" but choose is 1")
    # References.
    for i, ref in enumerate(spec.references):
        try:
            parts = urlsplit(ref.url.strip())
            scheme, host = parts.scheme, (parts.hostname or "").lower()
        except ValueError:  # "https://[docs" and the like: not a URL at all
            scheme, host = "", ""
        if scheme != "https" and not ref.url.startswith("https://"):
            add(("references", i, "url"), f"reference URL '{ref.url}' must start with https://")
        elif not (host == "aws.amazon.com" or host.endswith(".aws.amazon.com")):
            add(("references", i, "url"), f"reference URL '{ref.url}' must be AWS documentation (docs.aws.amazon.com or aws.amazon.com)")
        if not _is_date(ref.checked):
            add(("references", i, "checked"), f"'checked' must be a date YYYY-MM-DD, not '{ref.checked}'")
    # Cross-references.
    for i, topic in enumerate(spec.topics):
        if topic not in context.topics.by_id:
            guess = did_you_mean(topic, context.topics.by_id)
            hint = f"; did you mean '{guess}'?" if guess else " (content/topics.yaml lists A1..L5)"
            add(("topics", i), f"unknown topic '{topic}'{hint}")
    if spec.scenario is not None and spec.scenario not in context.scenario_ids:
        guess = did_you_mean(spec.scenario, context.scenario_ids)
        hint = f"; did you mean '{guess}'?" if guess else f"; shipped: {', '.join(sorted(context.scenario_ids)) or 'none'}"
        add(("scenario",), f"no shipped scenario '{spec.scenario}'{hint}")
    if spec.lesson is not None:
        lesson = context.lessons_dir / spec.lesson
        if Path(spec.lesson).is_absolute() or ".." in Path(spec.lesson).parts or not is_file(lesson):
            names = [p.name for p in context.lessons_dir.glob("*.md")] if context.lessons_dir.is_dir() else []
            guess = did_you_mean(spec.lesson, names)
            hint = f"; did you mean '{guess}'?" if guess else ""
            add(("lesson",), f"lesson '{spec.lesson}' is not a file under content/lessons/{hint}")
    if area_folder and spec.topics:
        area = context.topics.area_of(spec.topics[0])
        # absolute(): a bare file name, given from inside its folder, has the folder "." (no name).
        folder = Path(path).absolute().parent.name
        if area is not None and folder != area:
            add(("topics", 0), f"a question whose first topic is {spec.topics[0]} belongs in questions/{area}/, not questions/{folder}/")
    return out


def _is_date(text: str) -> bool:
    if not DATE_PATTERN.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def list_question_files(root: Path | None = None) -> list[Path]:
    """The question files of a bank (``<root>/<area>/*.yaml``), sorted."""
    folder = root or questions_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*/*.yaml") if p.is_file())


def load_bank(root: Path | None = None, context: Context | None = None, *, files: Iterable[Path] | None = None) -> Bank:
    """Load every question of a bank; collect what fails instead of stopping.

    Args:
        root: the bank folder (default ``content/questions``); each question in ``<area>/``.
        context: what references are checked against (default: the project's).
        files: load these files instead of the bank's (each still in its area folder).

    Returns:
        The questions that load and every problem, positioned, including ids and stems used twice.
    """
    ctx = context or Context.default()
    bank = Bank()
    paths = list(files) if files is not None else list_question_files(root)
    ids: dict[str, Question] = {}
    stems: dict[str, Question] = {}
    for path in paths:
        bank.files += 1
        try:
            question = load_question(path, ctx, area_folder=True)
        except SourceErrors as exc:
            bank.problems.extend(exc.diagnostics)
            continue
        except LabError as exc:
            bank.problems.append(getattr(exc, "diagnostic", Diagnostic(display_name(path), 0, 0, str(exc))))
            continue
        first = ids.get(question.id)
        if first is not None:
            line, col = _position(question, ("id",))
            bank.problems.append(Diagnostic(question.file, line, col, f"id '{question.id}' is used twice (first in {first.file}:{first.line})"))
            continue
        norm = normalise_stem(question.stem)
        twin = stems.get(norm)
        if twin is not None:
            line, col = _position(question, ("stem",))
            bank.problems.append(Diagnostic(question.file, line, col, f"the same stem as question '{twin.id}' ({twin.file}:{_position(twin, ('stem',))[0]}), compared without case and spacing"))
            continue
        ids[question.id] = question
        stems[norm] = question
        bank.questions.append(question)
    return bank


def _position(question: Question, where: tuple[str, ...]) -> tuple[int, int]:
    """Where a key's value stands in a loaded question's file (read again: only for rare messages)."""
    try:
        doc = load_path(question.file, max_bytes=MAX_QUESTION_BYTES)
    except LabError:
        return question.line, 1
    return doc.where(where)


def validate_files(paths: Iterable[Path], root: Path | None = None, context: Context | None = None) -> tuple[list[Question], list[Diagnostic]]:
    """Validate some question files against the whole bank (ids and stems must stay unique).

    Returns:
        The named files' questions that load, and the problems located in the named files.
    """
    ctx = context or Context.default()
    named = [Path(p) for p in paths]
    wanted = {p.resolve() for p in named}
    others = [p for p in list_question_files(root) if p.resolve() not in wanted]
    # The named files come last, so a clash with the bank is reported on the named file.
    bank = load_bank(root, ctx, files=[*others, *named])
    names = {display_name(p) for p in named} | {str(p) for p in named}
    return [q for q in bank.questions if q.file in names], [d for d in bank.problems if d.file in names]
