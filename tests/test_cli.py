import json
import subprocess
import sys

import pytest

from conftest import CLAIMS, ROOT
from trainer_billing import cli


def run(*args):
    """Run the real console script; return (exit code, stdout, stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "trainer_billing.cli", *args],
        capture_output=True, text=True, cwd=ROOT)
    return done.returncode, done.stdout, done.stderr


def test_npi_values():
    assert run("npi", "1234567893") == (0, "1234567893: valid\n", "")
    code, out, _ = run("npi", "1234567890", "2234567891", "3234567899")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("1234567890: invalid (check digit)")
    assert lines[1] == "2234567891: valid"
    assert lines[2].startswith("3234567899: invalid (first digit)")


def test_npi_json():
    code, out, _ = run("npi", "1234567890", "--json")
    assert code == 1
    assert json.loads(out)[0]["reason"] == "check digit"


def units_json(*args):
    code, out, err = run("units", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_units_values():
    assert units_json("97110=33", "97140=7")["units"] == \
        {"97110": 2, "97140": 1}
    both = units_json("97110=10", "97116=10")
    assert both["total_units"] == 1
    ama = units_json("97110=10", "97116=10", "--method", "ama")
    assert ama["units"] == {"97110": 1, "97116": 1}
    assert units_json("97110=7")["units"] == {"97110": 0}


def test_units_text():
    code, out, _ = run("units", "97110=33", "97140=7")
    assert code == 0
    assert out.splitlines() == [
        "97110: 2 units (33 min)", "97140: 1 unit (7 min)",
        "total: 3 units for 40 timed minutes (CMS 8-minute rule)"]


@pytest.mark.parametrize("args, words", [
    (["97110"], "CODE=MINUTES"),
    (["97110=abc"], "CODE=MINUTES"),
    (["97110=-3"], "CODE=MINUTES"),
    (["97150=20"], "not a timed"),
    (["12345=20"], "not in the course's code table"),
])
def test_units_bad_arguments_exit_2_with_one_line(args, words):
    code, out, err = run("units", *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err
    assert "Traceback" not in err


def test_check_claim_valid_and_invalid():
    code, out, _ = run("check-claim", str(CLAIMS / "valid_sample.json"))
    assert (code, out.strip().endswith("no problems found")) == (0, True)
    bad = CLAIMS / "invalid" / "pointer_unknown.json"
    code, out, _ = run("check-claim", str(bad), "--json")
    assert code == 1
    [result] = json.loads(out)
    [finding] = result["findings"]
    assert (finding["item"], finding["line"]) == ("24E", 1)


def test_check_claim_unreadable_is_exit_2(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"lines": [{"units": "x"}]')
    code, out, err = run("check-claim", str(broken),
                         str(CLAIMS / "valid_sample.json"))
    assert code == 2
    assert "cannot read" in out and "not valid JSON" in out
    assert "no problems found" in out      # the good file is still checked
    assert "Traceback" not in out + err


def test_warnings_only_exit_0(tmp_path):
    data = json.loads((CLAIMS / "valid_sample.json").read_text())
    data["billing_provider"]["taxonomy"] = "2255A2300X"
    path = tmp_path / "at.json"
    path.write_text(json.dumps(data))
    code, out, _ = run("check-claim", str(path))
    assert code == 0 and "warning [who-may-bill]" in out


def test_wrong_arguments_exit_2():
    code, _, err = run("no-such-command")
    assert code == 2 and "Traceback" not in err
    code, _, err = run("units", "97110=10", "--method", "vibes")
    assert code == 2 and "invalid choice" in err


def test_unexpected_errors_are_one_line(monkeypatch, capsys):
    def explode(args):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(cli, "npi_command", explode)
    parser = cli.parser()
    monkeypatch.setattr(cli, "parser", lambda: parser)
    for action in parser._subparsers._group_actions[0].choices.values():
        if action.prog.endswith(" npi"):
            action.set_defaults(run=explode)
    assert cli.main(["npi", "1"]) == 2
    assert capsys.readouterr().err.strip() == \
        "trainer-billing npi: RuntimeError: disk on fire"


def test_form_writes_each_kind(tmp_path):
    from pypdf import PdfReader
    for kind, words in (("cms1500", "33a"), ("superbill", "185.00"),
                        ("lmn", "Unilateral primary osteoarthritis")):
        out = tmp_path / f"{kind}.pdf"
        code, stdout, err = run("form", str(CLAIMS / "valid_sample.json"),
                                "-o", str(out), "--kind", kind)
        assert code == 0, err
        text = "".join(p.extract_text() for p in PdfReader(out).pages)
        assert words in text


def test_form_refuses_a_trainers_therapy_superbill(tmp_path):
    out = tmp_path / "x.pdf"
    code, _, err = run("form", str(CLAIMS / "invalid" /
                                   "therapy_code_by_trainer.json"),
                       "-o", str(out), "--kind", "superbill")
    assert code == 1 and "S9451" in err and not out.exists()


def test_form_and_export_bad_paths_exit_2(tmp_path):
    code, _, err = run("form", str(tmp_path / "none.json"), "-o",
                       str(tmp_path / "x.pdf"))
    assert code == 2 and "cannot read" in err
    code, _, err = run("form", str(CLAIMS / "valid_sample.json"), "-o",
                       str(tmp_path / "no" / "such" / "dir.pdf"))
    assert code == 2 and "cannot write" in err
    code, _, err = run("export-837", str(CLAIMS / "valid_sample.json"),
                       "-o", str(tmp_path / "a.x12"), "--control-number",
                       "0")
    assert code == 2 and "control_number" in err
    assert "Traceback" not in err


def test_export_837_writes_or_refuses(tmp_path):
    out = tmp_path / "claim.x12"
    code, stdout, _ = run("export-837", str(CLAIMS / "valid_sample.json"),
                          "-o", str(out))
    assert code == 0 and out.read_text().startswith("ISA*00*")
    assert "005010X222A1" in out.read_text()
    refused = tmp_path / "bad.x12"
    code, stdout, _ = run("export-837", str(CLAIMS / "invalid" /
                                            "pointer_unknown.json"),
                          "-o", str(refused))
    assert code == 1 and "[pointer-unknown]" in stdout
    assert not refused.exists()


def test_tracker_is_a_subcommand(tmp_path):
    db = str(tmp_path / "t.sqlite3")
    code, out, _ = run("tracker", "add", str(CLAIMS / "valid_sample.json"),
                       "--db", db)
    assert code == 0 and "RB-2026-0001" in out
    code, _, err = run("tracker", "move", "RB-2026-0001", "paid", "--db", db)
    assert code == 1 and "submitted first" in err
    code, out, _ = run("tracker", "list", "--db", db, "--json")
    assert code == 0 and json.loads(out)[0]["state"] == "draft"
