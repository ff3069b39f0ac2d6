"""The charts of the inventory PDF, as reportlab drawings (vector, no image library).

Bars are horizontal because Chinese sector and district names are long; values are scaled
to a unit the axis can print (万吨 in Chinese, kt or Mt in English) and the unit is written
on the chart, so an axis never shows eight-digit numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart  # type: ignore[import-untyped]
from reportlab.graphics.charts.legends import Legend  # type: ignore[import-untyped]
from reportlab.graphics.charts.lineplots import LinePlot  # type: ignore[import-untyped]
from reportlab.graphics.shapes import Drawing, String  # type: ignore[import-untyped]
from reportlab.graphics.widgets.markers import makeMarker  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]

BAR = colors.HexColor("#2f6f5e")
SINK = colors.HexColor("#7fb069")
GROSS = colors.HexColor("#2f6f5e")
NET = colors.HexColor("#d08c3a")


def scale(max_abs: float, lang: str) -> tuple[float, str]:
    """A divisor for the values and the unit it gives."""
    if lang == "zh":
        return (1e4, "万吨二氧化碳当量") if max_abs >= 1e5 else (1.0, "吨二氧化碳当量")
    if max_abs >= 1e7:
        return 1e6, "Mt CO2e"
    if max_abs >= 1e4:
        return 1e3, "kt CO2e"
    return 1.0, "t CO2e"


def _tick(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.2g}"


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    lang: str,
    font: str,
    width: float,
) -> Drawing:
    """Horizontal bars, the first label on top; negative values (sinks) in another colour."""
    divisor, unit = scale(max((abs(v) for v in values), default=0.0), lang)
    bar_h, top, bottom, left = 16.0, 24.0, 28.0, 150.0
    height = top + bottom + bar_h * len(values) * 1.4
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = left, bottom
    chart.width, chart.height = width - left - 20, height - top - bottom
    # reportlab draws the first category at the bottom: reverse so the list reads top-down
    chart.data = [[v / divisor for v in reversed(values)]]
    chart.categoryAxis.categoryNames = list(reversed(labels))
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.labels.maxWidth = left - 8  # long English names wrap at spaces
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = _tick
    chart.valueAxis.forceZero = True
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#dddddd")
    chart.bars.strokeColor = None
    chart.bars[0].fillColor = BAR
    for i, value in enumerate(reversed(values)):
        if value < 0:
            chart.bars[(0, i)].fillColor = SINK
    chart.barWidth = bar_h
    drawing.add(chart)
    drawing.add(String(0, height - 14, title, fontName=font, fontSize=10))
    drawing.add(
        String(
            width - 20, 6, unit, fontName=font, fontSize=7, textAnchor="end", fillColor=colors.grey
        )
    )
    return drawing


def trend_chart(
    title: str,
    years: Sequence[int],
    series: Sequence[tuple[str, Sequence[float]]],
    lang: str,
    font: str,
    width: float,
) -> Drawing:
    """Lines over the years with markers (one stored year still shows as points)."""
    max_abs = max((abs(v) for _, values in series for v in values), default=0.0)
    divisor, unit = scale(max_abs, lang)
    height = 200.0
    drawing = Drawing(width, height)
    plot = LinePlot()
    plot.x, plot.y = 60, 35
    plot.width, plot.height = width - 80, height - 85  # room above for title and legend
    plot.data = [
        [(year, value / divisor) for year, value in zip(years, values, strict=True)]
        for _, values in series
    ]
    first, last = min(years), max(years)
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = first - 0.5, last + 0.5
    plot.xValueAxis.valueSteps = list(years)
    plot.xValueAxis.labelTextFormat = "%d"
    plot.xValueAxis.labels.fontName = font
    plot.xValueAxis.labels.fontSize = 7.5
    plot.yValueAxis.labels.fontName = font
    plot.yValueAxis.labels.fontSize = 7
    plot.yValueAxis.labelTextFormat = _tick
    plot.yValueAxis.rangeRound = "both"  # lines never touch the frame
    plot.yValueAxis.visibleGrid = True
    plot.yValueAxis.gridStrokeColor = colors.HexColor("#dddddd")
    for i, color in enumerate((GROSS, NET)[: len(series)]):
        plot.lines[i].strokeColor = color
        plot.lines[i].strokeWidth = 1.5
        plot.lines[i].symbol = makeMarker("FilledCircle", size=4, fillColor=color)
    drawing.add(plot)
    legend = Legend()
    legend.x, legend.y = 60, height - 24
    legend.fontName, legend.fontSize = font, 7.5
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 170
    legend.colorNamePairs = [
        (color, name) for color, (name, _) in zip((GROSS, NET), series, strict=False)
    ]
    drawing.add(legend)
    drawing.add(String(0, height - 14, title, fontName=font, fontSize=10))
    drawing.add(String(60, 6, unit, fontName=font, fontSize=7, fillColor=colors.grey))
    return drawing
