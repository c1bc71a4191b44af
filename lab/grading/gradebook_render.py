"""Provides the gradebook's outputs: JSON, Markdown, CSV and one self-contained HTML page.

Every name and message in a gradebook comes from learners' files and folders, so each
format escapes it for where it lands: JSON through ``json.dumps`` (and ``defuse_json`` for
logs); Markdown with control characters shown escaped and table and inline syntax (``|``,
``*``, ``<``...) backslash-escaped or written as entities; CSV with a leading ``'`` on a
cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``); HTML through
``html.escape`` in a page whose Content-Security-Policy allows no script at all. The page
has no external assets: inline CSS and two bar charts drawn here as inline SVG (two bar
charts need no charting library, and none would work without a network or a browser-side
script). Outputs are byte-identical for the same reports.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from lab.grading.gradebook import Cell, Gradebook
from lab.safe_text import defuse_json, defuse_line, printable

__all__ = ["FORMATS", "GRADEBOOK_VERSION", "counted", "render", "render_csv", "render_html", "render_json", "render_markdown", "summary", "to_dict"]

GRADEBOOK_VERSION = 1
"""Version of the gradebook's JSON; bumped on any incompatible change."""

FORMATS = ("md", "csv", "json", "html")
"""The output formats, in the order they are written."""

TOP_CHECKS_CHARTED = 12
"""Checks in the HTML page's failure-rate chart (the hardest)."""


def counted(n: int, noun: str) -> str:
    """``1 learner``, ``30 learners``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def summary(gb: Gradebook) -> str:
    """``30 learners, 5 scenarios, 165 reports``."""
    return f"{counted(len(gb.learners), 'learner')}, {counted(len(gb.scenarios), 'scenario')}, {counted(gb.reports, 'report')}"


def _pct(x: float) -> str:
    return f"{round(100 * x)} %"


def _r(x: float) -> float:
    return round(x, 4)


# -- JSON ----------------------------------------------------------------------------------


def to_dict(gb: Gradebook) -> dict[str, Any]:
    """The gradebook as plain data (the JSON output; documented in docs/teaching.md)."""
    return {
        "gradebook_version": GRADEBOOK_VERSION,
        "learner_rule": gb.learner_rule,
        "reports": gb.reports,
        "best_attempt": "passed first, then the higher score",
        "learners": [
            {"name": s.name, "scenarios": s.scenarios, "passed": s.passed, "mean_score": _r(s.mean_score), "stuck_on": list(s.stuck_on)}
            for s in gb.learners
        ],
        "scenarios": [
            {
                "id": s.id,
                "title": s.title,
                "learners": s.learners,
                "passed": s.passed,
                "pass_rate": _r(s.pass_rate),
                "attempts": s.attempts,
                "mean_score": _r(s.mean_score),
                "topics": list(s.topics),
            }
            for s in gb.scenarios
        ],
        "matrix": [_cell_dict(c) for c in gb.cells.values()],
        "checks": [
            {
                "scenario": c.scenario_id,
                "check": c.check_id,
                "title": c.title,
                "required": c.required,
                "learners": c.learners,
                "failing": c.failing,
                "failure_rate": _r(c.failure_rate),
                "ever_failed": c.ever_failed,
                "failed_attempts": c.failed_attempts,
                "message": c.message,
                "message_count": c.message_count,
            }
            for c in gb.checks
        ],
        "topics": [
            {
                "id": t.topic.id,
                "area": t.topic.area,
                "topic": t.topic.title,
                "scenarios": list(t.scenarios),
                "learners": t.learners,
                "pairs": t.pairs,
                "passed": t.passed,
                "pass_rate": _r(t.pass_rate),
                "mean_score": _r(t.mean_score),
            }
            for t in gb.topics
        ],
        "untopical_scenarios": list(gb.untopical),
    }


def _cell_dict(c: Cell) -> dict[str, Any]:
    return {
        "learner": c.learner,
        "scenario": c.scenario_id,
        "passed": c.best.passed,
        "score": c.best.score,
        "max_score": c.best.max_score,
        "attempts": c.attempts,
        "best_report": c.best.file,
        "failed_checks": [k.id for k in c.best.checks if not k.passed],
    }


def render_json(gb: Gradebook) -> str:
    """The gradebook as JSON: sorted keys, two-space indent, UTF-8, a final newline."""
    return defuse_json(json.dumps(to_dict(gb), indent=2, sort_keys=True, ensure_ascii=False)) + "\n"


# -- Markdown ------------------------------------------------------------------------------

# Inside a table cell only these make markup (a cell never starts a line, so # - + . do not).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(text: str) -> str:
    """Text safe in a Markdown table cell: one line, no markup, no HTML, no ``|``."""
    shown = printable(text)
    shown = _MD_SPECIAL.sub(r"\\\1", shown)
    return shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md_table(head: Sequence[str], align: str, rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _md_cell(c: Cell | None) -> str:
    if c is None:
        return "–"
    verdict = "**pass**" if c.best.passed else "fail"
    more = f" ({c.attempts})" if c.attempts > 1 else ""
    return f"{verdict} {c.best.score}/{c.best.max_score}{more}"


def render_markdown(gb: Gradebook) -> str:
    """The gradebook as one Markdown page (GitHub-flavoured tables)."""
    out = [
        "# Gradebook",
        "",
        f"{summary(gb)} (learners told by "
        f"--learner {md(gb.learner_rule)}). Each cell is a learner's best attempt: passed first, then the higher score; "
        "the number in brackets is the attempts when more than one. Stuck on: the content-map topics of the scenarios "
        "a learner has not passed.",
        "",
        "## Learners × scenarios",
        "",
    ]
    sids = [s.id for s in gb.scenarios]
    rows = []
    for learner in gb.learners:
        rows.append(
            [md(learner.name), f"{learner.passed}/{learner.scenarios}", _pct(learner.mean_score)]
            + [_md_cell(gb.cells.get((learner.name, sid))) for sid in sids]
            + [md(", ".join(learner.stuck_on)) or "–"]
        )
    out += _md_table(["learner", "passed", "mean score", *(md(s) for s in sids), "stuck on (topics)"], "lrr" + "l" * len(sids) + "l", rows)
    out += ["", "## Scenarios", ""]
    out += _md_table(
        ["scenario", "title", "learners", "passed", "pass rate", "mean score", "attempts", "topics"],
        "llrrrrrl",
        (
            [md(s.id), md(s.title), str(s.learners), str(s.passed), _pct(s.pass_rate), _pct(s.mean_score), str(s.attempts), md(", ".join(s.topics)) or "–"]
            for s in gb.scenarios
        ),
    )
    out += [
        "",
        "## Hardest checks",
        "",
        "Failure rate: the learners whose best attempt fails the check, of those who tried the scenario. "
        "The message is the most common among all failed attempts.",
        "",
    ]
    out += _md_table(
        ["scenario", "check", "title", "required", "failing", "failure rate", "ever failed", "most common failure message"],
        "lllrrrrl",
        (
            [
                md(c.scenario_id),
                md(c.check_id),
                md(c.title),
                "yes" if c.required else "no",
                f"{c.failing}/{c.learners}",
                _pct(c.failure_rate),
                str(c.ever_failed),
                f"{md(c.message)} (×{c.message_count})" if c.message else "–",
            ]
            for c in gb.checks
        ),
    )
    out += ["", "## Topic mastery", "", "Per content-map topic, the learners' best attempts at its scenarios; weakest first.", ""]
    if gb.topics:
        out += _md_table(
            ["topic", "area", "text", "scenarios", "learners", "passed", "pass rate", "mean score"],
            "lllrrrrr",
            (
                [md(t.topic.id), md(t.topic.area), md(t.topic.title), md(", ".join(t.scenarios)), str(t.learners), f"{t.passed}/{t.pairs}", _pct(t.pass_rate), _pct(t.mean_score)]
                for t in gb.topics
            ),
        )
    else:
        out.append("No content-map topic is known for these scenarios.")
    if gb.untopical:
        out += ["", f"No content-map topic is known for: {md(', '.join(gb.untopical))}."]
    # A summary may be shown in a CI log: no line may read as a workflow command.
    return "\n".join(defuse_line(line) for line in out) + "\n"


# -- CSV -----------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}"
    text = printable(str(value))
    # A spreadsheet runs a cell starting with = + - @ (or a tab or CR) as a formula: OWASP's
    # CSV-injection advice is a leading quote, which the spreadsheet shows as text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not isinstance(value, int | float):
        text = "'" + text
    return text


def _csv(head: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(head)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    # A cell holds no line break (printable), so each row is one line, which a CI log shows inert.
    return "".join(defuse_line(line) + "\n" for line in buf.getvalue().splitlines())


def render_csv(gb: Gradebook) -> dict[str, str]:
    """The gradebook's tables as CSV files, by file-name suffix (``learners``, ``matrix``, ``scenarios``, ``checks``, ``topics``)."""
    return {
        "learners": _csv(
            ["learner", "scenarios", "passed", "mean_score", "stuck_on"],
            ([s.name, s.scenarios, s.passed, s.mean_score, " ".join(s.stuck_on)] for s in gb.learners),
        ),
        "matrix": _csv(
            ["learner", "scenario", "passed", "score", "max_score", "attempts", "failed_checks", "best_report"],
            (
                [c.learner, c.scenario_id, c.best.passed, c.best.score, c.best.max_score, c.attempts, " ".join(k.id for k in c.best.checks if not k.passed), c.best.file]
                for c in gb.cells.values()
            ),
        ),
        "scenarios": _csv(
            ["scenario", "title", "learners", "passed", "pass_rate", "mean_score", "attempts", "topics"],
            ([s.id, s.title, s.learners, s.passed, s.pass_rate, s.mean_score, s.attempts, " ".join(s.topics)] for s in gb.scenarios),
        ),
        "checks": _csv(
            ["scenario", "check", "title", "required", "learners", "failing", "failure_rate", "ever_failed", "failed_attempts", "message", "message_count"],
            (
                [c.scenario_id, c.check_id, c.title, c.required, c.learners, c.failing, c.failure_rate, c.ever_failed, c.failed_attempts, c.message, c.message_count]
                for c in gb.checks
            ),
        ),
        "topics": _csv(
            ["topic", "area", "text", "scenarios", "learners", "pairs", "passed", "pass_rate", "mean_score"],
            ([t.topic.id, t.topic.area, t.topic.title, " ".join(t.scenarios), t.learners, t.pairs, t.passed, t.pass_rate, t.mean_score] for t in gb.topics),
        ),
    }


# -- HTML ----------------------------------------------------------------------------------


def h(text: str) -> str:
    """Text safe in HTML content and attribute values (control characters shown escaped)."""
    # ``##[`` as an entity: the page shows it, and a CI log that prints the file does not run it.
    return html.escape(printable(text), quote=True).replace("##[", "##&#91;")


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:76rem;padding:0 1rem;color:#1f2328;background:#fff}
h1{font-size:1.7rem;margin:0 0 .3rem}h2{font-size:1.25rem;margin:2rem 0 .6rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
p.lead{color:#57606a;margin-top:0}
.wrap{overflow-x:auto}
table{border-collapse:collapse;font-size:.9rem;margin:.4rem 0}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
td.id,td.pass,td.fail{white-space:nowrap}td.pass{background:#dafbe1}td.fail{background:#ffebe9}td.none{color:#8c959f;text-align:center}
td.msg{min-width:22rem;max-width:34rem;word-break:break-word;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.8rem}
.charts{display:flex;flex-wrap:wrap;gap:2rem}
figure{margin:0}figcaption{font-weight:600;margin-bottom:.3rem}
svg text{font:12px system-ui,sans-serif;fill:#1f2328}
"""


def _bar_chart(title: str, rows: Sequence[tuple[str, float]], *, colour: str) -> str:
    """A horizontal bar chart of shares (0..1) as inline SVG, one labelled bar per row."""
    label_w, bar_w, row_h, top = 260, 300, 22, 24
    width, height = label_w + bar_w + 60, top + row_h * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{h(title)}</title>",
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = label_w + tick * bar_w
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 6}" stroke="#d0d7de"/>')
        parts.append(f'<text x="{x:.1f}" y="{top - 10}" text-anchor="middle">{round(tick * 100)}%</text>')
    for i, (label, share) in enumerate(rows):
        y = top + i * row_h
        shown = label if len(label) <= 40 else label[:39] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{h(shown)}<title>{h(label)}</title></text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{max(share, 0.0) * bar_w:.1f}" height="{row_h - 8}" fill="{colour}"/>')
        parts.append(f'<text x="{label_w + share * bar_w + 6:.1f}" y="{y + 15}">{round(share * 100)}%</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(head: Sequence[str], rows: Iterable[Sequence[tuple[str, str]]]) -> str:
    """An HTML table; each row is (class, already-escaped HTML) per cell."""
    out = ['<div class="wrap"><table><thead><tr>', *(f"<th>{c}</th>" for c in head), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(f'<td class="{cls}">{body}</td>' if cls else f"<td>{body}</td>" for cls, body in row) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _html_cell(c: Cell | None) -> tuple[str, str]:
    if c is None:
        return "none", "–"
    more = f" <small>({c.attempts})</small>" if c.attempts > 1 else ""
    verdict = "pass" if c.best.passed else "fail"
    return verdict, f"{verdict} {c.best.score}/{c.best.max_score}{more}"


def render_html(gb: Gradebook) -> str:
    """The gradebook as one self-contained HTML page: the same tables and two SVG bar charts."""
    sids = [s.id for s in gb.scenarios]
    body = [
        "<h1>Gradebook</h1>",
        f'<p class="lead">{summary(gb)} '
        f"(learners told by <code>--learner {h(gb.learner_rule)}</code>). Each cell is a learner's best attempt: passed "
        "first, then the higher score; the number in brackets is the attempts when more than one. Stuck on: the "
        "content-map topics of the scenarios a learner has not passed.</p>",
        '<div class="charts">',
        f"<figure><figcaption>Pass rate per scenario</figcaption>{_bar_chart('Pass rate per scenario', [(s.id, s.pass_rate) for s in gb.scenarios], colour='#2da44e')}</figure>",
        f"<figure><figcaption>Failure rate of the hardest checks</figcaption>"
        f"{_bar_chart('Failure rate of the hardest checks', [(f'{c.scenario_id}: {c.check_id}', c.failure_rate) for c in gb.checks[:TOP_CHECKS_CHARTED]], colour='#cf222e')}</figure>",
        "</div>",
        "<h2>Learners × scenarios</h2>",
        _table(
            ["learner", "passed", "mean score", *(h(s) for s in sids), "stuck on (topics)"],
            (
                [("", h(lr.name)), ("n", f"{lr.passed}/{lr.scenarios}"), ("n", _pct(lr.mean_score))]
                + [_html_cell(gb.cells.get((lr.name, sid))) for sid in sids]
                + [("", h(", ".join(lr.stuck_on)) or "–")]
                for lr in gb.learners
            ),
        ),
        "<h2>Scenarios</h2>",
        _table(
            ["scenario", "title", "learners", "passed", "pass rate", "mean score", "attempts", "topics"],
            (
                [("id", h(s.id)), ("", h(s.title)), ("n", str(s.learners)), ("n", str(s.passed)), ("n", _pct(s.pass_rate)), ("n", _pct(s.mean_score)), ("n", str(s.attempts)), ("", h(", ".join(s.topics)) or "–")]
                for s in gb.scenarios
            ),
        ),
        "<h2>Hardest checks</h2>",
        "<p>Failure rate: the learners whose best attempt fails the check, of those who tried the scenario. The message is the most common among all failed attempts.</p>",
        _table(
            ["scenario", "check", "title", "required", "failing", "failure rate", "ever failed", "most common failure message"],
            (
                [
                    ("id", h(c.scenario_id)),
                    ("id", h(c.check_id)),
                    ("", h(c.title)),
                    ("", "yes" if c.required else "no"),
                    ("n", f"{c.failing}/{c.learners}"),
                    ("n", _pct(c.failure_rate)),
                    ("n", str(c.ever_failed)),
                    ("msg", f"{h(c.message)} (×{c.message_count})" if c.message else "–"),
                ]
                for c in gb.checks
            ),
        ),
        "<h2>Topic mastery</h2>",
        "<p>Per content-map topic, the learners' best attempts at its scenarios; weakest first.</p>",
    ]
    if gb.topics:
        body.append(
            _table(
                ["topic", "area", "text", "scenarios", "learners", "passed", "pass rate", "mean score"],
                (
                    [("id", h(t.topic.id)), ("", h(t.topic.area)), ("", h(t.topic.title)), ("", h(", ".join(t.scenarios))), ("n", str(t.learners)), ("n", f"{t.passed}/{t.pairs}"), ("n", _pct(t.pass_rate)), ("n", _pct(t.mean_score))]
                    for t in gb.topics
                ),
            )
        )
    else:
        body.append("<p>No content-map topic is known for these scenarios.</p>")
    if gb.untopical:
        body.append(f"<p>No content-map topic is known for: {h(', '.join(gb.untopical))}.</p>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        # No script, no remote anything: a missed escape still could not run or fetch.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Gradebook</title><style>{_CSS.strip()}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def render(gb: Gradebook, formats: Sequence[str]) -> dict[str, str]:
    """File name → text for each format asked (``gradebook.md``, ``gradebook-matrix.csv``, ...)."""
    files: dict[str, str] = {}
    for fmt in FORMATS:
        if fmt not in formats:
            continue
        if fmt == "md":
            files["gradebook.md"] = render_markdown(gb)
        elif fmt == "json":
            files["gradebook.json"] = render_json(gb)
        elif fmt == "html":
            files["gradebook.html"] = render_html(gb)
        else:
            files.update({f"gradebook-{name}.csv": text for name, text in render_csv(gb).items()})
    return files
