"""Printed forms for a claim, as PDF bytes: a CMS-1500-style page, a
superbill and a letter of medical necessity (fpdf2).

- ``cms1500_pdf(claim)``: the claim laid out like the CMS-1500 (02/12),
  every box labelled with its item number (1, 1a ... 24A-24J per line ...
  33a). It is a clear printout for learning and checking, not the red
  official form: payers that take paper claims scan only the official
  red-ink form (NUCC 1500 Claim Form Reference Instruction Manual, 02/12;
  the form itself is public domain).
- ``superbill_pdf(claim, ...)``: the itemized receipt a client sends to
  their plan for out-of-network reimbursement or keeps for an HSA/FSA
  (contents after FACTS.md section M). It refuses, with FormError, a line
  the claim checker says the billing provider may not bill (a therapy
  code under a trainer's taxonomy or none): a superbill must show what
  was really done, and for a trainer that is S9451 where the payer
  accepts it, not 97110.
- ``lmn_pdf(claim, ...)``: a letter-of-medical-necessity template for the
  client's physician, filled from the claim, with blank lines where the
  claim has no value (IRS Publication 502; Rev. Rul. 2002-19).

CPT codes are AMA copyright: the forms print code numbers with the
course's own summaries (``codes.procedure(code).summary``), never the AMA
descriptors.

Fonts: no font is bundled. The forms use DejaVu Sans, from Debian's
``fonts-dejavu-core`` (``/usr/share/fonts/truetype/dejavu/``) or, failing
that, the copy matplotlib ships, so names such as "Zoë Nguyễn" print as
typed. A character that font lacks (DejaVu Sans has no Chinese, so "李"
is one) is printed as a plain letter the font has ("ễ" as "e", "Ł" as
"L"), else as "?". With no DejaVu Sans at all the forms fall back to the PDF
core font Helvetica, which is Latin-1 only, and the same replacement
applies to everything outside Latin-1.

Output is deterministic: the PDF's creation date is the claim's last
date of service (or 2000-01-01 when it has none) unless ``created`` is
given, so the same claim and options give the same bytes (with the same
font file: a different DejaVu release embeds different glyph data).

>>> pdf = cms1500_pdf({"diagnoses": ["M5450"]})
>>> pdf[:5], pdf == cms1500_pdf({"diagnoses": ["M5450"]})
(b'%PDF-', True)
>>> superbill_pdf({}, paid="ten")  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
trainer_billing.forms.FormError: The amount paid 'ten' is not an amount...
"""

import datetime
import decimal
import importlib.util
import os
import re
import unicodedata

from fpdf import FPDF
from fpdf.fonts import FontFace

from trainer_billing import codes

#: Where DejaVu Sans may be found, in order (regular, bold).
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("matplotlib:mpl-data/fonts/ttf/DejaVuSans.ttf",
     "matplotlib:mpl-data/fonts/ttf/DejaVuSans-Bold.ttf"),
)

#: The kinds of form write() knows.
KINDS = ("cms1500", "superbill", "lmn")

#: Creation date for a claim with no readable date of service.
DEFAULT_DATE = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)

MAX_LINES = 6          # service lines on one CMS-1500
MAX_DIAGNOSES = 12     # item 21, A to L
LETTERS = "ABCDEFGHIJKL"

COVERAGE_BOXES = (("medicare", "Medicare"), ("medicaid", "Medicaid"),
                  ("tricare", "TRICARE"), ("champva", "CHAMPVA"),
                  ("group_health_plan", "Group health plan"),
                  ("feca_black_lung", "FECA Blk Lung"), ("other", "Other"))
RELATIONSHIP_BOXES = (("self", "Self"), ("spouse", "Spouse"),
                      ("child", "Child"), ("other", "Other"))

SUPERBILL_NOTE = (
    "A superbill is a receipt, not a claim. It does not make a service "
    "your plan does not cover, or a provider your plan does not "
    "recognize, payable. Before sending it, ask your plan about "
    "out-of-network benefits, your deductible and coinsurance, and the "
    "filing deadline, and keep proof of payment with it.")

LMN_NOTE = (
    "About this letter: under IRS Publication 502 and Rev. Rul. 2002-19, "
    "a program that treats a specific disease diagnosed by a physician "
    "(for example obesity, hypertension or heart disease) can be medical "
    "care paid from an HSA or FSA; gym or health-club dues, and programs "
    "for general health, fitness or appearance, are not. For an FSA or "
    "HRA, this letter supports a request to the plan administrator, who "
    "checks the claim before paying. For an HSA, no one checks in "
    "advance: the account holder decides and keeps this letter and the "
    "receipts (superbills) as proof for the IRS (IRS Notice 2004-2; "
    "Publication 969). It does not guarantee that the expense is "
    "eligible, and plans differ.")


#: Letters that Unicode does not decompose, and typographic marks, as the
#: plain characters printed when the font lacks them.
PLAIN = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h",
         "ı": "i", "Œ": "OE", "œ": "oe", "‘": "'", "’": "'", "“": '"',
         "”": '"', "–": "-", "—": "-", "…": "..."}


class FormError(ValueError):
    """A form that cannot be printed; the message says why and what to
    do."""


# Reading values that may be missing or of the wrong type -------------

def _section(data, *keys):
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _text(value):
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _list(value):
    if isinstance(value, list):
        return [_text(v) for v in value if _text(v)]
    return [_text(value)] if _text(value) else []


def _lines(claim):
    lines = claim.get("lines")
    if not isinstance(lines, list):
        return []
    return [line if isinstance(line, dict) else {} for line in lines]


def _money(value):
    """Return an amount like ``60.00`` as a Decimal, or None."""
    value = _text(value)
    if re.fullmatch(r"\d{1,9}\.\d{2}", value):
        return decimal.Decimal(value)
    return None


def _date(value):
    value = _text(value)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    return None


def _form_date(value, year_digits=4):
    """Return an ISO date as the CMS-1500 prints it, e.g. ``04 12 1968``
    (``11 10 26`` with two year digits); other text as it is."""
    day = _date(value)
    if day is None:
        return _text(value)
    year = f"{day.year:04d}"[-year_digits:]
    return f"{day.month:02d} {day.day:02d} {year}"


def _us_date(value):
    """Return an ISO date as ``11/10/2026``; other text as it is."""
    day = _date(value)
    return day.strftime("%m/%d/%Y") if day else _text(value)


def _name_last_first(name):
    name = name if isinstance(name, dict) else {}
    last, first = _text(name.get("last")), _text(name.get("first"))
    middle = _text(name.get("middle"))
    text = ", ".join(p for p in (last, first) if p)
    return f"{text}, {middle}" if middle and text else text or middle


def _name_first_last(name):
    name = name if isinstance(name, dict) else {}
    return " ".join(p for p in (_text(name.get("first")),
                                _text(name.get("middle")),
                                _text(name.get("last"))) if p)


def _address(address):
    """Return an address as two lines: street, and city, state ZIP."""
    address = address if isinstance(address, dict) else {}
    city, state = _text(address.get("city")), _text(address.get("state"))
    place = ", ".join(p for p in (city, state) if p)
    place = " ".join(p for p in (place, _zip(address.get("zip"))) if p)
    return _text(address.get("street")), place


def _zip(value):
    value = _text(value)
    return f"{value[:5]}-{value[5:]}" if re.fullmatch(r"\d{9}", value) \
        else value


def _phone(value):
    value = _text(value)
    digits = re.sub(r"\D", "", value)
    if len(digits) == 10:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return value


def _units(value):
    if isinstance(value, bool):
        return ""
    return _text(value)


def _creation_date(claim, created):
    if created is not None:
        if not isinstance(created, datetime.datetime):
            raise FormError("The creation date must be a date and time "
                            "(datetime.datetime).")
        return created
    days = [d for line in _lines(claim)
            for d in (_date(line.get("from")), _date(line.get("to"))) if d]
    if not days:
        return DEFAULT_DATE
    last = max(days)
    return datetime.datetime(last.year, last.month, last.day,
                             tzinfo=datetime.timezone.utc)


def _diagnosis(code):
    """Return (code as printed with its dot, title) for an ICD-10-CM code;
    the title is blank when the code set does not have it."""
    entry = codes.diagnosis(code) if code else None
    if entry is None:
        return code, ""
    return entry.dotted, entry.title


def _summary(code):
    entry = codes.procedure(code) if code else None
    return entry.summary if entry else ""


def _font_path(candidate):
    package, sep, rest = candidate.partition(":")
    if not sep:
        return candidate if os.path.isfile(candidate) else None
    # find_spec locates the package without importing it (matplotlib
    # takes a second or more to import).
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, rest)
        if os.path.isfile(path):
            return path
    return None


def font_files():
    """Return (regular, bold) paths of the Unicode font the forms use;
    bold may be None; (None, None) means the Latin-1 core font."""
    for regular, bold in FONT_CANDIDATES:
        regular = _font_path(regular)
        if regular:
            return regular, _font_path(bold)
    return None, None


# The page ------------------------------------------------------------

class _Document:
    """An fpdf2 document with the forms' font, text cleaning and boxes."""

    LABEL, VALUE = 6, 9     # point sizes
    CELL_CHARS = 120        # longest text in a table cell

    def __init__(self, title, created):
        pdf = FPDF(orientation="portrait", unit="mm", format="letter")
        pdf.set_creation_date(created)
        pdf.set_title(title)
        pdf.set_creator("trainer_billing.forms")
        pdf.set_lang("en-US")
        pdf.set_margins(10, 10, 10)
        pdf.set_auto_page_break(True, margin=12)
        regular, bold = font_files()
        if regular:
            pdf.add_font("DejaVu", "", regular)
            if bold:
                pdf.add_font("DejaVu", "B", bold)
            self.family, self.has_bold = "DejaVu", bool(bold)
            self.glyphs = set(pdf.fonts["dejavu"].cmap)
        else:
            self.family, self.has_bold = "Helvetica", True
            self.glyphs = set(range(32, 127)) | set(range(160, 256))
        self.pdf = pdf
        pdf.add_page()
        self.font(self.VALUE)

    def font(self, size, bold=False):
        style = "B" if bold and self.has_bold else ""
        self.pdf.set_font(self.family, style, size)

    def clean(self, value):
        """Return text the font can print: one line, no control
        characters, each missing character as its base letter or '?'."""
        text = " ".join(_text(value).split())
        out = []
        for char in unicodedata.normalize("NFC", text):
            if ord(char) in self.glyphs:
                out.append(char)
            elif unicodedata.category(char) in ("Cc", "Cf", "Mn", "Me"):
                continue
            else:
                base = PLAIN.get(char) or unicodedata.normalize("NFKD", char)
                base = "".join(c for c in base if not
                               unicodedata.combining(c))
                out.append(base if base and all(
                    ord(c) in self.glyphs for c in base) else "?")
        return "".join(out)

    def fit(self, value, width):
        """Return clean text cut with '...' to fit ``width`` mm."""
        text = self.clean(value)
        width -= 1.5
        if self.pdf.get_string_width(text) <= width:
            return text
        # No character is narrower than 0.4 mm at the sizes used here, so
        # this cut keeps long values from making the loop below slow.
        text = text[:int(width / 0.4) + 1]
        while text and self.pdf.get_string_width(text + "...") > width:
            text = text[:-1]
        return text + "..."

    def put(self, x, y, w, h, value, size=None, bold=False, align="L"):
        self.font(size or self.VALUE, bold)
        self.pdf.set_xy(x, y)
        self.pdf.cell(w, h, self.fit(value, w), align=align)

    def box(self, x, y, w, h, label, values=(), size=None):
        """Draw a form box: item label at the top, value lines below."""
        self.pdf.rect(x, y, w, h)
        self.put(x + 0.5, y + 0.3, w - 1, 3, label, self.LABEL, bold=True)
        if isinstance(values, str):
            values = (values,)
        for number, value in enumerate(values):
            self.put(x + 0.8, y + 3.6 + number * 4.2, w - 1.6, 4.2, value,
                     size)

    def checks(self, x, y, options, chosen, gap=2.5, size=7.5):
        """Draw check boxes with labels in a row; the chosen one has an
        X. Return the x where the row ends."""
        for key, label in options:
            self.pdf.rect(x, y + 0.6, 3, 3)
            if key == chosen:
                self.font(8, bold=True)
                self.pdf.set_xy(x, y + 0.4)
                self.pdf.cell(3, 3.4, "X", align="C")
            self.font(size)
            width = self.pdf.get_string_width(label) + 1.5
            self.put(x + 3.4, y + 0.3, width + 1, 3.6, label, size)
            x += 3.4 + width + gap
        return x

    def paragraph(self, text, size=9, bold=False, height=4.6):
        self.font(size, bold)
        self.pdf.set_x(self.pdf.l_margin)
        self.pdf.multi_cell(0, height, self.clean(text), align="L",
                            new_x="LMARGIN", new_y="NEXT")

    def blank(self, label, value="", size=9):
        """Write ``label value``, or the label and a line to fill in."""
        pdf = self.pdf
        self.font(size, True)
        pdf.set_x(pdf.l_margin)
        shown = self.clean(label)
        pdf.cell(pdf.get_string_width(shown) + 2, 6, shown)
        self.font(size)
        value = self.clean(value)
        if not value:
            room = min(90, pdf.w - pdf.r_margin - pdf.get_x())
            value = "_" * max(1, int(room / pdf.get_string_width("_")))
        pdf.multi_cell(0, 6, value, align="L", new_x="LMARGIN",
                       new_y="NEXT")

    def rule_lines(self, count):
        """Draw ``count`` empty lines to write on."""
        for _ in range(count):
            self.pdf.ln(7)
            y = self.pdf.get_y()
            self.pdf.line(self.pdf.l_margin, y,
                          self.pdf.w - self.pdf.r_margin, y)
        self.pdf.ln(2)

    def heading(self, text, size=11):
        self.pdf.ln(2)
        self.paragraph(text, size, bold=True, height=6)

    def table(self, widths, rows, aligns=None, size=8.5):
        """Draw a table whose first row is the heading; long cells wrap
        and the table breaks across pages."""
        self.font(size)
        self.pdf.set_x(self.pdf.l_margin)
        emphasis = "BOLD" if self.has_bold else None
        with self.pdf.table(
                col_widths=widths, width=min(sum(widths), self.pdf.epw),
                align="LEFT",
                line_height=4.6, text_align=aligns or "LEFT",
                headings_style=FontFace(emphasis=emphasis,
                                        fill_color=(232, 232, 232)),
                padding=1) as table:
            for row in rows:
                cells = table.row()
                for value in row:
                    # A cell taller than a page stops fpdf2, so very long
                    # values (only a damaged claim has them) are cut.
                    text = self.clean(value)
                    if len(text) > self.CELL_CHARS:
                        text = text[:self.CELL_CHARS - 3] + "..."
                    cells.cell(text)

    def bytes(self):
        return bytes(self.pdf.output())


# CMS-1500 ------------------------------------------------------------

def cms1500_pdf(claim, *, created=None):
    """Return a one-page CMS-1500-style PDF of a claim (a draft is fine:
    missing values leave their boxes empty).

    Dates print as the form has them (MM DD YYYY in items 3 and 11a,
    MM DD YY in 24A), diagnosis codes without the dot (item 21), names
    last name first in items 2 and 4 and first name first in item 17
    (NUCC manual, 02/12). Lines past the sixth and diagnoses past the
    twelfth do not fit on one form: the page says so instead.
    """
    claim = claim if isinstance(claim, dict) else {}
    doc = _Document("CMS-1500 (02/12) style claim printout",
                    _creation_date(claim, created))
    pdf, left, width = doc.pdf, 10, 195.9
    patient, insured = _section(claim, "patient"), _section(claim, "insured")

    # Heading and payer (the carrier block at the top of the form).
    payer = _section(claim, "payer")
    doc.put(left, 10, 110, 6, "HEALTH INSURANCE CLAIM FORM", 13, bold=True)
    doc.put(left, 16, 110, 4, "CMS-1500 (02/12) layout - course printout, "
            "not the official red form", 7.5)
    doc.put(left, 20, 110, 4, "Item numbers follow the NUCC 1500 manual. "
            "All data here is synthetic.", 7.5)
    doc.box(left + 115, 10, width - 115, 16, "PAYER",
            (_text(payer.get("name")) +
             (f"  (ID {_text(payer.get('id'))})"
              if _text(payer.get("id")) else ""),
             *_address(payer.get("address"))), size=8)

    y = 28
    # Row: items 1 and 1a.
    doc.box(left, y, 140, 11, "1. COVERAGE")
    doc.checks(left + 1.5, y + 4.8, COVERAGE_BOXES,
               _text(claim.get("coverage")).lower(), gap=1.6, size=7)
    doc.box(left + 140, y, width - 140, 11, "1a. INSURED'S ID NUMBER",
            _text(insured.get("id")))
    y += 11
    # Row: items 2, 3, 4.
    doc.box(left, y, 75, 10, "2. PATIENT'S NAME (Last, First, MI)",
            _name_last_first(patient.get("name")))
    doc.box(left + 75, y, 50, 10, "3. PATIENT'S BIRTH DATE, SEX",
            _form_date(patient.get("birth_date")))
    doc.checks(left + 101, y + 4.6, (("M", "M"), ("F", "F")),
               _text(patient.get("sex")).upper(), gap=1.5)
    doc.box(left + 125, y, width - 125, 10,
            "4. INSURED'S NAME (Last, First, MI)",
            _name_last_first(insured.get("name")))
    y += 10
    # Row: items 5, 6, 7.
    doc.box(left, y, 75, 13, "5. PATIENT'S ADDRESS",
            _address(patient.get("address")))
    doc.box(left + 75, y, 50, 13, "6. PATIENT RELATIONSHIP TO INSURED")
    relationship = _text(patient.get("relationship")).lower()
    doc.checks(left + 76, y + 3.8, RELATIONSHIP_BOXES[:2], relationship)
    doc.checks(left + 76, y + 8.3, RELATIONSHIP_BOXES[2:], relationship)
    doc.box(left + 125, y, width - 125, 13, "7. INSURED'S ADDRESS",
            _address(insured.get("address")))
    y += 13
    # Row: items 11, 11a, 11c.
    doc.box(left, y, 75, 10, "11. INSURED'S POLICY GROUP NUMBER",
            _text(insured.get("group")))
    doc.box(left + 75, y, 50, 10, "11a. INSURED'S BIRTH DATE, SEX",
            _form_date(insured.get("birth_date")))
    doc.checks(left + 101, y + 4.6, (("M", "M"), ("F", "F")),
               _text(insured.get("sex")).upper(), gap=1.5)
    doc.box(left + 125, y, width - 125, 10, "11c. INSURANCE PLAN NAME",
            _text(insured.get("plan")))
    y += 10
    # Row: items 17, 17b, 23.
    referring = _section(claim, "referring_provider")
    qualifier = _text(referring.get("qualifier")).upper()
    doc.box(left, y, 95, 10,
            "17. REFERRING / ORDERING / SUPERVISING PROVIDER",
            " ".join(p for p in (qualifier,
                                 _name_first_last(referring.get("name")))
                     if p))
    doc.box(left + 95, y, 45, 10, "17b. NPI", _text(referring.get("npi")))
    doc.box(left + 140, y, width - 140, 10,
            "23. PRIOR AUTHORIZATION NUMBER",
            _text(claim.get("prior_authorization")))
    y += 10
    # Item 21: twelve slots, A to L, four to a row.
    diagnoses = _list(claim.get("diagnoses"))
    doc.box(left, y, width, 17,
            "21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY (relate A-L to "
            "service line below, 24E)")
    doc.put(left + width - 30, y + 0.3, 29, 3, "ICD Ind. 0 (ICD-10-CM)",
            doc.LABEL, align="R")
    for index, letter in enumerate(LETTERS):
        row, column = divmod(index, 4)
        x, yy = left + 2 + column * 48, y + 3.8 + row * 4.3
        doc.put(x, yy, 6, 4.2, f"{letter}.", 8, bold=True)
        code = diagnoses[index] if index < len(diagnoses) else ""
        doc.put(x + 5, yy, 40, 4.2, code)
    y += 17
    # Item 24: six service lines.
    columns = (("", "#", 5), ("24A", "From", 19), ("24A", "To", 19),
               ("24B", "POS", 11), ("24C", "EMG", 10),
               ("24D", "CPT/HCPCS", 17), ("24D", "Modifiers", 21.9),
               ("24E", "Dx pointer", 17), ("24F", "$ Charges", 20),
               ("24G", "Units", 12), ("24H", "EPSDT", 10),
               ("24I", "Qual.", 10), ("24J", "Rendering NPI", 24))
    x = left
    for item, label, w in columns:
        pdf.rect(x, y, w, 8)
        doc.put(x + 0.3, y + 0.5, w - 0.6, 3.2, item, 7, bold=True)
        doc.put(x + 0.3, y + 3.9, w - 0.6, 3.2, label, doc.LABEL)
        x += w
    y += 8
    lines = _lines(claim)
    for number in range(MAX_LINES):
        line = lines[number] if number < len(lines) else {}
        values = ("", "", "", "", "", "", "", "", "", "", "", "", "")
        if line:
            npi_value = _text(line.get("rendering_npi"))
            values = (
                str(number + 1),
                _form_date(line.get("from"), 2),
                _form_date(line.get("to"), 2),
                _text(line.get("place_of_service")),
                "",
                _text(line.get("code")).upper(),
                " ".join(_list(line.get("modifiers"))),
                "".join(_list(line.get("pointers"))),
                _text(line.get("charge")),
                _units(line.get("units")),
                "",
                "NPI" if npi_value else "",
                npi_value)
        x = left
        for (item, _, w), value in zip(columns, values):
            pdf.rect(x, y, w, 7)
            align = "R" if item in ("24F", "24G") else "L"
            doc.put(x + 0.3, y + 1.4, w - 0.6, 4.2, value, 8.5,
                    align=align)
            x += w
        y += 7
    # Row: items 25, 26, 27, 28.
    tax = _section(claim, "tax_id")
    doc.box(left, y, 62, 11, "25. FEDERAL TAX ID NUMBER",
            _text(tax.get("value")))
    doc.checks(left + 37, y + 4.4, (("SSN", "SSN"), ("EIN", "EIN")),
               _text(tax.get("type")).upper(), gap=1.2)
    doc.box(left + 62, y, 50, 11, "26. PATIENT'S ACCOUNT NO.",
            _text(claim.get("patient_account")))
    doc.box(left + 112, y, 42, 11, "27. ACCEPT ASSIGNMENT?")
    accept = claim.get("accept_assignment")
    doc.checks(left + 113.5, y + 4.8, ((True, "YES"), (False, "NO")),
               accept if isinstance(accept, bool) else None)
    doc.box(left + 154, y, width - 154, 11, "28. TOTAL CHARGE",
            ("$ " + _text(claim.get("total_charge"))).strip() if
            _text(claim.get("total_charge")) else "")
    y += 11
    # Item 31: who gave the services and signs (the rendering provider).
    rendering = _section(claim, "rendering_provider")
    signer = _name_first_last(rendering.get("name"))
    credentials = _text(rendering.get("credentials"))
    doc.box(left, y, width, 9,
            "31. SIGNATURE OF PHYSICIAN OR SUPPLIER, DEGREES OR CREDENTIALS",
            ", ".join(part for part in (signer, credentials) if part))
    y += 9
    # Items 33, 33a, 33b.
    billing = _section(claim, "billing_provider")
    phone = _phone(billing.get("phone"))
    doc.box(left, y, 120, 18, "33. BILLING PROVIDER INFO & PH #" +
            (f"   {phone}" if phone else ""),
            (_text(billing.get("name")),
             *_address(billing.get("address"))))
    doc.box(left + 120, y, 38, 18, "33a. NPI", _text(billing.get("npi")))
    taxonomy = _text(billing.get("taxonomy"))
    doc.box(left + 158, y, width - 158, 18,
            "33b. OTHER ID",
            f"ZZ {taxonomy}" if taxonomy else "")
    y += 18

    # Below the form: what does not fit, and the key to the codes.
    pdf.set_y(y + 3)
    overflow = []
    if len(lines) > MAX_LINES:
        overflow.append(f"{len(lines) - MAX_LINES} more service line(s) "
                        f"do not fit: a CMS-1500 takes {MAX_LINES}; send "
                        "the rest on a second claim.")
    if len(diagnoses) > MAX_DIAGNOSES:
        overflow.append(f"{len(diagnoses) - MAX_DIAGNOSES} more "
                        f"diagnosis code(s) do not fit: item 21 takes "
                        f"{MAX_DIAGNOSES}.")
    for text in overflow:
        doc.paragraph("Note: " + text, 8.5, bold=True)
    key = [(f"{LETTERS[i]}. {code}", *_diagnosis(code)[1:])
           for i, code in enumerate(diagnoses[:MAX_DIAGNOSES])]
    seen = []
    for line in lines[:MAX_LINES]:
        code = _text(line.get("code")).upper()
        if code and code not in seen:
            seen.append(code)
            key.append((code, _summary(code)))
    if key:
        doc.paragraph("Key to the codes (course's own summaries and "
                      "ICD-10-CM titles; not part of the form)", 8,
                      bold=True, height=4)
        for code, words in key:
            doc.paragraph(f"{code}: {words or '(not in the course tables)'}",
                          7.5, height=3.6)
    return doc.bytes()


# Superbill -----------------------------------------------------------

def _refusals(claim):
    """Return why lines may not go on a superbill: the claim checker's
    who-may-bill errors (a code the billing provider may not bill) and
    therapy modifiers on codes that are not therapy (GP on S9451)."""
    from trainer_billing import scrub
    return [f for f in scrub.check(claim)
            if f.rule in ("who-may-bill", "therapy-modifier-misused")
            and f.severity == "error"]


def superbill_pdf(claim, *, provider_credentials="", paid="0.00",
                  license="", created=None):
    """Return a superbill PDF: an itemized receipt of the claim's services
    for the client to send to their plan or keep for an HSA/FSA.

    It shows the patient (name, date of birth, member ID), the provider
    (name, ``provider_credentials``, address, phone, NPI, tax ID, taxonomy
    and ``license``), each service (date, place of service, code with
    modifiers and units, the course's summary, diagnosis pointers,
    charge), the ICD-10-CM diagnoses with titles, the total, the amount
    ``paid`` and the balance, lines for proof of payment and the
    provider's signature, and a note that a superbill makes nothing
    payable (FACTS.md section M).

    Raises FormError when the claim checker finds a line the billing
    provider may not bill (rule who-may-bill, e.g. 97110 under a trainer's
    taxonomy or none) or a therapy modifier on a code that is not therapy
    (rule therapy-modifier-misused, e.g. GP on S9451): printing it would
    say the trainer gave therapy.
    """
    claim = claim if isinstance(claim, dict) else {}
    paid_text = _text(paid) or "0.00"
    paid_amount = _money(paid_text)
    if paid_amount is None:
        raise FormError(f"The amount paid {paid_text!r} is not an amount "
                        "like 60.00; write dollars and cents, e.g. 50.00.")
    refusals = _refusals(claim)
    if refusals:
        first = refusals[0]
        raise FormError(
            f"Line {first.line}: {first.message} A superbill must show "
            "what the provider really did; do not put therapy codes on a "
            "trainer's superbill. Use S9451 (exercise class) where the "
            "payer accepts it, or bill under a provider who may bill the "
            "code.")
    doc = _Document("Superbill", _creation_date(claim, created))
    pdf = doc.pdf
    billing = _section(claim, "billing_provider")
    patient, insured = _section(claim, "patient"), _section(claim, "insured")

    doc.put(10, 10, 120, 8, "SUPERBILL", 16, bold=True)
    doc.put(10, 18, 195.9, 5, "Itemized receipt for out-of-network "
            "reimbursement or an HSA/FSA claim", 9)
    name = _text(billing.get("name"))
    credentials = _text(provider_credentials)
    street, place = _address(billing.get("address"))
    tax = _section(claim, "tax_id")
    tax_text = " ".join(p for p in (_text(tax.get("type")).upper(),
                                    _text(tax.get("value"))) if p)
    provider = (
        ("Provider", ", ".join(p for p in (name, credentials) if p)),
        ("Address", ", ".join(p for p in (street, place) if p)),
        ("Phone", _phone(billing.get("phone"))),
        ("NPI", _text(billing.get("npi"))),
        ("Tax ID", tax_text),
        ("Taxonomy", _text(billing.get("taxonomy"))),
        ("License no./state", _text(license)),
    )
    insured_name = _name_first_last(insured.get("name"))
    relationship = _text(patient.get("relationship")).lower()
    client = (
        ("Patient", _name_first_last(patient.get("name"))),
        ("Date of birth", _us_date(patient.get("birth_date"))),
        ("Member ID", _text(insured.get("id"))),
        ("Insured", insured_name if relationship != "self" else
         "same as patient" if insured_name else ""),
        ("Plan", _text(insured.get("plan"))),
        ("Group", _text(insured.get("group"))),
        ("Account no.", _text(claim.get("patient_account"))),
    )
    y = 26
    for title, rows in (("From", provider), ("For", client)):
        doc.put(10, y, 95, 5, title, 10, bold=True)
        y += 5.5
        for label, value in rows:
            doc.put(10, y, 33, 4.6, label + ":", 8.5, bold=True)
            doc.put(43, y, 162.9, 4.6, value or "_" * 24, 8.5)
            y += 4.6
        y += 2
    pdf.set_y(y)

    diagnoses = _list(claim.get("diagnoses"))
    doc.heading("Diagnoses (ICD-10-CM)")
    rows = [("", "Code", "Title")]
    for index, code in enumerate(diagnoses):
        dotted, title = _diagnosis(code)
        letter = LETTERS[index] if index < len(LETTERS) else ""
        rows.append((letter, dotted, title or "(not in ICD-10-CM)"))
    if len(rows) == 1:
        rows.append(("", "", "(none entered)"))
    doc.table((10, 25, 160.9), rows)

    doc.heading("Services")
    rows = [("Date", "POS", "Code", "Mod.", "Units", "Service (our "
             "summary)", "Dx", "Charge")]
    line_sum, all_read = decimal.Decimal("0.00"), True
    for line in _lines(claim):
        code = _text(line.get("code")).upper()
        begin, end = _us_date(line.get("from")), _us_date(line.get("to"))
        charge = _money(line.get("charge"))
        if charge is None:
            all_read = False
        else:
            line_sum += charge
        rows.append((begin if end in ("", begin) else f"{begin}-{end}",
                     _text(line.get("place_of_service")), code,
                     " ".join(_list(line.get("modifiers"))),
                     _units(line.get("units")), _summary(code),
                     "".join(_list(line.get("pointers"))),
                     _text(line.get("charge"))))
    if len(rows) == 1:
        rows.append(("", "", "", "", "", "(no services entered)", "", ""))
    doc.table((22, 10, 14, 16, 11, 90.9, 12, 20), rows,
              aligns=("LEFT",) * 4 + ("RIGHT", "LEFT", "LEFT", "RIGHT"))

    # The total is the sum of the lines shown; the claim's item 28 only
    # when a line charge cannot be read.
    total = line_sum if all_read and _lines(claim) else \
        _money(claim.get("total_charge"))
    balance = total - paid_amount if total is not None else None
    pdf.ln(2)
    for label, amount in (("Total charges", total), ("Amount paid",
                                                     paid_amount),
                          ("Balance due", balance)):
        doc.font(10, True)
        pdf.set_x(120)
        pdf.cell(50, 6, label, align="R")
        doc.font(10)
        pdf.cell(25.9, 6, f"$ {amount}" if amount is not None else "",
                 align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    doc.blank("Payment date and method:")
    pdf.ln(6)
    doc.blank("Provider signature:")
    doc.blank("Date:")
    pdf.ln(3)
    doc.paragraph(SUPERBILL_NOTE, 8.5, height=4.2)
    doc.paragraph("Place of service (POS) codes are CMS's; CPT codes are "
                  "AMA copyright and are shown with the course's own "
                  "summaries. All data here is synthetic.", 7.5,
                  height=3.8)
    return doc.bytes()


# Letter of medical necessity ---------------------------------------

def lmn_pdf(claim, *, physician=None, program="", duration="",
            rationale="", date="", created=None):
    """Return a letter-of-medical-necessity template PDF for the client's
    physician to complete and sign, filled from the claim.

    It names the patient (name, date of birth, member ID), the diagnoses
    with their ICD-10-CM titles, the prescribed ``program``, its
    ``duration``, why it treats the diagnosed disease (``rationale``),
    who delivers it (the claim's billing provider), and has the
    physician's signature line and ``date``. The physician defaults to
    the claim's referring provider (item 17, with the NPI of 17b); a
    ``physician`` given by name leaves the NPI blank. Anything the claim
    and the options do not give is left as a blank line. A closing note
    says what the letter does and does not do, and who decides: an FSA's
    or HRA's administrator before paying, an HSA's holder, who keeps the
    proof (IRS Publication 502; Rev. Rul. 2002-19; IRS Notice 2004-2;
    Publication 969 for 2025 returns; FACTS.md section K).
    """
    claim = claim if isinstance(claim, dict) else {}
    doc = _Document("Letter of medical necessity (template)",
                    _creation_date(claim, created))
    pdf = doc.pdf
    patient, insured = _section(claim, "patient"), _section(claim, "insured")
    referring = _section(claim, "referring_provider")
    if physician is None:
        physician_name = _name_first_last(referring.get("name"))
        physician_npi = _text(referring.get("npi"))
    else:
        physician_name, physician_npi = _text(physician), ""

    doc.put(10, 10, 195.9, 8, "LETTER OF MEDICAL NECESSITY", 15, bold=True)
    doc.put(10, 18, 195.9, 5, "For an FSA or HRA administrator, or an "
            "HSA holder's records - for the physician to complete and "
            "sign", 9)
    pdf.set_y(27)
    doc.blank("Date:", _text(date))
    doc.blank("To:", "The plan administrator (FSA or HRA), or the "
              "patient's records (HSA)")
    doc.blank("Patient:", _name_first_last(patient.get("name")))
    doc.blank("Date of birth:", _us_date(patient.get("birth_date")))
    doc.blank("Member ID:", _text(insured.get("id")))

    doc.heading("Diagnosis")
    doc.paragraph("I am treating the patient named above for the "
                  "following condition(s), which I have diagnosed:")
    pdf.ln(1)
    rows = [("Code (ICD-10-CM)", "Title")]
    for code in _list(claim.get("diagnoses")):
        dotted, title = _diagnosis(code)
        rows.append((dotted, title or "(not in ICD-10-CM)"))
    doc.table((35, 160.9), rows)
    if len(rows) == 1:
        doc.rule_lines(2)

    doc.heading("Prescribed program")
    if _text(program):
        doc.paragraph(program)
    else:
        doc.paragraph("(type of exercise, sessions a week, supervision)",
                      8)
        doc.rule_lines(2)
    doc.blank("Duration:", _text(duration))
    doc.blank("Delivered by:", _text(_section(claim, "billing_provider")
                                     .get("name")))

    doc.heading("Why this program treats the diagnosed disease")
    if _text(rationale):
        doc.paragraph(rationale)
    else:
        doc.rule_lines(3)
    pdf.ln(1)
    doc.paragraph("In my opinion the program is needed to treat the "
                  "condition(s) above; it is not for general health, "
                  "fitness or appearance, and the patient would not need "
                  "it but for the condition(s).")

    pdf.ln(8)
    doc.blank("Physician signature:")
    doc.blank("Printed name:", physician_name)
    doc.blank("NPI:", physician_npi)
    doc.blank("Date:", _text(date))
    pdf.ln(4)
    doc.paragraph(LMN_NOTE, 8, height=4)
    doc.paragraph("All data here is synthetic.", 7.5, height=3.8)
    return doc.bytes()


_WRITERS = {"cms1500": cms1500_pdf, "superbill": superbill_pdf,
            "lmn": lmn_pdf}


def write(kind, claim, path, **options):
    """Write the form ``kind`` (cms1500, superbill or lmn) for a claim
    dict to ``path`` and return the number of bytes written.

    ``options`` go to the form's function (e.g. ``paid="50.00"`` for a
    superbill, ``program=...`` for a letter). Raises FormError for an
    unknown kind or option, or a claim the form refuses; OSError when the
    file cannot be written.
    """
    writer = _WRITERS.get(kind)
    if writer is None:
        raise FormError(f"Unknown form {kind!r}; use one of: "
                        f"{', '.join(KINDS)}.")
    try:
        data = writer(claim, **options)
    except TypeError as error:
        if "unexpected keyword" not in str(error):
            raise
        raise FormError(f"The {kind} form does not take that option "
                        f"({error}).") from None
    with open(path, "wb") as handle:
        handle.write(data)
    return len(data)
