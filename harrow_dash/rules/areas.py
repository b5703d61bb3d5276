"""Areas the council compares itself with: the 33 London local authorities by ONS GSS code, and the
built-in comparison groups (all London, inner London, outer London).

Inner and outer London follow the ONS statistical definition (Greenwich is outer London, Haringey and
Newham are inner). Named groups such as statistical neighbours are not fixed here: they are loaded as
data (see the comparator layouts in docs/loading-data.md) and sit beside these built-in groups.
"""

from __future__ import annotations

from types import MappingProxyType

HARROW = "E09000015"

LONDON_BOROUGHS: MappingProxyType[str, str] = MappingProxyType(
    {
        "E09000001": "City of London",
        "E09000002": "Barking and Dagenham",
        "E09000003": "Barnet",
        "E09000004": "Bexley",
        "E09000005": "Brent",
        "E09000006": "Bromley",
        "E09000007": "Camden",
        "E09000008": "Croydon",
        "E09000009": "Ealing",
        "E09000010": "Enfield",
        "E09000011": "Greenwich",
        "E09000012": "Hackney",
        "E09000013": "Hammersmith and Fulham",
        "E09000014": "Haringey",
        "E09000015": "Harrow",
        "E09000016": "Havering",
        "E09000017": "Hillingdon",
        "E09000018": "Hounslow",
        "E09000019": "Islington",
        "E09000020": "Kensington and Chelsea",
        "E09000021": "Kingston upon Thames",
        "E09000022": "Lambeth",
        "E09000023": "Lewisham",
        "E09000024": "Merton",
        "E09000025": "Newham",
        "E09000026": "Redbridge",
        "E09000027": "Richmond upon Thames",
        "E09000028": "Southwark",
        "E09000029": "Sutton",
        "E09000030": "Tower Hamlets",
        "E09000031": "Waltham Forest",
        "E09000032": "Wandsworth",
        "E09000033": "Westminster",
    }
)

INNER_LONDON: frozenset[str] = frozenset(
    {
        "E09000001",  # City of London
        "E09000007",  # Camden
        "E09000012",  # Hackney
        "E09000013",  # Hammersmith and Fulham
        "E09000014",  # Haringey
        "E09000019",  # Islington
        "E09000020",  # Kensington and Chelsea
        "E09000022",  # Lambeth
        "E09000023",  # Lewisham
        "E09000025",  # Newham
        "E09000028",  # Southwark
        "E09000030",  # Tower Hamlets
        "E09000032",  # Wandsworth
        "E09000033",  # Westminster
    }
)

OUTER_LONDON: frozenset[str] = frozenset(set(LONDON_BOROUGHS) - INNER_LONDON)

# Built-in groups: name -> (member codes, how a rank reads: "8th of 33 <noun>").
BUILT_IN_GROUPS: MappingProxyType[str, tuple[frozenset[str], str]] = MappingProxyType(
    {
        "All London boroughs": (frozenset(LONDON_BOROUGHS), "London boroughs"),
        "Outer London": (OUTER_LONDON, "outer London boroughs"),
        "Inner London": (INNER_LONDON, "inner London boroughs"),
    }
)
DEFAULT_GROUP = "All London boroughs"


def is_gss_code(text: str) -> bool:
    """An ONS GSS code: a letter, two digits, six digits (``E09000015``)."""
    return len(text) == 9 and text[0].isalpha() and text[0].isupper() and text[1:].isdigit()


# Areas that are benchmarks, not places to rank: England and the other nations, the English regions
# and the UK, Great Britain and England and Wales, by the entity part of their GSS code.
BENCHMARK_ENTITIES = {
    "E92": "England",
    "W92": "Wales",
    "S92": "Scotland",
    "N92": "Northern Ireland",
    "K02": "United Kingdom",
    "K03": "Great Britain",
    "K04": "England and Wales",
    "E12": "English region",
    "E13": "Inner or outer London",
}
# Local authorities: London boroughs (E09), unitary authorities (E06), metropolitan districts (E08),
# counties (E10), districts (E07), Welsh (W06), Scottish (S12) and Northern Irish (N09) councils.
LOCAL_AUTHORITY_ENTITIES = frozenset({"E06", "E07", "E08", "E09", "E10", "W06", "S12", "N09"})
# Words in an area's type or name that make its row a benchmark: a nation, a region, a group's
# average (CIPFA nearest neighbours, statistical neighbours, "London boroughs mean").
_BENCHMARK_WORDS = (
    "england",
    "region",
    "country",
    "nation",
    "neighbour",
    "cipfa",
    "comparator group",
    "mean",
    "average",
    "median",
    "national",
    "london",
    "united kingdom",
    "great britain",
)


def is_benchmark(code: str, name: str = "", area_type: str = "") -> bool:
    """Whether a row of comparator data is a benchmark (England, a region, a group's average)
    rather than an area to rank: by its GSS code where it has one (a London borough's name never
    makes it a benchmark), else by the words of its type or name."""
    if is_gss_code(code):
        return code[:3] in BENCHMARK_ENTITIES
    text = f"{area_type} {name}".lower()
    return any(word in text for word in _BENCHMARK_WORDS)


def is_local_authority(code: str) -> bool:
    return is_gss_code(code) and code[:3] in LOCAL_AUTHORITY_ENTITIES


# Benchmarks publishers often name without a code: the nations and the English regions.
BENCHMARK_CODES_BY_NAME: MappingProxyType[str, str] = MappingProxyType(
    {
        "england": "E92000001",
        "wales": "W92000004",
        "scotland": "S92000003",
        "northern ireland": "N92000002",
        "united kingdom": "K02000001",
        "great britain": "K03000001",
        "england and wales": "K04000001",
        "north east": "E12000001",
        "north west": "E12000002",
        "yorkshire and the humber": "E12000003",
        "east midlands": "E12000004",
        "west midlands": "E12000005",
        "east of england": "E12000006",
        "london": "E12000007",
        "south east": "E12000008",
        "south west": "E12000009",
    }
)
