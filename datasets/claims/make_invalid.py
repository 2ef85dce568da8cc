"""Write the invalid example claims, one per checker rule, from the valid
sample. Each is the sample with one thing broken, so the checker should
find exactly that problem. Run from anywhere:

    python datasets/claims/make_invalid.py

The expected finding of each file is in ``invalid/index.json``.
"""

import copy
import json
import pathlib

HERE = pathlib.Path(__file__).parent
SAMPLE = json.loads((HERE / "valid_sample.json").read_text())


def line(claim, n=0):
    return claim["lines"][n]


def missing_patient_birth_date(c):
    c["patient"]["birth_date"] = ""


def missing_billing_npi(c):
    c["billing_provider"]["npi"] = ""


def bad_referring_npi(c):
    c["referring_provider"]["npi"] = "1000000013"   # check digit 2


def bad_rendering_npi(c):
    line(c, 1)["rendering_npi"] = "100000002"      # nine digits


def bad_billing_npi(c):
    c["billing_provider"]["npi"] = "3000000038"    # starts with 3


def unknown_diagnosis(c):
    c["diagnoses"][1] = "M99.999"


def diagnosis_not_billable(c):
    c["diagnoses"][1] = "M54.5"   # split into M54.50/.51/.59 in 2021


def too_many_diagnoses(c):
    c["diagnoses"] = ["M17.11", "M54.50", "E66.811", "Z68.31", "I10",
                      "E11.9", "R73.03", "Z72.3", "Z71.82", "M81.0",
                      "J44.9", "I73.9", "Z71.3"]


def too_many_lines(c):
    c["lines"] = [copy.deepcopy(line(c, 1)) for _ in range(7)]
    c["total_charge"] = "455.00"


def pointer_not_letter(c):
    line(c)["pointers"] = ["1"]


def too_many_pointers(c):
    c["diagnoses"] += ["E66.811", "Z68.31", "I10"]
    line(c)["pointers"] = ["A", "B", "C", "D", "E"]


def pointer_unknown(c):
    line(c)["pointers"] = ["E"]


def units_not_whole(c):
    line(c)["units"] = 1.5


def units_zero(c):
    line(c)["units"] = 0


def total_mismatch(c):
    c["total_charge"] = "175.00"


def invalid_date(c):
    line(c)["from"] = line(c)["to"] = "2026-02-30"


def service_before_birth(c):
    c["patient"]["birth_date"] = "2026-11-20"


def service_in_future(c):
    line(c)["from"] = line(c)["to"] = "2099-01-05"


def therapy_code_by_trainer(c):
    c["billing_provider"]["name"] = "Peak Form Personal Training (synthetic)"
    c["billing_provider"]["taxonomy"] = "224Y00000X"


#: file stem -> (mutation, rule, item, line)
CASES = {
    "missing_patient_birth_date": (missing_patient_birth_date,
                                   "required", "3", None),
    "missing_billing_npi": (missing_billing_npi, "required", "33a", None),
    "bad_referring_npi": (bad_referring_npi, "npi-invalid", "17b", None),
    "bad_rendering_npi": (bad_rendering_npi, "npi-invalid", "24J", 2),
    "bad_billing_npi": (bad_billing_npi, "npi-invalid", "33a", None),
    "unknown_diagnosis": (unknown_diagnosis, "diagnosis-unknown", "21",
                          None),
    "diagnosis_not_billable": (diagnosis_not_billable,
                               "diagnosis-not-billable", "21", None),
    "too_many_diagnoses": (too_many_diagnoses, "diagnosis-limit", "21",
                           None),
    "too_many_lines": (too_many_lines, "line-limit", "24", None),
    "pointer_not_letter": (pointer_not_letter, "pointer-letter", "24E", 1),
    "too_many_pointers": (too_many_pointers, "pointer-limit", "24E", 1),
    "pointer_unknown": (pointer_unknown, "pointer-unknown", "24E", 1),
    "units_not_whole": (units_not_whole, "units-whole", "24G", 1),
    "units_zero": (units_zero, "units-whole", "24G", 1),
    "total_mismatch": (total_mismatch, "total-mismatch", "28", None),
    "invalid_date": (invalid_date, "date-invalid", "24A", 1),
    "service_before_birth": (service_before_birth, "service-before-birth",
                             "24A", 1),
    "service_in_future": (service_in_future, "date-in-future", "24A", 1),
    "therapy_code_by_trainer": (therapy_code_by_trainer, "who-may-bill",
                                "24D", 1),
}


def main():
    out = HERE / "invalid"
    out.mkdir(exist_ok=True)
    index = {}
    for stem, (mutate, rule, item, line_no) in CASES.items():
        claim = copy.deepcopy(SAMPLE)
        mutate(claim)
        (out / f"{stem}.json").write_text(
            json.dumps(claim, indent=2) + "\n")
        index[stem] = {"rule": rule, "item": item, "line": line_no,
                       "what": mutate.__name__.replace("_", " ")}
    (out / "index.json").write_text(json.dumps(index, indent=2) + "\n")


if __name__ == "__main__":
    main()
