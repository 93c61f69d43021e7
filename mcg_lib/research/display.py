"""Display settings of research notebooks: charts as inline SVG, tables in full."""

from __future__ import annotations

import polars as pl

from mcg_lib.research.charts import use_offline_charts

# Tables in the notebooks are top-N lists of up to 25 rows, with release
# titles and role names that fit in 80 characters.
TABLE_ROWS = 25
TABLE_STRING_CHARS = 80


def setup_notebook() -> None:
    """Configure this kernel for research notebooks.

    Altair charts render as inline SVG (``use_offline_charts``), and polars
    tables show up to 25 rows and 80 characters a string, without the shape
    and dtype lines.
    """
    use_offline_charts()
    pl.Config.set_tbl_rows(TABLE_ROWS)
    pl.Config.set_fmt_str_lengths(TABLE_STRING_CHARS)
    pl.Config.set_tbl_hide_dataframe_shape(True)
    pl.Config.set_tbl_hide_column_data_types(True)
