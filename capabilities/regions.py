"""The 25 Dutch veiligheidsregio's (safety regions), bundled reference data."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    seat: str
    lat: float
    lon: float


@cache
def regions() -> dict[str, Region]:
    path = Path(__file__).parent / "data" / "veiligheidsregios.csv"
    with path.open(encoding="utf-8") as fh:
        return {
            row["code"]: Region(row["code"], row["name"], row["seat"], float(row["lat"]), float(row["lon"]))
            for row in csv.DictReader(fh)
        }


def region_choices() -> list[tuple[str, str]]:
    return [(r.code, f"{r.code} {r.name}") for r in regions().values()]
