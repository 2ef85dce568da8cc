"""How fast the claim checker answers: p50 and p95 time to check one
claim, and claims per second, over 10,000 generated claims.

The claim builder re-checks on every keystroke, so one check should take
no more than 5 ms at the 95th percentile. Run:

    .venv/bin/python benchmarks/check_claims.py [--claims N] [--seed S]

It prints figures; it asserts nothing.
"""

import argparse
import copy
import json
import pathlib
import random
import statistics
import sys
import time

from trainer_billing import codes, scrub

ROOT = pathlib.Path(__file__).resolve().parents[1]
SAMPLE = json.loads((ROOT / "datasets/claims/valid_sample.json").read_text())
DIAGNOSES = ["M17.11", "M54.50", "E66.811", "Z68.31", "I10", "E11.9",
             "R73.03", "Z72.3", "Z71.82", "M81.0", "J44.9", "M54.5",
             "250.00", "G20", "M99.999"]
CODES = ["97110", "97112", "97116", "97140", "97530", "97750", "S9451",
         "93668", "99213", "G0424", "9711"]
MODIFIERS = ["GP", "GO", "KX", "GA", "59", "XS", "CQ", "ZZ"]


def generated_claims(count, seed):
    """Yield ``count`` claims: the sample with random diagnoses, lines,
    modifiers, minutes and a few broken values, from a seeded generator."""
    rng = random.Random(seed)
    for _ in range(count):
        claim = copy.deepcopy(SAMPLE)
        claim["coverage"] = rng.choice(["medicare", "group_health_plan"])
        claim["diagnoses"] = rng.sample(DIAGNOSES, rng.randint(1, 12))
        lines = []
        for _ in range(rng.randint(1, 6)):
            day = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            lines.append({
                "from": day, "to": day, "place_of_service": "11",
                "code": rng.choice(CODES),
                "modifiers": rng.sample(MODIFIERS, rng.randint(0, 3)),
                "pointers": rng.sample("ABCDE", rng.randint(1, 4)),
                "charge": f"{rng.randint(20, 200)}.00",
                "units": rng.randint(1, 4),
                "minutes": rng.choice([None, rng.randint(5, 60)]),
                "rendering_npi": rng.choice(["1000000020", "1000000021"]),
            })
        claim["lines"] = lines
        claim["total_charge"] = f"{rng.randint(20, 900)}.00"
        yield claim


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    claims = list(generated_claims(args.claims, args.seed))
    codes.diagnosis("M54.50")          # load the code set before timing
    times, findings = [], 0
    started = time.perf_counter()
    for claim in claims:
        t0 = time.perf_counter()
        findings += len(scrub.check(claim))
        times.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(times, n=100)
    print(f"claims checked:     {len(claims)}")
    print(f"findings in all:    {findings}")
    print(f"p50 per claim:      {cuts[49] * 1000:.3f} ms")
    print(f"p95 per claim:      {cuts[94] * 1000:.3f} ms")
    print(f"max per claim:      {max(times) * 1000:.3f} ms")
    print(f"claims per second:  {len(claims) / elapsed:,.0f}")
    print(f"python:             {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
