"""A plan's timing sheet: ``timing.csv`` (one row per period, junction and phase),
``timing-lane-groups.csv`` (one row per period, junction and lane group: planned v/c) and
``timing.html`` (tables per junction, the search, the time-space diagrams)."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from stopline.agents.plans.timing_plan import waut_time
from stopline.envs.pedestrians import WALK, clearance_time, longest_crossing
from stopline.experiments.reports.html import html_image, html_page, html_table
from stopline.experiments.reports.phase_diagram import junction_diagrams
from stopline.experiments.runs.store import write_atomically, write_rows
from stopline.measures.hcm import (
    CRITICAL_HEADWAY,
    FOLLOW_UP_HEADWAY,
    SATURATION_FLOW,
    START_UP_LOST,
    YELLOW_USED,
)
from stopline.measures.movements import lane_groups, phase_movements, planned_groups
from stopline.scenarios.clock import clock, span

TIMING_CSV = "timing.csv"
TIMING_HTML = "timing.html"
LANE_GROUPS_CSV = "timing-lane-groups.csv"
LANE_GROUP_COLUMNS = (
    "period",
    "junction",
    "lane_group",
    "approach",
    "lanes",
    "flow",
    "green_share",
    "capacity",
    "v_c",
)
CSV_COLUMNS = (
    "period",
    "junction",
    "group",
    "cycle",
    "offset",
    "phase",
    "movements",
    "state",
    "green",
    "yellow",
    "all_red",
    "walk",
    "flashing_dont_walk",
    "crossing_m",
    "flow_ratio",
    "degree_of_saturation",
    "waut_switch",
    "takes_over",
    "dwell",
)


# How the sheet's yellows and all-reds were set (`EnvConfig.intergreens`).
INTERGREEN_TEXT = {
    "programme": (
        "each junction's programme (its yellow, else 3 s; its all-reds; "
        "--env intergreens=programme)"
    ),
    "geometry": (
        "ITE's change and clearance intervals from each link's speed v and path W through "
        "the junction: yellow 1 s + v / (2 x 3.05 m/s2), all-red (W + 6.1 m) / v, whole "
        "seconds up, never shorter than the programme's (stopline plan's default; "
        "--env intergreens=geometry elsewhere)"
    ),
}


def oversaturated(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str, float]]:
    """(junction, period, highest degree of saturation) wherever a phase's exceeds 1."""
    found = []
    for row in rows:
        worst = max(phase["saturation"] for phase in row["phases"])
        if worst > 1.0:
            found.append((row["junction"], row["period"], worst))
    return found


def _number(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def at_clock(record: dict[str, Any], start: float) -> dict[str, Any]:
    """A plan record (`plans.store.record`) with its periods as times of the day whose
    ``start`` (s after midnight) is simulation second 0, and each row's ``clock`` the
    start, for the page's switch times (the CSV keeps the WAUT's simulation seconds, as
    ``plan.add.xml`` has them); the record as it is for 0."""
    if not start:
        return record
    labels = {}
    rows = []
    for row in record["coordinated"]:
        labels[row["period"]] = span(row["start"] + start, row["end"] + start)
        rows.append({**row, "period": labels[row["period"]], "clock": start})
    periods = [labels.get(period, period) for period in record["periods"]]
    return {**record, "coordinated": rows, "periods": periods, "clock_start": clock(start)}


def with_movements(
    rows: Sequence[dict[str, Any]],
    net: Path,
    flows: Mapping[float, Mapping[tuple[str, str], float]],
) -> list[dict[str, Any]]:
    """The sheet's rows with each phase's movements named (`movements.phase_movements`)
    and its pedestrian timings (`envs.pedestrians`), from the net; and each lane group's
    planned flow, capacity and v/c (`movements.planned_groups`) from ``flows``, the
    design's movement flows of the period starting at each row's ``start``."""
    groups = lane_groups(net, sorted({row["junction"] for row in rows}))
    return [
        {
            **row,
            "lane_groups": planned_groups(
                groups.get(row["junction"], []), row["phases"], flows[row["start"]]
            ),
            "phases": [
                {
                    **phase,
                    "movements": phase_movements(groups.get(row["junction"], []), phase["state"]),
                    **_walking(longest_crossing(net, row["junction"], phase["state"])),
                }
                for phase in row["phases"]
            ],
        }
        for row in rows
    ]


def phase_pictures(rows: Sequence[dict[str, Any]], net: Path) -> dict[str, str]:
    """Each junction's phase diagram (`phase_diagram`) for its phases in the first period
    that names them, as base64 PNGs."""
    states: dict[str, list[str]] = {}
    for row in rows:
        states.setdefault(row["junction"], [phase["state"] for phase in row["phases"]])
    return junction_diagrams(net, lane_groups(net, sorted(states)), states)


def _walking(length: float | None) -> dict[str, float | None]:
    """A phase's pedestrian timings: walk and flashing don't-walk of its longest crossing."""
    if length is None:
        return {"walk": None, "flashing_dont_walk": None, "crossing_m": None}
    return {"walk": WALK, "flashing_dont_walk": clearance_time(length), "crossing_m": length}


def _phase_cells(index: int, phase: dict[str, Any]) -> list[str]:
    """A phase's number, movements, state, green, yellow, all-red, pedestrian walk,
    flashing don't-walk and crossing length, y and x, as the sheet writes them."""
    return [
        str(index),
        phase["movements"],
        phase["state"],
        _number(phase["green"]),
        _number(phase["yellow"]),
        _number(phase["all_red"]),
        _number(phase.get("walk")),
        _number(phase.get("flashing_dont_walk")),
        _number(phase.get("crossing_m"), 1),
        _number(phase["flow_ratio"], 3),
        _number(phase["saturation"], 2),
    ]


def write_csv(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Every period's timings per junction and phase."""
    lines = (
        [
            row["period"],
            row["junction"],
            row["group"],
            _number(row["cycle"]),
            _number(row["offset"]),
            *_phase_cells(index, phase),
            _number(_waut(row)) if index == 1 else "",
            _number(row["switch_at"]) if index == 1 else "",
            _number(row["dwell"]) if index == 1 else "",
        ]
        for row in rows
        for index, phase in enumerate(row["phases"], start=1)
    )
    write_rows(path, CSV_COLUMNS, (dict(zip(CSV_COLUMNS, line, strict=True)) for line in lines))


def _group_cells(group: dict[str, Any]) -> list[str]:
    """A lane group's name, approach, lanes, flow, g/C, capacity and v/c, as the sheet
    writes them."""
    return [
        group["lane_group"],
        group["approach"],
        str(group["lanes"]),
        _number(group["flow"]),
        _number(group["green_share"], 3),
        _number(group["capacity"]),
        _number(group["v_c"], 2),
    ]


def write_lane_groups_csv(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Every period's planned figures per junction and lane group (`with_movements`)."""
    lines = (
        [row["period"], row["junction"], *_group_cells(group)]
        for row in rows
        for group in row["lane_groups"]
    )
    write_rows(
        path,
        LANE_GROUP_COLUMNS,
        (dict(zip(LANE_GROUP_COLUMNS, line, strict=True)) for line in lines),
    )


def _lane_group_table(rows: Sequence[dict[str, Any]]) -> str:
    """One junction's lane groups per period: flow, capacity and v/c under the plan."""
    titles = [
        "period", "lane group", "approach", "lanes", "flow PCU/h", "g/C", "capacity PCU/h", "v/c"
    ]  # fmt: skip
    cells, marks = [], []
    for row in rows:
        for index, group in enumerate(row["lane_groups"]):
            cells.append([row["period"] if index == 0 else "", *_group_cells(group)])
            marks.append(group["v_c"] is not None and group["v_c"] > 1.0)
    return html_table(titles, cells, marks, css="warning", text_columns=(1, 2))


PEDESTRIAN_TITLES = ("walk s", "flashing don't-walk s", "crossing m")


def _waut(row: dict[str, Any]) -> float | None:
    """The time the plan's WAUT switches to the row's programme (as ``plan.add.xml``
    says), None for a period's first programme."""
    return None if row["switch_at"] is None else waut_time(row["switch_at"])


def _switch(row: dict[str, Any]) -> str:
    """When the WAUT switches to the period's programme, when that takes over (at a start
    of the old programme's first green) and how long SUMO held its first green to reach
    the offset."""
    waut = _waut(row)
    if waut is None:
        return "at the start"
    held = f", first green held {row['dwell']:g} s" if row["dwell"] else ""
    shift = row.get("clock", 0.0)
    asked, takes_over = (
        clock(time + shift, with_seconds=True) for time in (waut, row["switch_at"])
    )
    return f"WAUT {asked} (second {waut:g}), takes over {takes_over}{held}"


def _junction_table(rows: Sequence[dict[str, Any]]) -> str:
    """One junction's periods and phases; the pedestrian columns only where it has
    crossings."""
    titles = [
        "period", "switched in", "cycle s", "offset s", "phase", "movements", "signal state",
        "green s", "yellow s", "all-red s", "walk s", "flashing don't-walk s", "crossing m",
        "flow ratio y", "saturation x",
    ]  # fmt: skip
    walkers = any(phase.get("walk") is not None for row in rows for phase in row["phases"])
    keep = [i for i, title in enumerate(titles) if walkers or title not in PEDESTRIAN_TITLES]
    cells, marks = [], []
    for row in rows:
        for index, phase in enumerate(row["phases"], start=1):
            first = index == 1
            line = [
                row["period"] if first else "",
                _switch(row) if first else "",
                _number(row["cycle"]) if first else "",
                _number(row["offset"]) + ("" if row["in_step"] else " *") if first else "",
                *_phase_cells(index, phase),
            ]
            cells.append([line[i] for i in keep])
            marks.append(phase["saturation"] > 1.0)
    return html_table([titles[i] for i in keep], cells, marks, css="warning", text_columns=(1, 5))


def search_facts(record: dict[str, Any]) -> list[tuple[str, str]]:
    """How an optimised plan was found, as the sheet states it."""
    search = record["search"]
    history = record["history"]
    start = {label: value for label, value in history if label.startswith("cycle")}
    unit = {"delay": "s per vehicle", "stops": "stops per vehicle", "bandwidth": "(negative)"}
    return [
        ("scenario", record["scenario"]),
        (
            "periods",
            ", ".join(record["periods"])
            + (
                f" (clock time: simulation second 0 is {record['clock_start']})"
                if "clock_start" in record
                else " (simulation time from midnight; --start HH:MM gives clock time)"
            ),
        ),
        ("objective", f"{search['objective']} ({unit[search['objective']]})"),
        ("intergreens", INTERGREEN_TEXT[record.get("intergreens", "programme")]),
        (
            "judged on",
            f"training demand seeds {', '.join(map(str, record['training_seeds']))} "
            "(never evaluation seeds)",
        ),
        (
            "cycle stage (with tlsCoordinator.py's offsets)",
            "; ".join(
                f"{label.removeprefix('cycle ')}: {value:.2f}" for label, value in start.items()
            ),
        ),
        (
            "offset stage",
            f"{search['trials']} trials from tlsCoordinator.py's offsets; best "
            f"{min(value for _, value in history):.2f}",
        ),
        ("optimised in", f"{record['optimise_seconds']:.0f} s"),
    ]


def write_html(
    record: dict[str, Any],
    diagrams: Sequence[tuple[str, Path]],
    path: Path,
    facts: Sequence[tuple[str, str]] | None = None,
    pictures: Mapping[str, str] | None = None,
) -> None:
    """The timing sheet page: how the plan was found (``facts``, by default the search's),
    then per junction its phase diagram (``pictures``, `phase_pictures`) and table."""
    rows = record["coordinated"]
    facts = search_facts(record) if facts is None else facts
    title = record.get("title", f"Timing plan: {record['scenario']}")
    body = [
        f"<h1>{html.escape(title)}</h1>",
        "<table class=provenance>"
        + "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts)
        + "</table>",
        "<p>Each phase is named by the movements it serves: approach by travel direction "
        "(NB, EB, SB, WB) and turns (L, T, R, U); a left on its own green is protected, a "
        "movement that must yield is permitted. Greens, yellows and all-reds in seconds; "
        "the offset is when the first phase's green starts, in simulation seconds (SUMO's "
        "time) modulo the cycle. y is the phase's critical flow ratio (flow / saturation "
        "flow), x its degree of saturation (y C / effective "
        "green); rows with x &gt; 1 cannot serve the period's demand. An offset marked * is "
        "not reached in that period (no switch within max green could reach it).</p>",
        "<p>Under each junction's phases, its lane groups (the lanes of an approach that "
        "serve the same movements, as the HCM forms them) in each period: the design's "
        "flow (training demand, PCU/h, a movement's flow shared equally by its lanes), the "
        "effective green share g/C (each green period less the start-up lost time "
        f"{START_UP_LOST:g} s, plus the {YELLOW_USED:g} s of yellow drivers use), capacity "
        f"c = lanes x {SATURATION_FLOW:g} PCU/h x g/C, and v/c. A "
        "left-turn lane of its own that must yield discharges at the HCM's permitted rate "
        "against the opposite approach's through flow (critical headway "
        f"{CRITICAL_HEADWAY:g} s, follow-up {FOLLOW_UP_HEADWAY:g} s); a shared lane's "
        "permitted left is not reduced, so its v/c reads low. Rows with v/c &gt; 1 cannot "
        "be served.</p>",
    ]
    for name, image in diagrams:
        data = base64.b64encode(image.read_bytes()).decode()
        body.append(
            html_image(
                f"Time-space diagram: {name}",
                data,
                "Vehicle trajectories along the arterial (SUMO fcd output, a training seed) "
                "over each signal's through green (green) and red (red, yellow in amber), "
                "both directions.",
            )
        )
    junctions = sorted({row["junction"] for row in rows})
    for junction in junctions:
        mine = [row for row in rows if row["junction"] == junction]
        body.append(f"<h2>Junction {html.escape(junction)} (group {mine[0]['group']})</h2>")
        if pictures and junction in pictures:
            body.append(
                f"<figure><img alt='phases of {html.escape(junction)}' "
                f"src='data:image/png;base64,{pictures[junction]}'><figcaption>Phases: "
                "protected movements solid green, permitted (yielding) dashed.</figcaption>"
                "</figure>"
            )
        body.append(_junction_table(mine))
        if any(row.get("lane_groups") for row in mine):
            body.append(f"<h3>Lane groups of {html.escape(junction)}: planned v/c</h3>")
            body.append(_lane_group_table(mine))
    write_atomically(path, html_page(title, body))
