"""Provides ``PlainTable``: Textual's ``DataTable``, drawing its plain one-line cells without Rich's renderer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.css.styles import RenderStyles
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import Column, RowKey

__all__ = ["PlainTable"]

MARKUP = frozenset("[:")
"""A string cell holding one of these may be markup or an emoji code: Rich must parse it."""


def plain(cell: object) -> str | None:
    """The text of a cell that is one unstyled line of printable characters, else ``None`` (Rich draws it)."""
    if isinstance(cell, Text):
        if cell.spans or cell.style or not cell.plain.isprintable():
            return None
        return cell.plain
    if isinstance(cell, str) and not MARKUP.intersection(cell) and cell.isprintable():
        return cell
    return None


class _DrawnStyles(RenderStyles):
    """A component's styles in one drawing, with its Rich style worked out once."""

    def __init__(self, styles: RenderStyles) -> None:
        super().__init__(styles.node, styles.base, styles.inline)  # type: ignore[arg-type]  # the node is alive while it draws
        self._drawn_rich_style = styles.rich_style

    @property
    def rich_style(self) -> Style:
        return self._drawn_rich_style


class PlainTable(DataTable[Any]):
    """A ``DataTable`` (the same API, look and keys) that draws unstyled one-line cells itself.

    DataTable renders every cell through Rich (padding, wrapping, styling: about 0.2 ms a
    cell), which made the catalogue's first draw of 35 rows × 6 cells take 36–44 ms. A cell
    whose text is one line without styles or markup, in a row one line high, is here drawn
    as the segments Rich would produce: the padding, the text, the filling up to the
    column's width and the padding, all in the cell's style (a test compares both). Any
    other cell goes through DataTable as before.

    Such cells are also measured by their text's width (DataTable asks Rich for each cell's
    measure when rows are added), and a table of such rows is sized as DataTable sizes it.

    DataTable also works out its own style, its background colours, its row's style and the
    header's component style (each a walk up the DOM blending backgrounds) for every line it
    draws; within one drawing they cannot change, so they are worked out once per drawing here.
    """

    _drawing: dict[object, Any] | None = None
    """The styles worked out during the drawing under way (None between drawings)."""

    def render_lines(self, crop: Region) -> list[Strip]:
        self._drawing = {}
        try:
            return super().render_lines(crop)
        finally:
            self._drawing = None

    @property
    def rich_style(self) -> Style:
        drawing = self._drawing
        if drawing is None:
            return super().rich_style
        if "widget" not in drawing:
            drawing["widget"] = super().rich_style
        return drawing["widget"]

    @property
    def background_colors(self) -> tuple[Color, Color]:
        drawing = self._drawing
        if drawing is None:
            return super().background_colors
        if "background" not in drawing:
            drawing["background"] = super().background_colors
        return drawing["background"]

    def get_component_styles(self, *names: str) -> RenderStyles:
        drawing = self._drawing
        if drawing is None:
            return super().get_component_styles(*names)
        key = ("component", names)
        if key not in drawing:
            drawing[key] = _DrawnStyles(super().get_component_styles(*names))
        return drawing[key]

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        rows = list(new_rows)
        columns = self.ordered_columns
        widths: list[tuple[Column, int]] = []
        for row_key in rows:
            row = self.rows.get(row_key)
            if row is None or row_key not in self._row_locations:
                continue  # removed before it was measured (DataTable skips it too)
            cells = self._data[row_key]
            texts = [plain(cells.get(column.key)) for column in columns]
            if row.label is not None or row.auto_height or row.height != 1 or None in texts:
                super()._update_dimensions(rows)
                return
            widths.extend((column, cell_len(text)) for column, text in zip(columns, texts) if text is not None)
        for column, width in widths:
            column.content_width = max(column.content_width, width)
        header_height = self.header_height if self.show_header else 0
        width = sum(column.get_render_width(self) for column in self.columns.values()) + self._row_label_column_width
        self.virtual_size = Size(width, self._total_row_height + header_height)

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        drawing = self._drawing
        if drawing is None:
            return super()._get_row_style(row_index, base_style)
        # The rows DataTable styles alike: the header, the fixed rows, odd and even stripes.
        kind = "header" if row_index == -1 else "fixed" if row_index < self.fixed_rows else row_index % 2 if self.zebra_stripes else "plain"
        key = (kind, base_style)
        if key not in drawing:
            drawing[key] = super()._get_row_style(row_index, base_style)
        return drawing[key]

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        column_key = self._column_locations.get_key(column_index)
        text = height = None
        if column_key is None:
            pass  # the row labels' column
        elif row_index == -1:
            text, height = plain(self.columns[column_key].label), self.header_height
        elif (row_key := self._row_locations.get_key(row_index)) is not None:
            text, height = plain(self._data[row_key].get(column_key)), self.rows[row_key].height
        pad = self.cell_padding
        fill = width - 2 * pad - cell_len(text) if text is not None else -1
        if text is None or height != 1 or fill < 0 or not pad:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        is_fixed = row_index != -1 and (row_index < self.fixed_rows or column_index < self.fixed_columns)
        component_style, post_style = self._get_styles_to_render_cell(
            row_index == -1,
            False,
            is_fixed,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style + post_style
        padding = Segment(" " * pad, style)
        line = [padding, Segment(text, style), Segment(" " * fill, style), padding] if fill else [padding, Segment(text, style), padding]
        return [line]
