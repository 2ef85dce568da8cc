"""Write the project's sample 271 and 835 files into this folder.

Run ``python datasets/x12/make_samples.py``. Every person, clinic and
payer is synthetic, and so are the interchange IDs (NOTREALPAYER /
NOTREALCLINIC). The valid files come from our writers
(``trainer_billing.x271.write_271``, ``trainer_billing.x835.write_835``);
each malformed file is a valid one with one fault put in by hand, named
after the fault. Adjustment reasons (CARC) are from FACTS.md section H,
except A2, 94 and the remark N95, which the issue's values use.
"""

import pathlib

from trainer_billing.x271 import write_271
from trainer_billing.x835 import write_835

HERE = pathlib.Path(__file__).resolve().parent
CREATED = "2026-12-04T10:00"
PAYER = {"name": "NOT REAL HEALTH PLAN", "id": "NR0001"}
MA_PAYER = {"name": "NOT REAL MEDICARE ADVANTAGE", "id": "NR0002"}
CLINIC = {"name": "NOT REAL PT CLINIC", "npi": "1000000004"}
REMIT_PAYER = {"name": "NOT REAL HEALTH PLAN", "id": "1999999999"}


def subscriber(last, first, member_id, birth_date):
    return {"last": last, "first": first, "member_id": member_id,
            "birth_date": birth_date, "sex": "F"}


ELIGIBILITY = {
    "271_active_commercial": {
        "payer": PAYER, "provider": CLINIC,
        "subscriber": subscriber("QUILL", "MARA", "NR100200301",
                                 "1971-03-14"),
        "dates": {"346": "2026-01-01", "347": "2026-12-31"},
        "benefits": [
            {"code": "1", "coverage_level": "IND", "service_types": ["30"],
             "insurance_type": "PR", "plan": "NOT REAL PPO 500"},
            {"code": "B", "coverage_level": "IND", "service_types": ["PT"],
             "period": "27", "amount": "25.00", "in_network": True},
            {"code": "A", "coverage_level": "IND", "service_types": ["PT"],
             "percent": "0.2", "in_network": True},
            {"code": "C", "coverage_level": "IND", "service_types": ["30"],
             "period": "23", "amount": "500.00", "in_network": True},
            {"code": "C", "coverage_level": "IND", "service_types": ["30"],
             "period": "29", "amount": "175.50", "in_network": True},
            {"code": "G", "coverage_level": "IND", "service_types": ["30"],
             "period": "23", "amount": "3000.00", "in_network": True},
            {"code": "F", "coverage_level": "IND", "service_types": ["PT"],
             "period": "23", "quantity_qualifier": "VS", "quantity": 20,
             "in_network": True},
            {"code": "F", "coverage_level": "IND", "service_types": ["PT"],
             "period": "29", "quantity_qualifier": "VS", "quantity": 12,
             "in_network": True},
            {"code": "1", "service_types": ["PT"],
             "authorization_required": True, "in_network": True,
             "messages": ["AUTHORIZATION REQUIRED AFTER 12 VISITS"]}]},
    "271_inactive": {
        "payer": PAYER, "provider": CLINIC,
        "subscriber": subscriber("VANTERPOOL", "ODIN", "NR100200302",
                                 "1980-07-02"),
        "dates": {"346": "2025-01-01", "347": "2025-12-31"},
        "benefits": [{"code": "6", "service_types": ["30"],
                      "messages": ["COVERAGE TERMINATED 2025-12-31"]}]},
    "271_medicare_advantage_fitness": {
        "payer": MA_PAYER, "provider": CLINIC,
        "subscriber": subscriber("ABERNATHY-LIU", "JUNE", "NR100200303",
                                 "1954-11-30"),
        "dates": {"346": "2026-01-01"},
        "benefits": [
            {"code": "1", "coverage_level": "IND", "service_types": ["30"],
             "insurance_type": "HN", "plan": "NOT REAL MA PLAN"},
            {"code": "B", "service_types": ["PT"], "period": "27",
             "amount": "20.00", "in_network": True},
            {"code": "D", "service_types": ["30"],
             "plan": "SUPPLEMENTAL FITNESS BENEFIT",
             "messages": ["GYM MEMBERSHIP PROGRAM AT PARTICIPATING "
                          "FACILITIES, NO COPAY",
                          "NOT A THERAPY BENEFIT"]}]},
}

CLAIM_800 = {
    "id": "NR-CLM-0800", "status": "1", "billed": "800.00",
    "paid": "450.00", "patient_responsibility": "300.00",
    "payer_claim": "NRPCN0000001",
    "patient": {"last": "QUILL", "first": "MARA", "id": "NR100200301"},
    "adjustments": [["CO", "A2", "50.00"]],
    "lines": [{"code": "97110", "modifiers": ["GP"], "billed": "800.00",
               "paid": "500.00", "units": 4, "date": "2026-11-09",
               "adjustments": [["PR", "1", "300.00"]]}]}

REMITTANCES = {
    "835_balanced_patient_owes": {
        "payer": REMIT_PAYER, "payee": CLINIC,
        "payment": {"method": "CHK", "date": "2026-12-04",
                    "trace": "NRCHK0001"},
        "claims": [CLAIM_800]},
    "835_negative_adjustment": {
        "payer": REMIT_PAYER, "payee": CLINIC,
        "payment": {"method": "CHK", "date": "2026-12-04",
                    "trace": "NRCHK0002"},
        "claims": [{
            "id": "NR-CLM-0541", "status": "2", "billed": "541.00",
            "paid": "34.00", "payer_claim": "NRPCN0000002",
            "patient": {"last": "VANTERPOOL", "first": "ODIN",
                        "id": "NR100200302"},
            "lines": [{"code": "97530", "modifiers": ["GP"],
                       "billed": "541.00", "paid": "34.00", "units": 1,
                       "date": "2026-11-10", "adjustments": [
                           ["OA", "23", "516.00"], ["OA", "94", "-9.00"]]}]
        }]},
    "835_denial_trainer_97110": {
        "payer": REMIT_PAYER, "payee": CLINIC,
        "payment": {"method": "NON", "date": "2026-12-04",
                    "trace": "NRNON0003"},
        "claims": [{
            "id": "NR-CLM-0120", "status": "4", "billed": "120.00",
            "paid": "0.00", "patient_responsibility": "0.00",
            "payer_claim": "NRPCN0000003",
            "patient": {"last": "ABERNATHY-LIU", "first": "JUNE",
                        "id": "NR100200303"},
            "lines": [{"code": "97110", "billed": "120.00", "paid": "0.00",
                       "units": 2, "date": "2026-11-12",
                       "adjustments": [["CO", "170", "120.00"]],
                       "remarks": ["N95"]}]}]},
    "835_provider_adjustment": {
        "payer": REMIT_PAYER, "payee": CLINIC,
        "payment": {"method": "CHK", "date": "2026-12-04",
                    "trace": "NRCHK0004"},
        "claims": [CLAIM_800],
        "provider_adjustments": [
            {"reason": "WO", "reference": "NROVERPAY01", "amount": "25.00",
             "fiscal_period": "2026-12-31"}]},
    "835_unbalanced_payment": {
        "payer": REMIT_PAYER, "payee": CLINIC,
        "payment": {"method": "CHK", "date": "2026-12-04",
                    "trace": "NRCHK0005", "amount": "440.00"},
        "claims": [CLAIM_800]},
}


def malformed(valid_835, valid_271):
    """Each malformed file: (name, text), one fault each."""
    lines = valid_835.splitlines(keepends=True)

    def replace(text, old, new):
        assert old in text, old
        return text.replace(old, new, 1)

    return {
        # SVC01 written with '>' while ISA16 declares ':'.
        "835_bad_component_separator": replace(
            valid_835, "SVC*HC:97110:GP*", "SVC*HC>97110>GP*"),
        # One '*' too few in BPR: the date lands in BPR15.
        "835_bad_shifted_element": replace(
            valid_835, "CHK************2026", "CHK***********2026"),
        # A missing '*' in CLP: the amounts move one place to the left.
        "835_bad_missing_separator_clp": replace(
            valid_835, "CLP*NR-CLM-0800*1*", "CLP*NR-CLM-08001*"),
        # DTM*472 with a 13th month.
        "835_bad_invalid_date": replace(
            valid_835, "DTM*472*20261109", "DTM*472*20261309"),
        # SE02 differs from ST02.
        "835_bad_control_numbers": replace(
            valid_835, f"SE*{_count(valid_835)}*0001",
            f"SE*{_count(valid_835)}*0002"),
        # SE01 one more than the transaction has.
        "835_bad_segment_count": valid_835.replace(
            f"SE*{_count(valid_835)}*0001",
            f"SE*{_count(valid_835) + 1}*0001"),
        # The file stops inside the ISA.
        "835_bad_truncated_isa": lines[0][:60],
        "271_bad_control_numbers": valid_271.replace(
            f"SE*{_count(valid_271)}*0001", f"SE*{_count(valid_271)}*0003"),
        "271_bad_invalid_date": replace(
            valid_271, "DTP*347*D8*20261231", "DTP*347*D8*20260231"),
        # A missing '*' in EB: the period lands in EB05, the amount in
        # EB06 (time period).
        "271_bad_shifted_element": replace(
            valid_271, "EB*B*IND*PT***27*25.00*", "EB*B*IND*PT**27*25.00*"),
    }


def _count(text):
    segments = [s for s in text.split("~") if s.strip()]
    start = next(i for i, s in enumerate(segments)
                 if s.strip().startswith("ST*"))
    end = next(i for i, s in enumerate(segments)
               if s.strip().startswith("SE*"))
    return end - start + 1


def main():
    written = {}
    for number, (name, description) in enumerate(ELIGIBILITY.items(),
                                                  start=1):
        written[name + ".271"] = write_271(
            description, control_number=number, created=CREATED)
    for number, (name, description) in enumerate(REMITTANCES.items(),
                                                  start=1):
        written[name + ".835"] = write_835(
            description, control_number=number, created=CREATED)
    bad = malformed(written["835_balanced_patient_owes.835"],
                    written["271_active_commercial.271"])
    for name, text in bad.items():
        written[name + (".835" if name.startswith("835") else ".271")] = text
    for name, text in sorted(written.items()):
        (HERE / name).write_text(text, encoding="ascii")
    return sorted(written)


if __name__ == "__main__":
    for name in main():
        print(name)
