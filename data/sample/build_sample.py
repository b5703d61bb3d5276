"""Build the illustrative sample data shipped with harrow-dash.

Writes three CSV files next to this script:

* ``indicators.csv``  one row per performance indicator per quarter, Q1 2021-22 to Q4 2023-24
* ``actions.csv``     one row per flagship action (or reporting line) per quarter, Q1-Q3 2023-24
* ``highlights.csv``  achievements and areas for improvement per priority per quarter
* ``comparators.csv`` and ``comparison_groups.csv`` (by ``build_comparators.py``): other London
  boroughs' values for 18 of the indicators, for benchmarking

ALL figures are invented for demonstration. Only the Q3 2023-24 achievement and improvement themes
follow the council's real Cabinet report (paraphrased). The output is deterministic (fixed seed).

Run from the repository root::

    .venv/bin/python data/sample/build_sample.py

Uses only pandas and the standard library. After writing, the files are read back and checked.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pandas as pd

SEED = 20231231
OUT = Path(__file__).resolve().parent

P1 = "A council that puts residents first"
P2 = "A borough that is clean and safe"
P3 = "A place where those in need are supported"
PRIORITIES = (P1, P2, P3)

YEARS = (2021, 2022, 2023)  # financial years by starting calendar year
PERIODS = [f"Q{q} {y}-{(y + 1) % 100:02d}" for y in YEARS for q in (1, 2, 3, 4)]
LATEST = "Q3 2023-24"  # latest reported quarter; Q4 2023-24 rows carry targets only
ACTION_PERIODS = ["Q1 2023-24", "Q2 2023-24", "Q3 2023-24"]

# Cabinet portfolios (names of portfolios, never of people)
PCC = "Performance, Communications and Customer Experience"
FHR = "Finance and Human Resources"
PLR = "Planning and Regeneration"
LDR = "Strategy (Leader)"
HSG = "Housing"
CC = "Community and Culture"
HIC = "Highways, Infrastructure and Community Safety"
CHS = "Children's Services"
ASC = "Adult Social Care and Public Health"

HI, LO, BAND = "higher is better", "lower is better", "within band"
ANNUAL_NOTE = "Annual measure, reported in Q4"

# --------------------------------------------------------------------------------------------------
# Indicator definitions.
# Trend spec: ``trend=(start, end)`` runs from Q1 2021-22 to the Q3 2023-24 value with seeded noise
# (the noise fades towards Q3 2023-24, which is exactly ``end``); ``series`` gives the 11 reported
# quarters explicitly instead; ``annual`` gives the Q4 value per year. ``targets`` is one number, or a
# dict by financial year of a number, a (Q1, Q2, Q3, Q4) tuple or None ("no target").
# --------------------------------------------------------------------------------------------------
INDICATORS: list[dict] = []


def pi(*fields, **spec):
    keys = ("ref", "priority", "directorate", "portfolio", "unit", "polarity", "name")
    INDICATORS.append(dict(zip((*keys, "description", "source"), fields, strict=True), **spec))


CRM = "Case management system (illustrative)"

# fmt: off

# ---- Priority 1: A council that puts residents first ----
pi("PI-01", P1, "Resources", PCC, "seconds", LO, "Average wait before a call is answered",
   "Average time a caller to the contact centre waits in the queue before an adviser answers.",
   "Contact centre telephony system", freq="monthly", targets=120, trend=(98, 236), dp=0, noise=0.06,
   q3="Waits rose again as council tax and winter enquiries peaked while several adviser posts were "
      "vacant; recruitment and a call-back option are under way.",
   notes={"Q2 2023-24": "Waits lengthened over the summer because of adviser vacancies."})
pi("PI-02", P1, "Resources", PCC, "%", HI, "FOI requests answered within 20 working days",
   "Share of Freedom of Information requests answered within the statutory 20 working days.",
   "Information governance case management system", targets=90, trend=(88.5, 72.4),
   q3="A backlog built up after staff changes in the information governance team; temporary staff "
      "are clearing the oldest requests first.")
pi("PI-03", P1, "Strategy and Communications", PCC, "%", HI,
   "Stage 1 complaints answered within 15 working days",
   "Share of stage 1 complaints that receive a full response within 15 working days.",
   "Complaints case management system", targets={2021: 85, 2022: 85, 2023: 90}, trend=(78.0, 87.6),
   q3="Timeliness keeps improving but is just short of the new 90% commitment; most late replies "
      "came from two services, which now track deadlines weekly.")
pi("PI-04", P1, "Resources", FHR, "%", HI, "Council tax collected in year (cumulative)",
   "Share of the council tax due this financial year collected so far, cumulative from April.",
   "Council tax and business rates system", tol=0.01, pattern="cumulative",
   targets={2021: (28.5, 56.0, 84.0, 96.5), 2022: (28.8, 56.3, 84.3, 96.7), 2023: (29.0, 56.5, 84.5, 97.0)},
   series=[28.1, 55.4, 83.2, 95.9, 28.9, 56.6, 84.6, 96.9, 28.8, 56.0, 84.1],
   q3="Collection is slightly behind profile as more households spread payments over 12 months; "
      "reminders and recovery action have been stepped up.")
pi("PI-05", P1, "Resources", FHR, "%", HI, "Business rates collected in year (cumulative)",
   "Share of the business rates due this financial year collected so far, cumulative from April.",
   "Council tax and business rates system", pattern="cumulative",
   targets={2021: (30.0, 57.0, 83.0, 97.0), 2022: (30.0, 57.0, 83.0, 97.0), 2023: (30.0, 57.0, 83.0, 97.5)},
   series=[27.5, 54.0, 80.9, 95.8, 29.8, 57.4, 83.5, 97.6, 30.4, 57.6, 83.6],
   q3="Business rates collection is ahead of profile for the year to date.")
pi("PI-06", P1, "Resources", FHR, "days", LO, "Working days lost to sickness per employee",
   "Average working days lost to sickness absence per full-time equivalent employee, rolling 12 months.",
   "HR and payroll system", freq="monthly", targets=8.0, trend=(9.4, 7.8), bench=(8.6, 8.3),
   q3="Sickness absence continued to fall, helped by earlier occupational health referrals and "
      "training for managers.",
   notes={"Q4 2021-22": "Not reported: the HR system was being replaced."})
pi("PI-07", P1, "Place", PLR, "%", HI, "Major planning applications decided on time",
   "Share of major planning applications decided within 13 weeks or an agreed extension.",
   "Planning case management system", targets=85, trend=(82.0, 94.1), noise=0.04, bench=(88.0, 89.5),
   q3="All but one major application was decided on time or within an agreed extension.")
pi("PI-08", P1, "Place", PLR, "%", HI, "Minor planning applications decided on time",
   "Share of minor planning applications decided within 8 weeks or an agreed extension.",
   "Planning case management system", targets=80, trend=(71.0, 86.3), bench=(81.0, 82.5),
   q3="Performance held up well through the move to the new planning system in November.")
pi("PI-09", P1, "Strategy and Communications", LDR, "%", HI,
   "Residents satisfied with the way the council runs things",
   "Share of residents in the annual survey who are satisfied with the way the council runs things.",
   "Annual residents' survey", freq="annual", targets={2021: 55, 2022: 58, 2023: 60},
   annual={2021: 52.0, 2022: 57.5}, q3=ANNUAL_NOTE,
   notes={"Q4 2021-22": "Satisfaction is recovering after the pandemic.",
          "Q4 2022-23": "Satisfaction rose by more than five points but is just short of target."})
pi("PI-10", P1, "Resources", FHR, "£", LO, "Sundry debt outstanding for more than 90 days",
   "Value of invoices to customers of the council that are unpaid more than 90 days after issue.",
   "Finance system (debtors ledger)", targets={2021: 5_000_000, 2022: 4_750_000, 2023: 4_500_000},
   trend=(5_600_000, 4_120_000), dp=-4,
   q3="Older debt continued to fall after a review of long-standing accounts and more payers "
      "switching to direct debit.")
pi("PI-11", P1, "Housing", HSG, "%", HI, "Council homes with full-fibre broadband installed",
   "Share of council homes where full-fibre broadband has been installed and can be connected.",
   "Broadband provider installation reports", targets={2021: None, 2022: None, 2023: (15, 25, 35, 50)},
   series=[0.0, 0.0, 0.0, 0.0, 0.0, 1.2, 3.4, 6.0, 11.2, 15.1, 18.5],
   q3="Installation has been slowed by financial difficulties affecting the broadband industry; a "
      "revised programme is being agreed with the provider.",
   notes={"Q1 2022-23": "Programme agreed; no target is set until installations start.",
          "Q1 2023-24": "First target year; installation is slower than planned."})

# ---- Priority 2: A borough that is clean and safe ----
pi("PI-12", P2, "Place", HIC, "%", HI, "Household waste sent for reuse, recycling and composting",
   "Share of household waste collected that is sent for reuse, recycling or composting.",
   "Waste data returns (illustrative)", targets={2021: 38, 2022: 39, 2023: 40}, trend=(36.8, 41.2),
   bench=(33.5, 33.0),
   q3="Recycling rose again after the doorstep food waste campaign and checks on contaminated bins.")
pi("PI-13", P2, "Place", HIC, "rate", LO, "Residual household waste per household (kg)",
   "Kilograms of household waste not reused, recycled or composted, per household in the quarter.",
   "Waste data returns (illustrative)", targets={2021: 125, 2022: 120, 2023: 115}, trend=(131, 109.5),
   bench=(118.0, 114.0), q3="Residual waste per household fell and is now comfortably below target.")
pi("PI-14", P2, "Place", HIC, "count", LO, "Fly-tipping incidents reported",
   "Number of fly-tipping incidents reported to or found by the council in the quarter.",
   "Street cleansing case management system", targets={2021: 2400, 2022: 2300, 2023: 2200},
   trend=(2650, 2105),
   q3="Fewer incidents were reported as heat maps were used to target patrols, clean-ups and "
      "enforcement at hotspots.",
   notes={"Q2 2021-22": "Not reported: data lost during a system upgrade."})
pi("PI-15", P2, "Place", HIC, "rate", LO, "Missed bin collections per 100,000 collections",
   "Number of reported missed household bin collections per 100,000 scheduled collections.",
   "Waste collection in-cab system", targets=60, trend=(74, 62.4),
   q3="Missed collections rose slightly above target during round changes in November and have "
      "since come down.")
pi("PI-16", P2, "Place", HIC, "count", LO, "Anti-social behaviour incidents reported",
   "Number of anti-social behaviour incidents reported to the police and the council in the quarter.",
   "Police and council ASB records (illustrative)", targets={2021: 1100, 2022: 1050, 2023: 1000},
   trend=(960, 1184),
   q3="Reports rose, mainly in town centres and near transport hubs; joint patrols with the police "
      "are being focused on these areas.")
pi("PI-17", P2, "Place", HIC, "count", LO, "Catalytic converter thefts",
   "Number of catalytic converter thefts recorded in the borough in the quarter.",
   "Police recorded crime data (illustrative)", targets={2021: 110, 2022: 80, 2023: 60},
   trend=(128, 38), noise=0.05,
   q3="Thefts fell sharply after joint operations with the police, free marking events and checks "
      "on scrap metal dealers.",
   notes={"Q3 2022-23": "Thefts remain high; a joint operation with the police starts in January."})
pi("PI-18", P2, "Place", HIC, "%", HI, "Highway defects made safe within timescale",
   "Share of reported highway defects repaired or made safe within the required timescale.",
   "Highways inspection and repair system", targets=95, trend=(96.2, 91.5), noise=0.01,
   q3="Repairs fell behind after heavy rain in November brought a surge in potholes; extra repair "
      "gangs have been deployed.")
pi("PI-19", P2, "Place", PLR, "count", HI, "Harrow town centre footfall",
   "Number of visits to Harrow town centre counted by footfall sensors in the quarter.",
   "Town centre footfall counters", targets={2021: None, 2022: 3_400_000, 2023: 3_500_000},
   series=[2_150_000, 2_480_000, 2_950_000, 2_700_000, 3_050_000, 3_180_000, 3_520_000, 3_300_000,
           3_240_000, 3_210_000, 3_190_000],
   q3="Footfall was below target despite the Christmas events programme, in line with the trend "
      "across outer London town centres.",
   notes={"Q1 2021-22": "No target while a post-pandemic baseline is set."})
pi("PI-20", P2, "Place", PLR, "%", LO, "High street vacancy rate",
   "Share of shop units in Harrow town centre and the district centres that are empty.",
   "Town centre health check survey", targets={2021: 12, 2022: 11, 2023: 10}, trend=(13.8, 9.1),
   bench=(11.2, 10.6),
   q3="Vacancies fell as new businesses took up units in the town centre and district centres.")
pi("PI-21", P2, "Housing", HSG, "%", HI, "Council homes with a valid electrical safety check",
   "Share of council homes with an electrical installation condition report less than five years old.",
   "Housing compliance system", targets=100, tol=0.02, trend=(97.0, 88.4), noise=0.008,
   q3="Checks fell behind because the contractor could not get access to many homes; a new access "
      "procedure and extra contractor capacity are in place.")
pi("PI-22", P2, "Housing", HSG, "%", HI, "Council blocks with an in-date fire risk assessment",
   "Share of council-owned residential blocks with a fire risk assessment that is in date.",
   "Housing compliance system", targets=100, tol=0.02, trend=(92.0, 100.0), noise=0.01,
   q3="Every council block now has an in-date fire risk assessment.")
pi("PI-23", P2, "Housing", HSG, "days", LO, "Average days to complete a council home repair",
   "Average calendar days to complete a responsive repair to a council home.",
   "Housing repairs system", freq="monthly", targets={2021: 14, 2022: 12, 2023: 10}, trend=(16.5, 9.2),
   q3="Repairs are being completed faster since the new repairs contract settled in.",
   notes={"Q1 2023-24": "Not reported: data were being moved to the new contractor's system."})
pi("PI-24", P2, "Housing", HSG, "%", HI, "Homelessness prevented",
   "Share of households owed a prevention duty who kept their home or were helped to settle elsewhere.",
   "Housing options case management system (illustrative)", targets={2021: 60, 2022: 65, 2023: 70},
   trend=(58.0, 76.0), bench=(55.0, 54.0),
   q3="Three in four households who came for help were kept in their home or helped to move in a "
      "planned way, among the best results in London.")
pi("PI-25", P2, "Place", CC, "count", HI, "Harrow Arts Centre attendances",
   "Number of tickets and visits for events, classes and performances at Harrow Arts Centre.",
   "Box office and venue records", pattern="seasonal",
   targets={2021: (5000, 10000, 20000, 14000), 2022: (20000, 21000, 35000, 24000),
            2023: (25000, 27000, 40000, 27000)},
   series=[6200, 11500, 24800, 15300, 19800, 22100, 36900, 24600, 26400, 28900, 41800],
   q3="The busiest Christmas season on record, with 13,600 pantomime tickets sold.")
pi("PI-26", P2, "Place", PLR, "count", HI, "Residents supported into work",
   "Number of residents who started a job with help from the council's employment support service.",
   "Employment support programme records", people=True, targets={2021: 90, 2022: 100, 2023: 110},
   trend=(72, 164), noise=0.05,
   q3="The service helped well over the target number of residents into work, the best result "
      "among comparable London schemes.")
pi("PI-27", P2, "Housing", HSG, "%", BAND, "Temporary accommodation hostel occupancy",
   "Share of council-run hostel rooms occupied, kept within 95-98% to leave room for emergencies.",
   "Temporary accommodation management system", targets=95, upper=98, trend=(93.0, 96.4), noise=0.012,
   q3="Occupancy of council-run hostels stayed within the target range.")
pi("PI-28", P2, "Place", CC, "count", HI, "Parks holding a Green Flag Award",
   "Number of the borough's parks holding a Green Flag Award for well-managed green spaces.",
   "Green Flag Award results", freq="annual", targets=6, annual={2021: 6, 2022: 6}, q3=ANNUAL_NOTE,
   notes={"Q4 2021-22": "All six parks kept their awards.", "Q4 2022-23": "All six parks kept their awards."})
pi("PI-29", P2, "Place", HIC, "minutes", LO, "Average response time to out-of-hours noise calls",
   "Average minutes from a call to the out-of-hours noise service until an officer arrives.",
   "Out-of-hours noise service log", targets=60, trend=(71, 52), dp=0, noise=0.05,
   q3="The out-of-hours team reached callers faster after rota changes.")
pi("PI-30", P2, "Place", HIC, "score", HI, "Average food hygiene rating (out of 5)",
   "Average food hygiene rating of food businesses in the borough, on the 0-5 national scale.",
   "Food hygiene ratings data (illustrative)", targets={2021: 4.2, 2022: 4.3, 2023: 4.3},
   trend=(4.1, 4.4), dp=2, noise=0.01,
   q3="Ratings improved after targeted revisits of businesses rated 2 or below.",
   notes={"Q1 2022-23": "Not reported: inspections paused while the team was restructured."})

# ---- Priority 3: A place where those in need are supported ----
pi("PI-31", P3, "People - Children", CHS, "%", HI,
   "Children's social care assessments completed within 45 working days",
   "Share of children's social care assessments completed within 45 working days of referral.",
   CRM, targets=90, trend=(91.5, 78.3), noise=0.012, bench=(86.0, 85.0),
   q3="Timeliness fell because of high demand and social worker vacancies; agency cover and "
      "weekly case tracking are in place.")
pi("PI-32", P3, "People - Children", CHS, "%", LO, "Overall absence in Harrow schools",
   "Share of possible school sessions missed through authorised or unauthorised absence.",
   "School census attendance returns (illustrative)", targets={2021: 5.5, 2022: 6.0, 2023: 6.0},
   trend=(5.2, 6.2), noise=0.02, bench=(5.8, 6.3),
   q3="Absence remains higher than before the pandemic, especially persistent absence in secondary "
      "schools; the attendance team is working with schools on early help.")
pi("PI-33", P3, "People - Children", CHS, "rate", LO, "School suspensions per 100 pupils",
   "Suspensions and permanent exclusions per 100 pupils in Harrow schools, rolling 12 months.",
   "School census exclusions returns (illustrative)", targets=3.0, trend=(2.4, 3.6), noise=0.02,
   bench=(3.2, 3.4),
   q3="Suspensions rose, mostly in secondary schools; a behaviour support offer for schools is being "
      "developed.")
pi("PI-34", P3, "People - Children", CHS, "%", HI, "New EHCPs issued within 20 weeks",
   "Share of new Education, Health and Care Plans issued within 20 weeks, excluding exceptions.",
   "SEND case management system", targets={2021: 60, 2022: 65, 2023: 65}, tol=0.1, trend=(78.0, 41.2),
   bench=(58.0, 52.0),
   q3="Delays in specialist advice held up plans; extra educational psychology capacity has been "
      "commissioned.")
pi("PI-35", P3, "People - Adults", ASC, "%", BAND, "Neighbourhood Resource Centre place occupancy",
   "Share of day places used at the Neighbourhood Resource Centres, kept within 80-95%.",
   "Adult social care provider records", targets=80, upper=95, trend=(84.0, 68.5), noise=0.015,
   q3="Some centres are under-used while others are full; a review of the day opportunities offer "
      "is under way.")
pi("PI-36", P3, "People - Children", CHS, "count", LO, "Children in care placed more than 20 miles away",
   "Number of children in care placed more than 20 miles from their home address at quarter end.",
   CRM, people=True, targets={2021: 18, 2022: 16, 2023: 15}, trend=(21, 14), noise=0.06,
   q3="Fewer children are placed far from Harrow as more local foster carers are recruited.")
pi("PI-37", P3, "Housing", HSG, "count", LO, "Rough sleepers seen on a single night",
   "Number of people seen sleeping rough on the night of the quarterly street count.",
   "Outreach team street count (illustrative)", people=True, targets=5,
   series=[9, 6, 4, 7, 5, 6, 8, 4, 6, 5, 3],
   q3="Fewer people were found sleeping out on the night of the count, and all were offered "
      "accommodation.")
pi("PI-38", P3, "People - Children", CHS, "count", LO, "Young people aged 16-17 NEET or not known",
   "Number of 16 and 17 year olds not in education, employment or training, or whose activity is not known.",
   "Careers and participation tracking system", people=True, targets={2021: 180, 2022: 160, 2023: 140},
   trend=(195, 121),
   q3="Fewer young people are NEET or not known after the autumn tracking exercise.")
pi("PI-39", P3, "Housing", HSG, "count", LO, "Families in bed and breakfast for more than 6 weeks",
   "Number of households with children living in bed and breakfast accommodation for more than six weeks.",
   "Housing options case management system (illustrative)", people=True, targets=0,
   series=[0, 2, 3, 6, 8, 5, 7, 4, 2, 1, 0],
   q3="Every placement of a family with children in bed and breakfast is reviewed weekly with the "
      "family's housing officer; the number is small and is not shown.")
pi("PI-40", P3, "People - Adults", ASC, "count", HI, "Adults with learning disabilities in paid employment",
   "Number of adults with learning disabilities known to the council who are in paid employment.",
   CRM, people=True, targets={2021: 30, 2022: 32, 2023: None}, trend=(27, 35), noise=0.05,
   q3="No target is set this year while the measure is re-based on the new national definition.",
   notes={"Q1 2023-24": "No target this year: the national definition changed."})
pi("PI-41", P3, "People - Children", CHS, "count", LO,
   "Children on a child protection plan for a second time within 2 years",
   "Number of children who became subject to a child protection plan again within two years of a previous plan.",
   CRM, people=True, targets={2021: 4, 2022: 4, 2023: 3}, series=[3, 5, 2, 0, 4, 6, 3, 2, 4, 1, 2],
   q3="A small number of children became subject to a plan again; each case has been reviewed by the "
      "safeguarding service.")
pi("PI-42", P3, "People - Adults", ASC, "%", HI, "Older people at home 91 days after reablement",
   "Share of people aged 65 and over still at home 91 days after leaving hospital into reablement.",
   "NHS provider discharge data (illustrative)", targets=85, trend=(82.0, 87.0), bench=(83.0, 82.5),
   q3="Data not yet available from the provider", gap_latest=True)
pi("PI-43", P3, "People - Adults", ASC, "%", HI, "Care users with as much social contact as they would like",
   "Share of adult social care users in the annual survey who have as much social contact as they would like.",
   "Adult social care survey (annual)", freq="annual", targets={2021: 40, 2022: 40, 2023: 42},
   annual={2021: 36.5, 2022: 41.2}, bench=(38.0, 39.5), q3=ANNUAL_NOTE,
   notes={"Q4 2021-22": "Loneliness remained high after the pandemic.",
          "Q4 2022-23": "Above target after the befriending and community connector work."})
pi("PI-44", P3, "People - Children", CHS, "%", HI, "Pupils achieving grade 5 or above in English and maths",
   "Share of pupils at the end of key stage 4 achieving grade 5 or above in both English and maths GCSE.",
   "School performance tables (illustrative)", freq="annual", targets={2021: 60, 2022: 58, 2023: 58},
   annual={2021: 62.1, 2022: 59.4}, bench=(57.5, 55.8), q3=ANNUAL_NOTE,
   notes={"Q4 2021-22": "Results remain well above the London average.",
          "Q4 2022-23": "Results fell back as grading returned to pre-pandemic standards."})
pi("PI-45", P3, "Housing", HSG, "weeks", LO, "Average weeks to complete a disabled facilities adaptation",
   "Average weeks from a disabled facilities grant application to the adaptation being completed.",
   "Private sector housing grants system", targets={2021: 30, 2022: 28, 2023: 26}, trend=(33.5, 23.5),
   q3="Adaptations are being completed faster with a new framework of approved contractors.",
   notes={"Q3 2022-23": "Not reported: a backlog of data entry is being cleared."})

# fmt: on

# Gaps in history (not yet reported), each explained in the indicator's notes above.
GAPS = {
    ("PI-14", "Q2 2021-22"),
    ("PI-06", "Q4 2021-22"),
    ("PI-30", "Q1 2022-23"),
    ("PI-45", "Q3 2022-23"),
    ("PI-23", "Q1 2023-24"),
}
# Official RAG ratings supplied with the data. PI-19 in Q3 2023-24 deliberately disagrees (computed Red).
OFFICIAL_RAG = {
    ("PI-19", "Q3 2023-24"): "Amber",
    ("PI-24", "Q3 2023-24"): "Green",
    ("PI-31", "Q3 2023-24"): "Red",
    ("PI-02", "Q2 2023-24"): "Red",
}
DISAGREEING = ("PI-19", "Q3 2023-24")


# --------------------------------------------------------------------------------------------------
# Rules used by this script's own checks and highlight text (the app has its own, tested, copies).
# --------------------------------------------------------------------------------------------------
def rag(actual, target, polarity, tol=None, upper=None):
    if actual is None or target is None:
        return None
    tol = 0.05 if tol is None else tol
    if polarity == BAND:
        if target <= actual <= upper:
            return "Green"
        bound = target if actual < target else upper
        return "Amber" if abs(actual - bound) <= abs(bound) * tol + 1e-9 else "Red"
    short = target - actual if polarity == HI else actual - target
    if short <= 0:
        return "Green"
    return "Amber" if short <= abs(target) * tol + 1e-9 else "Red"


def fmt(value, ind):
    """A number as the report would write it (used only in generated highlight text)."""
    unit, dp = ind["unit"], max(ind.get("dp", 1), 0)
    if unit == "%":
        return f"{value:.{dp}f}%"
    if unit == "£":
        return f"£{value / 1e6:.2f}m" if value >= 1e6 else f"£{value:,.0f}"
    if unit == "count":
        return f"{value:,.0f}"
    if unit in ("seconds", "minutes", "days", "weeks"):
        return f"{value:.{dp}f} {unit}"
    return f"{value:.{dp}f}"


def num(value):
    """A number for the CSV: no trailing '.0', blank for missing."""
    if value is None:
        return ""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{round(value, 4):g}"


def target_for(ind, period):
    q, fy = int(period[1]), int(period[3:7])
    t = ind["targets"]
    t = t.get(fy) if isinstance(t, dict) else t
    return t[q - 1] if isinstance(t, tuple) else t


def reported_values(ind, rng):
    """The 11 reported quarters Q1 2021-22 .. Q3 2023-24 (None where not reported)."""
    dp = ind.get("dp", 1)
    if "annual" in ind:
        return [
            ind["annual"].get(int(p[3:7])) if p.startswith("Q4") else None for p in PERIODS[:11]
        ]
    if "series" in ind:
        vals = list(ind["series"])
    else:
        start, end = ind["trend"]
        sd = ind.get("noise", 0.025) * max(abs(start), abs(end))
        vals = [
            start + (end - start) * i / 10 + rng.gauss(0, sd) * (10 - i) / 10 for i in range(11)
        ]
    hi = 100 if ind["unit"] == "%" else float("inf")
    vals = [min(max(round(v, dp), 0), hi) for v in vals]
    if ind["unit"] in ("count", "£"):
        vals = [int(v) for v in vals]
    return vals


def build_indicators():
    rng = random.Random(SEED)
    rows = []
    for ind in INDICATORS:
        vals = reported_values(ind, rng)
        bench = ind.get("bench")
        for i, period in enumerate(PERIODS):
            actual = vals[i] if i < 11 else None
            if (ind["ref"], period) in GAPS or (ind.get("gap_latest") and period == LATEST):
                actual = None
            annual = ind.get("freq") == "annual"
            commentary = ind.get("notes", {}).get(period, "")
            if period == LATEST:
                commentary = ind["q3"]
            elif annual and not period.startswith("Q4"):
                commentary = ANNUAL_NOTE
            show_bench = bench and i < 11 and (not annual or period.startswith("Q4"))
            benchmark = round(bench[0] + (bench[1] - bench[0]) * i / 10, 1) if show_bench else None
            rows.append(
                {
                    "ref": ind["ref"],
                    "name": ind["name"],
                    "description": ind["description"],
                    "priority": ind["priority"],
                    "directorate": ind["directorate"],
                    "portfolio_holder": ind["portfolio"],
                    "unit": ind["unit"],
                    "polarity": ind["polarity"],
                    "tolerance": num(ind.get("tol")),
                    "frequency": ind.get("freq", "quarterly"),
                    "counts_people": "yes" if ind.get("people") else "no",
                    "source": ind["source"],
                    "cumulative_or_seasonal": ind.get("pattern", ""),
                    "period": period,
                    "actual": num(actual),
                    "target": num(target_for(ind, period)),
                    "target_upper": num(ind.get("upper")),
                    "rag": OFFICIAL_RAG.get((ind["ref"], period), ""),
                    "commentary": commentary,
                    "benchmark": num(benchmark),
                    "benchmark_label": "London average" if show_bench else "",
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# Flagship actions of the 2023-24 plan "Restoring Pride in Harrow".
# (ref, parent_ref, priority, directorate, lead, title, statuses Q1-Q3 or None for a parent with
# lines, Q3 commentary, optional earlier commentary by period)
# --------------------------------------------------------------------------------------------------
# fmt: off
OT, MS, OFF, C, NS, NYD = "On track", "Minor slippage", "Off track", "Complete", "Not started", "Not yet due"
ACTIONS = [
    ("FA-01", "", P1, "Strategy and Communications", "Head of Customer Experience",
     "Answer 90% of stage 1 complaints within 15 working days", (OT, MS, MS),
     "87.6% of complaints were answered on time against the 90% commitment; weekly deadline tracking "
     "has started in the services with most late replies.", {"Q2 2023-24": "Just below 90%."}),
    ("FA-02", "", P1, "Strategy and Communications", "Head of Communications",
     "Launch an online consultation and engagement platform for residents", (OT, C, C),
     "The platform is live and is now used for all council consultations.",
     {"Q2 2023-24": "Platform launched in September."}),
    ("FA-03", "", P1, "Place", "Chief Planning Officer",
     "Replace the planning IT system and improve the online customer portal", (OT, OT, C),
     "The new system went live in November with an easier portal for applicants and residents.", {}),
    ("FA-04", "", P1, "Housing", "Director of Housing", "Bring full-fibre broadband to all council homes",
     (OT, MS, OFF),
     "Installation has slowed because of financial pressures on the broadband provider; options to "
     "recover the programme are being assessed.", {"Q2 2023-24": "Installations behind plan."}),
    ("FA-05", "", P1, "Resources", "Director of Customer Services",
     "Cut the time residents wait to get through to the contact centre", None, None, {}),
    ("FA-05a", "FA-05", P1, "Resources", "Director of Customer Services",
     "Recruit and train additional contact centre advisers", (OT, MS, MS),
     "Six of the ten new adviser posts are filled; the rest are being re-advertised.",
     {"Q2 2023-24": "Recruitment slower than planned."}),
    ("FA-05b", "FA-05", P1, "Resources", "Director of Customer Services",
     "Introduce a call-back option and web chat", (NS, OT, OT),
     "Call-back is being tested and goes live in February; web chat follows in the spring.", {}),
    ("FA-06", "", P1, "Place", "Head of Highways",
     "Deliver the footway and carriageway resurfacing programme", (OT, OT, OT),
     "Resurfacing of this year's priority footways and roads is progressing to plan.", {}),
    ("FA-07", "", P1, "Place", "Director of Environment",
     "Hold neighbourhood weeks of action with residents and partners", (NYD, OT, OT),
     "A week of action in Rayners Lane combined street cleaning, enforcement and repairs; the next is "
     "planned for the spring.", {}),
    ("FA-08", "", P1, "Resources", "Head of Electoral Services",
     "Complete the annual electoral canvass and prepare for the Elections Act changes", (OT, OT, C),
     "The canvass finished on time with a more accurate register, and voter identification "
     "arrangements are in place.", {}),
    ("FA-09", "", P2, "Place", "Director of Environment",
     "Use fly-tipping heat maps to target enforcement and clean-ups", (OT, OT, OT),
     "Heat maps now guide weekly patrols and clean-ups, and reported incidents fell this quarter.", {}),
    ("FA-10", "", P2, "Place", "Head of Community Safety",
     "Install at least 15 mobile CCTV cameras at crime and fly-tipping hotspots", None, None, {}),
    ("FA-10a", "FA-10", P2, "Place", "Head of Community Safety", "Install the first 10 mobile CCTV cameras",
     (OT, OT, C), "All ten cameras are installed and monitored.", {}),
    ("FA-10b", "FA-10", P2, "Place", "Head of Community Safety",
     "Install the remaining 5 mobile CCTV cameras", (NYD, NS, OT),
     "Locations are agreed with the police and installation is due early in 2024.", {}),
    ("FA-11", "", P2, "Place", "Head of Parks and Open Spaces", "Keep Green Flag status for 6 parks",
     (OT, C, C), "All six parks kept their Green Flag Award in this year's results.",
     {"Q2 2023-24": "All six awards retained."}),
    ("FA-12", "", P2, "Housing", "Director of Regeneration", "Regenerate the Grange Farm estate",
     None, None, {}),
    ("FA-12a", "FA-12", P2, "Housing", "Director of Regeneration",
     "Grange Farm phase 1: complete 89 new homes", (OT, OT, C),
     "Phase 1 is complete and residents have moved into the 89 new homes.", {}),
    ("FA-12b", "FA-12", P2, "Housing", "Director of Regeneration", "Grange Farm phase 2: start on site",
     (MS, OFF, OFF),
     "The start is delayed while the scheme is reviewed; a start later in 2024 is now likely.",
     {"Q2 2023-24": "Delayed; scheme under review."}),
    ("FA-12c", "FA-12", P2, "Housing", "Director of Regeneration",
     "Grange Farm phase 3: complete design and planning", (MS, OFF, OFF),
     "Timing depends on the review of phase 2 and is being re-planned.", {}),
    ("FA-13", "", P2, "Place", "Director of Environment", "Increase recycling and reduce residual waste",
     (OT, OT, OT), "Recycling is up and residual waste down following the food waste campaign.", {}),
    ("FA-14", "", P2, "Place", "Head of Community Safety",
     "Reduce catalytic converter theft with the police and partners", (OT, OT, OT),
     "Joint operations and free marking events have cut thefts well below last year's level.", {}),
    ("FA-15", "", P2, "Place", "Head of Community Safety",
     "Make public spaces safer for women and girls", (OT, OT, OT),
     "The Safer Spaces website drew 100 responses and 1,400 views, which are shaping patrols and "
     "lighting improvements.", {}),
    ("FA-16", "", P2, "Housing", "Director of Housing", "Improve building safety compliance in council homes",
     None, None, {}),
    ("FA-16a", "FA-16", P2, "Housing", "Director of Housing",
     "Fire safety: an in-date fire risk assessment for every council block", (OT, OT, OT),
     "Every council block has an in-date fire risk assessment and overdue actions have been cleared.", {}),
    ("FA-16b", "FA-16", P2, "Housing", "Director of Housing",
     "Electrical safety: a valid five-year check for every council home", (OT, MS, MS),
     "Compliance fell to 88.4% because of access problems; a new access procedure and extra "
     "contractor capacity should recover it by the spring.", {"Q2 2023-24": "Access problems."}),
    ("FA-17", "", P2, "Place", "Head of Economic Development",
     "Revitalise Harrow town centre and the district high streets", (OT, OT, OT),
     "Public realm works in the town centre are finished and fewer shop units are empty.", {}),
    ("FA-18", "", P3, "People - Children", "Director of Children's Services",
     "Open family hubs across the borough", None, None, {}),
    ("FA-18a", "FA-18", P3, "People - Children", "Director of Children's Services",
     "Open the first family hubs", (OT, OT, C), "The first family hubs are open to families.", {}),
    ("FA-18b", "FA-18", P3, "People - Children", "Director of Children's Services",
     "Extend family hub services to every locality", (NYD, OT, OT),
     "Outreach sessions in libraries and children's centres are extending the offer.", {}),
    ("FA-19", "", P3, "People - Adults", "Director of Public Health", "Run warm hubs through the winter",
     (NYD, OT, OT),
     "25 warm hubs are open, offering health advice, exercise and a hot meal, backed by a winter "
     "campaign to help residents stay connected.", {}),
    ("FA-20", "", P3, "Resources", "Head of Community Resilience",
     "Help residents with the cost of living", None, None, {}),
    ("FA-20a", "FA-20", P3, "Resources", "Head of Community Resilience",
     "Provide free school meal support in the school holidays", (OT, OT, OT),
     "More than 6,000 children received support in both the October half term and the Christmas "
     "holidays.", {}),
    ("FA-20b", "FA-20", P3, "Resources", "Head of Community Resilience",
     "Provide food and fuel support through Help Harrow", (OT, OT, OT),
     "1,500 vouchers and more than 9,000 food packages have been provided through Help Harrow.", {}),
    ("FA-21", "", P3, "People - Adults", "Director of Adult Social Services",
     "Launch a hospital discharge bridging service", (NS, OT, OT),
     "The service has launched, supporting people home from hospital while longer-term care is "
     "arranged.", {}),
    ("FA-22", "", P3, "People - Children", "Director of Education",
     "Improve the timeliness of Education, Health and Care Plans", (OT, MS, MS),
     "Timeliness is below target because of delays in specialist advice; extra assessment capacity "
     "has been commissioned.", {}),
    ("FA-23", "", P3, "People - Adults", "Director of Public Health",
     "Sign up primary schools to the Fit4Life healthy schools charter", (OT, OT, OT),
     "40 primary schools have signed the charter.", {}),
    ("FA-24", "", P3, "People - Adults", "Director of Adult Social Services",
     "Review day opportunities at the Neighbourhood Resource Centres", (OT, OT, MS),
     "Use varies widely between centres; options for a revised offer will be consulted on in the "
     "spring.", {}),
]
# fmt: on
# Cabinet portfolio of each action. A split line without an entry has its parent's (left blank in the
# file); FA-20a, free school meals, is the Children's Services portfolio's part of a Finance one.
ACTION_PORTFOLIOS = {
    "FA-01": PCC,
    "FA-02": PCC,
    "FA-03": PLR,
    "FA-04": HSG,
    "FA-05": PCC,
    "FA-06": HIC,
    "FA-07": HIC,
    "FA-08": LDR,
    "FA-09": HIC,
    "FA-10": HIC,
    "FA-11": CC,
    "FA-12": PLR,
    "FA-13": HIC,
    "FA-14": HIC,
    "FA-15": CC,
    "FA-16": HSG,
    "FA-17": PLR,
    "FA-18": CHS,
    "FA-19": ASC,
    "FA-20": FHR,
    "FA-20a": CHS,
    "FA-21": ASC,
    "FA-22": CHS,
    "FA-23": ASC,
    "FA-24": ASC,
}  # fmt: skip
# A parent's status is the worst of its lines, in this order (worst first).
SEVERITY = [OFF, MS, OT, NS, NYD, C]


def build_actions():
    lines = {}
    for _ref, parent, *_rest, statuses, _q3, _notes in ACTIONS:
        if parent:
            lines.setdefault(parent, []).append(statuses)
    rows = []
    for ref, parent, priority, directorate, lead, title, statuses, q3, notes in ACTIONS:
        kids = lines.get(ref)
        for i, period in enumerate(ACTION_PERIODS):
            if kids:  # parent with lines: worst of its lines
                status = min((k[i] for k in kids), key=SEVERITY.index)
                counts = Counter(sorted((k[i] for k in kids), key=SEVERITY.index))
                text = ", ".join(f"{n} {s.lower()}" for s, n in counts.items())
                commentary = f"Reported in {len(kids)} lines: {text}." if period == LATEST else ""
            else:
                status = statuses[i]
                commentary = q3 if period == LATEST else notes.get(period, "")
            rows.append(
                {
                    "ref": ref,
                    "title": title,
                    "priority": priority,
                    "directorate": directorate,
                    "portfolio_holder": ACTION_PORTFOLIOS.get(ref, ""),
                    "lead": lead,
                    "parent_ref": parent,
                    "period": period,
                    "status": status,
                    "commentary": commentary,
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# Highlights. Q3 2023-24: the themes of the real report, paraphrased. Earlier quarters: a few written
# by hand, the rest generated from the indicator figures so that they agree with the trends.
# --------------------------------------------------------------------------------------------------
ACH, AFI = "achievement", "area for improvement"
# fmt: off
HIGHLIGHTS_Q3 = [
    (P1, ACH, "The new planning system went live, with an easier online portal for applicants and residents.", "PI-08", "FA-03"),
    (P1, ACH, "Footways and roads were resurfaced, a week of action was held in Rayners Lane, mobile CCTV cameras were installed and family hubs were opened.", "", "FA-06"),
    (P1, ACH, "Remembrance was marked with events at the Civic Centre and at St John's Church, Stanmore.", "", ""),
    (P1, ACH, "The annual canvass made the electoral register more accurate and put the Elections Act changes into effect.", "", "FA-08"),
    (P1, AFI, "Full-fibre broadband for all council homes is behind schedule because of financial difficulties in the broadband industry.", "PI-11", "FA-04"),
    (P1, AFI, "Callers wait too long before their call is answered.", "PI-01", "FA-05"),
    (P1, AFI, "Too few Freedom of Information requests are answered within 20 working days.", "PI-02", ""),
    (P2, ACH, "Catalytic converter thefts fell after joint operations with the police and other partners.", "PI-17", "FA-14"),
    (P2, ACH, "The Safer Spaces website on the safety of women and girls drew 100 responses and 1,400 views.", "", "FA-15"),
    (P2, ACH, "More household waste is being recycled and less residual waste is collected per household.", "PI-12", "FA-13"),
    (P2, ACH, "Phase 1 of the Grange Farm regeneration is finished, providing 89 new homes.", "", "FA-12a"),
    (P2, ACH, "Building safety compliance and the time taken to complete repairs in council homes both improved.", "PI-22", "FA-16a"),
    (P2, ACH, "More households were prevented from becoming homeless, placing Harrow in the top five London boroughs.", "PI-24", ""),
    (P2, ACH, "Fewer high street shop units are empty and public spaces in the town centre have been improved.", "PI-20", "FA-17"),
    (P2, ACH, "Harrow Arts Centre had a strong season, and its pantomime sold 13,600 tickets, the most ever.", "PI-25", ""),
    (P2, ACH, "Headstone Manor Museum won a British Association of Landscape Industries (BALI) award for nature, conservation and biodiversity.", "", ""),
    (P2, ACH, "The council's employment support helped more residents into work than planned, the best result in London.", "PI-26", ""),
    (P2, AFI, "Phases 2 and 3 of the Grange Farm regeneration are delayed and under review, with a start now likely later in 2024.", "", "FA-12b"),
    (P2, AFI, "Reports of anti-social behaviour have gone up.", "PI-16", ""),
    (P2, AFI, "Too few highway defects are repaired within the required timescale.", "PI-18", ""),
    (P2, AFI, "Footfall in the town centre is below target.", "PI-19", ""),
    (P2, AFI, "Electrical safety checks in council homes are behind schedule.", "PI-21", "FA-16b"),
    (P3, ACH, "25 warm hubs opened across the borough, offering health advice, exercise and a hot meal.", "", "FA-19"),
    (P3, ACH, "The 'Feeling Connected over Winter' campaign helped residents find company and support in the colder months.", "", ""),
    (P3, ACH, "40 primary schools have signed up to the Fit4Life charter.", "", "FA-23"),
    (P3, ACH, "A bridging service was launched to help people leave hospital while their longer-term care is arranged.", "", "FA-21"),
    (P3, ACH, "More than 6,000 children received free school meal support in each of the October half term and the Christmas holidays.", "", "FA-20a"),
    (P3, ACH, "Help Harrow provided 1,500 vouchers and more than 9,000 food packages.", "", "FA-20b"),
    (P3, ACH, "The council agreed two more years of support for the Conversation Cafe, now extended with Citizens Advice to carers, disabled and vulnerable residents.", "", ""),
    (P3, AFI, "Some Neighbourhood Resource Centres are under-used.", "PI-35", "FA-24"),
    (P3, AFI, "Too few children's social care assessments are completed on time.", "PI-31", ""),
    (P3, AFI, "Absence from local schools is too high.", "PI-32", ""),
    (P3, AFI, "Exclusions from local schools have increased.", "PI-33", ""),
    (P3, AFI, "Too few Education, Health and Care Plans for children with special educational needs and disabilities are issued within 20 weeks.", "PI-34", "FA-22"),
]
HIGHLIGHTS_EARLIER = [  # hand-written rows for earlier quarters (period, priority, kind, text, pi, fa)
    ("Q2 2023-24", P1, ACH, "The new online consultation platform was launched for residents.", "", "FA-02"),
    ("Q2 2023-24", P2, ACH, "All six parks kept their Green Flag Award.", "", "FA-11"),
    ("Q2 2023-24", P2, AFI, "The start of Grange Farm phase 2 has slipped while the scheme is reviewed.", "", "FA-12b"),
    ("Q4 2022-23", P2, ACH, "A joint operation with the police against catalytic converter theft began in January.", "PI-17", ""),
    ("Q1 2023-24", P3, ACH, "Work started on the first family hubs.", "", "FA-18a"),
]
# fmt: on
HIGHLIGHT_PERIODS = PERIODS[4:10]  # Q1 2022-23 .. Q2 2023-24
# Cumulative or seasonal measures: quarter-on-quarter text would mislead.
NO_AUTO = {"PI-04", "PI-05", "PI-25"}


def auto_highlights(ind_df, period, priority, n_ach, n_afi, skip=()):
    """Achievements and areas for improvement for one quarter and priority, from the figures.

    Achievements: targets met and improving first, then met and held, then misses that improved.
    Areas for improvement: Red or Amber, furthest from target first; failing that, the biggest slip.
    Counts of people appear only when both figures are 10 or more, far from the suppression threshold.
    """
    by = {(r.ref, r.period): r for r in ind_df.itertuples()}
    ach, afi, slips = [], [], []  # ach: (rank, score, text, ref); afi, slips: (score, text, ref)
    for ind in INDICATORS:
        ref = ind["ref"]
        if ind["priority"] != priority or ref in NO_AUTO or ref in skip:
            continue
        annual = ind.get("freq") == "annual"
        prev = PERIODS[PERIODS.index(period) - (4 if annual else 1)]
        now, before = by[(ref, period)], by[(ref, prev)]
        if "" in (now.actual, now.target, before.actual):
            continue
        a, b, t = float(now.actual), float(before.actual), float(now.target)
        if ind.get("people") and min(a, b) < 10:
            continue
        name, when = ind["name"], ("a year earlier" if annual else "last quarter")
        fa, fb, ft = fmt(a, ind), fmt(b, ind), fmt(t, ind)
        if ind["polarity"] == BAND:
            hi = float(ind["upper"])
            if rag(a, t, BAND, ind.get("tol"), hi) == "Green":
                text = f"{name} stood at {fa}, within the target range of {ft} to {fmt(hi, ind)}."
                ach.append((1, 0, text, ref))
            continue
        sign = 1 if ind["polarity"] == HI else -1
        change = sign * (a - b) / max(abs(b), 1e-9)
        if rag(a, t, ind["polarity"], ind.get("tol")) == "Green":
            meets = "meeting" if a == t else "better than"
            if change > 0:
                moved = "rose" if a > b else "fell"
                text = f"{name} {moved} from {fb} to {fa}, {meets} the target of {ft}."
                ach.append((2, change, text, ref))
            elif change == 0:
                ach.append((1, 0, f"{name} held at {fa}, {meets} the target of {ft}.", ref))
            else:
                text = f"{name} slipped to {fa} from {fb}; it still meets the target of {ft} and is being watched."
                slips.append((-change, text, ref))
            continue
        if change > 0:
            text = f"{name} improved from {fb} to {fa}, closing the gap to the target of {ft}."
            ach.append((0, change, text, ref))
        verb = "worsened to" if change < 0 else "improved to" if change > 0 else "stayed at"
        shortfall = sign * (t - a) / max(abs(t), 1e-9)
        afi.append((shortfall, f"{name} {verb} {fa} against a target of {ft} ({fb} {when}).", ref))
    afis = [(text, ref) for _s, text, ref in sorted(afi, reverse=True)[:n_afi]]
    if n_afi > 0 and not afis:
        afis = [(text, ref) for _s, text, ref in sorted(slips, reverse=True)[:1]]
    taken = {ref for _t, ref in afis}
    ach = sorted((x for x in ach if x[3] not in taken), key=lambda x: x[:2], reverse=True)
    return [(text, ref) for _r, _s, text, ref in ach[:n_ach]], afis


def build_highlights(ind_df):
    rows = [(LATEST, p, k, t, i, a) for p, k, t, i, a in HIGHLIGHTS_Q3]
    rng = random.Random(SEED + 1)
    for period in HIGHLIGHT_PERIODS:
        for priority in PRIORITIES:
            hand = [h for h in HIGHLIGHTS_EARLIER if h[:2] == (period, priority)]
            n_ach = rng.randint(2, 4) - sum(h[2] == ACH for h in hand)
            n_afi = rng.randint(1, 3) - sum(h[2] == AFI for h in hand)
            skip = {h[4] for h in hand}
            ach, afi = auto_highlights(ind_df, period, priority, n_ach, n_afi, skip)
            rows += [h for h in hand if h[2] == ACH] + [
                (period, priority, ACH, t, r, "") for t, r in ach
            ]
            rows += [h for h in hand if h[2] == AFI] + [
                (period, priority, AFI, t, r, "") for t, r in afi
            ]
    columns = ["period", "priority", "kind", "text", "indicator_ref", "action_ref"]
    df = pd.DataFrame(rows, columns=columns)
    order = (
        df.period.map(PERIODS.index) * 10 + df.priority.map(PRIORITIES.index) * 2 + (df.kind == AFI)
    )
    return df.iloc[order.argsort(kind="stable")]


# Cabinet's corrective actions (issue 22), Q1 to Q3 2023-24: what Cabinet agreed to do about the
# quarter's Red indicators and off-track flagship actions, one row per action per quarter's update.
# Subjects are the sample's own Red and Off track items. PI-33 and PI-35 are Red in Q1, Q2 and Q3
# with no action: the follow-up section calls them out. All illustrative.
CABINET_MEETINGS = {
    "Q1 2023-24": "Cabinet 14 September 2023",
    "Q2 2023-24": "Cabinet 7 December 2023",
    "Q3 2023-24": "Cabinet 14 March 2024",
}
# (id, subject kind, subject, action, owner, portfolio, agreed, due,
#  [(quarter, status, update, dropped reason, internal note), ...])
CORRECTIVE_ACTIONS = [
    ("CA-23Q1-01", "indicator", "PI-01",
     "Recruit six contact centre advisers and add a call-back option at peak times",
     "Head of Customer Experience", PCC, "Q1 2023-24", "Q3 2023-24", [
         ("Q1 2023-24", "agreed", "Recruitment approved; adverts out in August.", "", ""),
         ("Q2 2023-24", "in progress", "Four of six advisers in post; call-back live from 2 October.",
          "", "Two candidates withdrew after offer; agency cover until January."),
         ("Q3 2023-24", "done", "All six advisers in post and call-back in use at peak times.", "", ""),
     ]),
    ("CA-23Q1-02", "indicator", "PI-02",
     "Clear the backlog of FOI requests and name a deputy FOI officer in each directorate",
     "Information Governance Manager", PCC, "Q1 2023-24", "Q2 2023-24", [
         ("Q1 2023-24", "agreed", "Backlog of 64 requests measured; deputies being nominated.", "", ""),
         ("Q2 2023-24", "in progress", "Backlog down to 31; four of six deputies named.", "", ""),
         ("Q3 2023-24", "in progress",
          "Backlog down to 18; the last two deputies are to be named in January.", "",
          "Resources directorate has not nominated yet: raised at Corporate Leadership Team."),
     ]),
    ("CA-23Q1-03", "indicator", "PI-11",
     "Agree a revised installation programme with the broadband provider",
     "Director of Housing", HSG, "Q1 2023-24", "Q4 2023-24", [
         ("Q1 2023-24", "agreed", "Talks with the provider started in July.", "", ""),
         ("Q2 2023-24", "in progress", "Provider's revised programme under review.", "", ""),
         ("Q3 2023-24", "dropped", "Replaced by the provider's own rollout programme.",
          "The provider's financial difficulties mean no revised programme can be agreed; the "
          "council will join the provider's national rollout programme instead.", ""),
     ]),
    ("CA-23Q1-04", "indicator", "PI-21",
     "Complete overdue electrical safety checks in council homes, with forced entry where needed",
     "Head of Housing Property Services", HSG, "Q1 2023-24", "Q2 2023-24", [
         ("Q1 2023-24", "agreed", "312 homes without a valid check identified.", "", ""),
         ("Q2 2023-24", "in progress", "198 of 312 checks completed; access refused at 40 homes.",
          "", ""),
         ("Q3 2023-24", "overdue",
          "71 homes still without a valid check; legal action started where access is refused.",
          "", "Contractor capacity is the constraint; a second contractor is being procured."),
     ]),
    ("CA-23Q2-01", "indicator", "PI-16",
     "Target patrols and CCTV on the five wards with the most anti-social behaviour reports",
     "Head of Community Safety", HIC, "Q2 2023-24", "Q4 2023-24", [
         ("Q2 2023-24", "agreed", "Hotspot wards agreed with the police.", "", ""),
         ("Q3 2023-24", "in progress",
          "Joint patrols running since November; two new CCTV cameras installed.", "", ""),
     ]),
    ("CA-23Q2-02", "indicator", "PI-31",
     "Bring in agency social workers to clear assessments over 45 working days",
     "Director of Children's Services", CHS, "Q2 2023-24", "Q3 2023-24", [
         ("Q2 2023-24", "agreed", "Funding for four agency social workers approved.", "", ""),
         ("Q3 2023-24", "done", "Backlog of late assessments cleared by December.", "", ""),
     ]),
    ("CA-23Q2-03", "flagship action", "FA-12",
     "Re-tender the phase 2 build contract for Grange Farm",
     "Director of Regeneration", PLR, "Q2 2023-24", "Q1 2024-25", [
         ("Q2 2023-24", "agreed", "Procurement route agreed.", "", ""),
         ("Q3 2023-24", "in progress", "Tenders returned; evaluation under way.", "", ""),
     ]),
    ("CA-23Q3-01", "indicator", "PI-34",
     "Add two educational psychologists to the EHCP assessment team",
     "Head of SEND", CHS, "Q3 2023-24", "Q1 2024-25", [
         ("Q3 2023-24", "agreed", "Posts approved; recruitment from January.", "", ""),
     ]),
    ("CA-23Q3-02", "flagship action", "FA-04",
     "Report options for full-fibre broadband in council homes to Cabinet",
     "Director of Housing", HSG, "Q3 2023-24", "Q4 2023-24", [
         ("Q3 2023-24", "agreed", "", "", ""),
     ]),
    ("CA-23Q3-03", "priority", "A council that puts residents first",
     "Portfolio holders to review every Red indicator of this priority with their directors "
     "before each quarter's report",
     "Head of Strategy and Performance", LDR, "Q3 2023-24", "Q4 2023-24", [
         ("Q3 2023-24", "agreed", "First reviews booked for February.", "", ""),
     ]),
]  # fmt: skip


def build_corrective_actions():
    rows = []
    for aid, kind, subject, action, owner, portfolio, agreed, due, updates in CORRECTIVE_ACTIONS:
        for quarter, status, update, reason, note in updates:
            rows.append(
                {
                    "action_id": aid,
                    "subject_kind": kind,
                    "subject": subject,
                    "action": action,
                    "owner": owner,
                    "portfolio_holder": f"Portfolio Holder for {portfolio}",
                    "agreed_quarter": agreed,
                    "agreed_at": CABINET_MEETINGS[agreed],
                    "due_quarter": due,
                    "quarter": quarter,
                    "status": status,
                    "update": update,
                    "dropped_reason": reason,
                    "internal_note": note,
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
def write(df, name):
    df.to_csv(OUT / name, index=False, encoding="utf-8", lineterminator="\n")


def check():
    """Read the files back and print a summary; fail loudly on anything inconsistent."""
    ind = pd.read_csv(OUT / "indicators.csv", dtype=str, keep_default_na=False)
    act = pd.read_csv(OUT / "actions.csv", dtype=str, keep_default_na=False)
    hil = pd.read_csv(OUT / "highlights.csv", dtype=str, keep_default_na=False)
    print(
        f"indicators.csv {len(ind)} rows ({ind.ref.nunique()} indicators x {ind.period.nunique()} quarters)"
    )
    print(
        f"actions.csv    {len(act)} rows ({act.ref.nunique()} actions and lines x {act.period.nunique()} quarters)"
    )
    print(f"highlights.csv {len(hil)} rows")
    for df, key in (
        (ind, ["ref", "period"]),
        (act, ["ref", "period"]),
        (hil, ["period", "priority", "kind", "text"]),
    ):
        assert not df.duplicated(key).any(), f"duplicate {key}"
        assert set(df.priority) == set(PRIORITIES), set(df.priority)
    assert list(ind.columns[:3]) == ["ref", "name", "description"]
    pct = pd.to_numeric(ind.loc[ind.unit == "%", "actual"], errors="coerce")
    assert pct.dropna().between(0, 100).all()
    assert (ind.loc[ind.period == "Q4 2023-24", "actual"] == "").all()
    assert (ind.loc[ind.period == LATEST, "commentary"] != "").all()
    # Every action has a portfolio holder, its own or (a split line) its parent's, and it is one of
    # the indicators' portfolios.
    own = act.groupby("ref").portfolio_holder.first()
    parent_of = act.groupby("ref").parent_ref.first()
    held = [own[r] or own.get(parent_of[r], "") for r in own.index]
    assert all(held) and set(held) <= set(ind.portfolio_holder), set(held) - set(
        ind.portfolio_holder
    )
    refs = set(ind.ref) | set(act.ref)
    assert set(hil.indicator_ref) - {""} <= refs and set(hil.action_ref) - {""} <= refs

    q3 = ind[ind.period == LATEST].copy()
    num_ = lambda s: None if s == "" else float(s)  # noqa: E731
    q3["computed"] = [
        rag(num_(r.actual), num_(r.target), r.polarity, num_(r.tolerance), num_(r.target_upper))
        for r in q3.itertuples()
    ]
    q3["effective"] = [r.rag or r.computed for r in q3.itertuples()]
    rated = q3.dropna(subset=["computed"])
    for col in ("computed", "effective"):
        counts = rated[col].value_counts()
        print(
            f"Q3 2023-24 {col} RAG of {len(rated)} rated: "
            + ", ".join(
                f"{k} {counts.get(k, 0)} ({counts.get(k, 0) / len(rated):.0%})"
                for k in ("Green", "Amber", "Red")
            )
        )
    print(
        "Not rated in Q3 2023-24:",
        ", ".join(
            f"{r.ref} ({'annual' if r.frequency == 'annual' else 'no actual' if r.actual == '' else 'no target'})"
            for r in q3[q3.computed.isna()].itertuples()
        ),
    )
    print("Missing target in Q3 2023-24:")
    for r in rated[rated.computed != "Green"].itertuples():
        print(
            f"  {r.ref} {r.computed:<5} {r.name}: {r.actual} vs {r.target}{'-' + r.target_upper if r.target_upper else ''} ({r.polarity})"
        )
    print("Official RAG rows:")
    for r in ind[ind.rag != ""].itertuples():
        c = rag(num_(r.actual), num_(r.target), r.polarity, num_(r.tolerance), num_(r.target_upper))
        print(
            f"  {r.ref} {r.period}: official {r.rag}, computed {c}{'  <-- disagrees' if c != r.rag else ''}"
        )
        assert (c != r.rag) == ((r.ref, r.period) == DISAGREEING)
    people = ind[ind.counts_people == "yes"]
    print("Counts of people:", ", ".join(sorted(people.ref.unique())))
    assert 5 <= people.ref.nunique() <= 7
    vals = pd.to_numeric(people.actual, errors="coerce")
    for label, rows in (
        ("1 to 4 (to be suppressed)", people[vals.between(1, 4)]),
        ("zero", people[vals == 0]),
    ):
        for ref, grp in rows.groupby("ref"):
            print(
                f"  {ref} {label}: "
                + ", ".join(f"{p}={a}" for p, a in zip(grp.period, grp.actual, strict=True))
            )
    ca = pd.read_csv(OUT / "corrective_actions.csv", dtype=str, keep_default_na=False)
    assert not ca.duplicated(["action_id", "quarter"]).any()
    assert set(ca.subject) - set(PRIORITIES) <= refs
    assert (ca.loc[ca.status == "dropped", "dropped_reason"] != "").all()
    assert not set(ca.subject) & {"PI-33", "PI-35"}  # Red three quarters running, no action
    print(f"corrective_actions.csv {len(ca)} rows ({ca.action_id.nunique()} actions)")
    print(
        "Action statuses Q3 2023-24 (reported lines, parents with lines excluded):",
        act[(act.period == LATEST) & ~act.ref.isin(act.parent_ref)].status.value_counts().to_dict(),
    )


def main():
    import build_comparators  # beside this script: the benchmarking sample

    ind_df = build_comparators.add_benchmark_measures(build_indicators())
    write(ind_df, "indicators.csv")
    build_comparators.write(ind_df)
    write(build_actions(), "actions.csv")
    write(build_highlights(ind_df), "highlights.csv")
    write(build_corrective_actions(), "corrective_actions.csv")
    check()


if __name__ == "__main__":
    main()
