"""The report as an engineer receives it from ``stopline compare``: every part it promises,
parsed from the HTML; and a rerun with changed options refused, never pooled."""

from __future__ import annotations

import base64
import json
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest

from stopline.experiments.reports.figures import DPI
from stopline.experiments.runs.store import read_runs, read_settings
from stopline.scenarios import sumo_tools

from conftest import stopline

pytestmark = pytest.mark.slow  # one `stopline compare` with training shared by the module


class Page(HTMLParser):
    """Headings, tables (rows of cell texts) and images of a report."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.headings: dict[str, list[str]] = {"h1": [], "h2": [], "h3": []}
        self.tables: list[list[list[str]]] = []
        self.images: list[bytes] = []
        self._heading: str | None = None
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.headings:
            self._heading = tag
            self.headings[tag].append("")
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            source = dict(attrs).get("src") or ""
            self.images.append(base64.b64decode(source.split(",", 1)[1]))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self.headings[self._heading][-1] += data
        if self._cell is not None:
            self._cell.append(data)

    def table_after(self, first_cell: str) -> list[list[str]]:
        return next(table for table in self.tables if table and table[0][0] == first_cell)


def _png_width(data: bytes) -> int:
    return int(struct.unpack(">I", data[16:20])[0])


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> tuple[Path, str]:
    """``stopline compare`` on `single` cut to 10 minutes, one seed, two demand scales."""
    folder = tmp_path_factory.mktemp("compare")
    built = stopline("scenarios", "build", "single", "--out", str(folder / "net"))
    assert built.returncode == 0, built.stderr
    config = folder / "net" / "single.sumocfg"
    config.write_text(config.read_text().replace('value="3600"', 'value="600"'))
    out = folder / "results"
    result = stopline(
        "compare", str(config), "--seeds", "101", "--timesteps", "1",
        "--demand-scale", "0.5,1", "--env", "min_green=6", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out, str(config)


def test_title_names_the_scenario_and_what_is_compared(compared: tuple[Path, str]) -> None:
    page = Page((compared[0] / "report.html").read_text())
    assert page.headings["h1"] == [
        "Signal timing on single: webster, coordinated, actuated, max-pressure, sotl, ppo against "
        "fixed"
    ]


def test_provenance_says_where_the_numbers_come_from(compared: tuple[Path, str]) -> None:
    out = compared[0]
    settings = json.loads((out / "experiment.json").read_text())
    facts = dict(Page((out / "report.html").read_text()).table_after("experiment"))
    assert facts["spec hash"] == settings["spec_hash"]
    assert facts["software"] == f"Stopline 0.1.0, SUMO {sumo_tools.version()}"
    assert facts["evaluation demand seeds"] == "101"
    assert facts["demand (scenario x scale)"] == "single x 0.5, 1"
    assert facts["signal settings"].startswith('{"min_green": 6}, else the defaults')
    assert facts["run on"].startswith("20")
    policy = facts["RL policy ppo on single"]
    assert policy.startswith("PPO, 1 decisions, trained in ") and " min" in policy
    # The coordinated plan, one per demand scale: how it was found and where it lives.
    for scale in ("0.5", "1"):
        plan = facts[f"timing plan coordinated on single x{scale}"]
        assert plan.startswith("periods 00:00-") and "training demand seeds 1, 2" in plan
    assert "training demand seeds 1-45" in policy
    # Warm started from the best classical strategy on validation seeds, the best kept.
    assert "; warm started from " in policy and "; kept " in policy
    assert "on validation seeds 46,47,48,49,50" in policy
    # The policy trained with the experiment's signal settings, as it is evaluated.
    [model] = read_settings(out)["models"].values()  # saved relative to the folder
    assert json.loads((Path(model) / "config.json").read_text())["env_config"]["min_green"] == 6


def test_comparison_puts_the_reference_first_and_counts_in_whole_numbers(
    compared: tuple[Path, str],
) -> None:
    table = Page((compared[0] / "report.html").read_text()).table_after("scenario")
    header, rows = table[0], table[1:]
    assert [row[2] for row in rows if row[1] == "1"] == [
        "fixed", "webster", "coordinated", "actuated", "max-pressure", "sotl", "ppo",
    ]  # fmt: skip
    for title in ("arrived", "unfinished", "teleports"):
        column = header.index(title)
        assert all(row[column].isdigit() for row in rows), title
    assert rows[0][header.index("vs fixed s (95 % CI)")] == "reference"


def test_level_of_service_is_a_junction_by_strategy_grid_and_a_named_map(
    compared: tuple[Path, str],
) -> None:
    page = Page((compared[0] / "report.html").read_text())
    grid = page.table_after("junction")
    assert grid[0] == [
        "junction", "fixed", "webster", "coordinated", "actuated", "max-pressure", "sotl", "ppo",
    ]  # fmt: skip
    assert [row[0] for row in grid[1:]] == ["C"]
    assert all(cell[0] in "ABCDEF" and cell.endswith(" s") for cell in grid[1][1:])
    assert "single, demand x1" in page.headings["h3"]
    assert any(h.startswith("Level of service map: single.sumocfg") for h in page.headings["h2"])


def test_time_series_are_five_minute_means_and_every_policy_has_its_curve(
    compared: tuple[Path, str],
) -> None:
    text = (compared[0] / "report.html").read_text()
    page = Page(text)
    assert "Halted vehicles over time" in page.headings["h2"]
    assert "5-minute means" in text
    assert "Learning curve: ppo on single" in page.headings["h2"]


def test_figures_fit_the_page_so_text_shows_at_its_size(compared: tuple[Path, str]) -> None:
    page = Page((compared[0] / "report.html").read_text())
    assert len(page.images) >= 7
    widths = [_png_width(image) for image in page.images]
    # At most 13 inches at the report's DPI: the page column (1,320 px) never shrinks them.
    assert max(widths) <= 13 * DPI + 20, widths


def test_a_rerun_with_other_options_is_refused_and_stores_nothing(
    compared: tuple[Path, str],
) -> None:
    out, config = compared
    database = out / "results.db"
    before = database.read_bytes()
    runs = len(read_runs(out))
    result = stopline(
        "compare", config, "--seeds", "101", "--timesteps", "2",
        "--demand-scale", "0.5,1", "--env", "min_green=6", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"stopline: error: {out} holds the runs of another experiment (differs in "
        "controllers[6].train.timesteps 1 -> 2); choose a new --out, or delete "
        f"{database} to start this one there"
    )
    assert database.read_bytes() == before and len(read_runs(out)) == runs == 14
    # The same options resume: nothing is run again, the same 14 runs are reported.
    again = stopline(
        "compare", config, "--seeds", "101", "--timesteps", "1",
        "--demand-scale", "0.5,1", "--env", "min_green=6", "--out", str(out),
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert len(read_runs(out)) == 14
    assert len(list((out / "models").iterdir())) == 1


def test_learned_policies_are_paired_with_the_best_classical_strategy(
    compared: tuple[Path, str],
) -> None:
    out, _ = compared
    page = Page((out / "report.html").read_text())
    assert "Learned policies against the best classical strategy" in page.headings["h3"]
    table = page.table_after("scenario")  # the comparison
    best_table = next(t for t in page.tables if t[0][2:3] == ["learned policy"])
    rows = best_table[1:]
    assert [(row[1], row[2]) for row in rows] == [("0.5", "ppo"), ("1", "ppo")]
    classical = {row[2] for row in table[1:]} - {"ppo"}
    for row in rows:
        assert row[4] in classical and row[8] in ("0 of 1", "1 of 1")
        assert float(row[6].rstrip("x")) == pytest.approx(float(row[3]) / float(row[5]), abs=0.01)
    assert (
        "Learned policies against the best classical strategy" in (out / "summary.md").read_text()
    )
