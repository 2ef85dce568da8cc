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


WEEK = [f"2026-11-{day:02d}" for day in range(2, 9)]


def line(claim, n=0):
    return claim["lines"][n]


def medicare(c):
    c["coverage"] = "medicare"
    c["payer"] = {"name": "Synthetic Medicare Administrative Contractor",
                  "id": "SYNMAC", "address": c["payer"]["address"]}
    c["insured"]["id"] = "1EG4TE5MK73"       # MBI shape, synthetic
    c["insured"]["group"] = "NONE"


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
    c["diagnoses"][0] = "M17.1"   # needs the side: M17.10/.11/.12


def diagnosis_split_before_service(c):
    c["diagnoses"][1] = "M54.5"   # split into M54.50/.51/.59 in 2021


def diagnosis_before_it_existed(c):
    for n in (0, 1):
        line(c, n)["from"] = line(c, n)["to"] = "2021-06-02"  # M54.50: 2021-10


def icd9_code(c):
    c["diagnoses"][1] = "250.00"


def services_before_icd10(c):
    for n in (0, 1):
        line(c, n)["from"] = line(c, n)["to"] = "2015-09-30"


def bmi_without_weight_diagnosis(c):
    c["diagnoses"].append("Z68.31")


def repeated_diagnosis(c):
    c["diagnoses"].append("M17.11")


def duplicate_line(c):
    c["lines"][1] = copy.deepcopy(line(c))
    c["total_charge"] = "240.00"


def unknown_place_of_service(c):
    line(c)["place_of_service"] = "88"


def date_order(c):
    line(c)["to"] = "2026-11-09"


def sex_not_a_choice(c):
    c["patient"]["sex"] = "X"


def code_shape(c):
    line(c)["code"] = "9711"


def code_not_in_table(c):
    line(c)["code"] = "97799"


def code_after_it_was_deleted(c):
    c["billing_provider"]["taxonomy"] = "207Q00000X"   # a physician
    line(c)["code"] = "G0424"                          # deleted 2022
    line(c)["modifiers"] = []               # GP is for therapy codes only


def s_code_on_medicare(c):
    medicare(c)
    line(c)["code"] = "S9451"
    line(c)["modifiers"] = []


def unknown_modifier(c):
    line(c)["modifiers"] = ["GP", "ZZ"]


def too_many_modifiers(c):
    line(c)["modifiers"] = ["GP", "KX", "XU", "95", "93"]


def repeated_modifier(c):
    line(c)["modifiers"] = ["GP", "GP"]


def medicare_therapy_without_gp(c):
    medicare(c)
    line(c)["modifiers"] = []


def kx_with_ga(c):
    line(c)["modifiers"] = ["GP", "KX", "GA"]


def modifier_59_with_xs(c):
    line(c, 1)["modifiers"] = ["GP", "59", "XS"]


def modifier_59_on_office_visit(c):
    c["billing_provider"]["taxonomy"] = "207Q00000X"
    line(c)["code"] = "99213"
    line(c)["modifiers"] = ["59"]


def gp_on_trainer_code(c):
    line(c)["code"] = "S9451"
    line(c)["modifiers"] = ["GP"]


def cq_without_gp(c):
    line(c)["modifiers"] = ["CQ"]


def units_do_not_match_minutes(c):
    medicare(c)
    line(c)["minutes"] = 33     # 33 + 20 = 53 min: 4 units, 2 + 2
    line(c, 1)["minutes"] = 20


def referral_missing(c):
    c["payer"]["referral_required"] = True
    c["referring_provider"] = {"name": {"last": "", "first": ""},
                               "npi": "", "qualifier": ""}


def prior_authorization_missing(c):
    c["payer"]["prior_authorization_required"] = True


def medicare_filed_late(c):
    medicare(c)
    for n in (0, 1):
        line(c, n)["from"] = line(c, n)["to"] = "2025-10-01"


def commercial_filed_late(c):
    c["payer"]["timely_filing_days"] = 90
    for n in (0, 1):
        line(c, n)["from"] = line(c, n)["to"] = "2026-08-01"


def charge_with_dollar_sign(c):
    line(c)["charge"] = "$120"


def too_many_diagnoses(c):
    c["diagnoses"] = ["M17.11", "M54.50", "E66.811", "Z68.31", "I10",
                      "E11.9", "R73.03", "Z72.3", "Z71.82", "M81.0",
                      "J44.9", "I73.9", "Z71.3"]


def too_many_lines(c):
    c["lines"] = [dict(copy.deepcopy(line(c, 1)), **{"from": day, "to": day})
                  for day in WEEK]
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


#: file stem -> (mutation, rule, item, line, severity)
CASES = {
    "missing_patient_birth_date": (missing_patient_birth_date,
                                   "required", "3", None),
    "missing_billing_npi": (missing_billing_npi, "required", "33a", None),
    "sex_not_a_choice": (sex_not_a_choice, "choice", "3", None),
    "bad_referring_npi": (bad_referring_npi, "npi-invalid", "17b", None),
    "bad_rendering_npi": (bad_rendering_npi, "npi-invalid", "24J", 2),
    "bad_billing_npi": (bad_billing_npi, "npi-invalid", "33a", None),
    "referral_missing": (referral_missing, "referral-missing", "17", None),
    "unknown_diagnosis": (unknown_diagnosis, "diagnosis-unknown", "21",
                          None),
    "diagnosis_not_billable": (diagnosis_not_billable,
                               "diagnosis-not-billable", "21", None),
    "diagnosis_split_before_service": (diagnosis_split_before_service,
                                       "diagnosis-changed", "21", None),
    "diagnosis_before_it_existed": (diagnosis_before_it_existed,
                                    "diagnosis-changed", "21", None),
    "icd9_code": (icd9_code, "icd9-code", "21", None),
    "services_before_icd10": (services_before_icd10, "icd-code-set", "21",
                              None),
    "too_many_diagnoses": (too_many_diagnoses, "diagnosis-limit", "21",
                           None),
    "repeated_diagnosis": (repeated_diagnosis, "diagnosis-repeated", "21",
                           None, "warning"),
    "bmi_without_weight_diagnosis": (bmi_without_weight_diagnosis,
                                     "bmi-alone", "21", None, "warning"),
    "prior_authorization_missing": (prior_authorization_missing,
                                    "prior-auth-missing", "23", None),
    "too_many_lines": (too_many_lines, "line-limit", "24", None),
    "duplicate_line": (duplicate_line, "duplicate-line", "24", 2),
    "invalid_date": (invalid_date, "date-invalid", "24A", 1),
    "date_order": (date_order, "date-order", "24A", 1),
    "service_before_birth": (service_before_birth, "service-before-birth",
                             "24A", 1),
    "service_in_future": (service_in_future, "date-in-future", "24A", 1),
    "medicare_filed_late": (medicare_filed_late, "timely-filing", "24A",
                            1),
    "commercial_filed_late": (commercial_filed_late, "timely-filing",
                              "24A", 1),
    "unknown_place_of_service": (unknown_place_of_service,
                                 "place-of-service", "24B", 1),
    "code_shape": (code_shape, "code-shape", "24D", 1),
    "code_not_in_table": (code_not_in_table, "code-unknown", "24D", 1,
                          "warning"),
    "code_after_it_was_deleted": (code_after_it_was_deleted, "code-year",
                                  "24D", 1),
    "s_code_on_medicare": (s_code_on_medicare, "s-code-medicare", "24D",
                           1),
    "therapy_code_by_trainer": (therapy_code_by_trainer, "who-may-bill",
                                "24D", 1),
    "unknown_modifier": (unknown_modifier, "modifier-unknown", "24D", 1,
                         "warning"),
    "too_many_modifiers": (too_many_modifiers, "modifier-limit", "24D", 1),
    "repeated_modifier": (repeated_modifier, "modifier-repeated", "24D",
                          1),
    "medicare_therapy_without_gp": (medicare_therapy_without_gp,
                                    "therapy-modifier", "24D", 1),
    "kx_with_ga": (kx_with_ga, "kx-with-ga", "24D", 1),
    "modifier_59_with_xs": (modifier_59_with_xs, "59-with-x", "24D", 2,
                            "warning"),
    "modifier_59_on_office_visit": (modifier_59_on_office_visit,
                                    "59-on-em", "24D", 1),
    "cq_without_gp": (cq_without_gp, "assistant-modifier", "24D", 1),
    "gp_on_trainer_code": (gp_on_trainer_code, "therapy-modifier-misused",
                           "24D", 1),
    "pointer_not_letter": (pointer_not_letter, "pointer-letter", "24E", 1),
    "too_many_pointers": (too_many_pointers, "pointer-limit", "24E", 1),
    "pointer_unknown": (pointer_unknown, "pointer-unknown", "24E", 1),
    "units_not_whole": (units_not_whole, "units-whole", "24G", 1),
    "units_zero": (units_zero, "units-whole", "24G", 1),
    "units_do_not_match_minutes": (units_do_not_match_minutes,
                                   "units-minutes", "24G", 1),
    "charge_with_dollar_sign": (charge_with_dollar_sign, "charge-format",
                                "24F", 1),
    "total_mismatch": (total_mismatch, "total-mismatch", "28", None),
}


def main():
    out = HERE / "invalid"
    out.mkdir(exist_ok=True)
    index = {}
    for old in out.glob("*.json"):
        old.unlink()
    for stem, (mutate, rule, item, line_no, *severity) in CASES.items():
        claim = copy.deepcopy(SAMPLE)
        mutate(claim)
        (out / f"{stem}.json").write_text(
            json.dumps(claim, indent=2) + "\n")
        index[stem] = {"rule": rule, "item": item, "line": line_no,
                       "severity": severity[0] if severity else "error",
                       "what": mutate.__name__.replace("_", " ")}
    (out / "index.json").write_text(json.dumps(index, indent=2) + "\n")


if __name__ == "__main__":
    main()
