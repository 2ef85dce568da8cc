"""Rate calculator: code, year, locality, setting -> the fee-schedule
amount, what each payer pays for the visit, and a what-if price.

On every change the calculator asks :mod:`trainer_billing.rates` for the
one-unit Medicare amount (``fee_schedule_amount``, with ``formula()``
filled in) and :mod:`trainer_billing.payers` for what each plan of the
datasets allows and pays for the visit (``compare_payers``) and for the
what-if (``what_if``). It shows the formula, a bar chart (matplotlib) and
a table. A figure the course cannot price (an unknown code, a locality
without verified GPCIs for that year) shows as a message beside its
field, in the library's words. The widget decides no rule.

>>> calc = RateCalculator()
>>> calc.amount.formula()
'[(0.45 x 1.000) + (0.43 x 0.912) + (0.01 x 1.381)] x 32.3465 = 27.69'
>>> calc.set_field("year", 2026)
>>> calc.amount is None, calc.has_error("locality")
(True, True)
"""

from __future__ import annotations

import html
import io

import ipywidgets as w
# Figure without pyplot: drawn to PNG bytes, and the notebook's own
# plotting backend is left alone.
from matplotlib.figure import Figure

from trainer_billing import payers, rates
from ._common import ERROR, NOTE, error_html, plain, short

_STYLE = {"description_width": "120px"}
_LAYOUT = {"width": "380px"}
FIELDS = ("code", "year", "locality", "setting", "units", "what_if")


class RateCalculator:
    """The rate calculator. Display ``calculator.widget``.

    Starts with 97110, CY2025, Rest of Illinois (the course's story),
    non-facility, 1 unit, no what-if.
    """

    def __init__(self, code="97110", year=2025, locality="IL-99",
                 setting="non-facility", units="1"):
        self._quiet = True
        self._controls, self._boxes = {}, {}
        self.amount = None
        self.rows = None
        self.what_if = None
        self.widget = self._build()
        try:
            for field, value in (("code", code), ("year", year),
                                 ("locality", locality),
                                 ("setting", setting), ("units", units)):
                self._controls[field].value = value
        finally:
            self._quiet = False
        self.refresh()

    # ----------------------------------------------------------- public

    def control(self, field):
        """Return the control of ``field`` (FIELDS, or ``what_if_kind``)."""
        return self._controls[field]

    def set_field(self, field, value):
        """Return None; set a control as a user would."""
        self._controls[field].value = value

    def message(self, field):
        """Return the plain text shown beside ``field``."""
        return plain(self._boxes[field].value)

    def has_error(self, field):
        """Return True when the text beside ``field`` is an error."""
        return "tb-rate-error" in self._boxes[field].value

    def shown_text(self, part="amount"):
        """Return the plain text of ``amount``, ``table`` or ``what_if``."""
        return plain({"amount": self._amount, "table": self._table,
                      "what_if": self._what_if_out}[part].value)

    @property
    def chart_png(self):
        """Return the chart as PNG bytes (empty when nothing to draw)."""
        return bytes(self._chart.value)

    def refresh(self):
        """Return None; price the visit and show everything."""
        try:
            self._refresh()
        except Exception as exc:  # never let a traceback reach the page
            self.amount = self.rows = self.what_if = None
            self._amount.value = (
                f'<div class="tb-rate-error" style="color:{ERROR}">The '
                f"calculator could not run: {html.escape(short(exc))}"
                "</div>")

    # ---------------------------------------------------------- private

    def _add(self, field, control):
        control.add_class(f"tb-rate-{field.replace('_', '-')}")
        self._controls[field] = control
        control.observe(self._changed, names="value")
        if field == "what_if_kind":
            return control
        box = w.HTML(value="")
        box.add_class(f"tb-rate-msg-{field.replace('_', '-')}")
        self._boxes[field] = box
        return w.VBox([control, box])

    def _build(self):
        localities = []
        for key, name, years in payers.medicare_localities():
            note = "" if set(years) >= {2025, 2026} else \
                " (verified: " + ", ".join(f"CY{y}" for y in years) + ")"
            localities.append((f"{key} {name.title()}{note}", key))
        fields = [
            self._add("code", w.Combobox(
                options=payers.priced_codes(), ensure_option=False,
                description="Code", placeholder="97110",
                continuous_update=True, style=_STYLE,
                layout=w.Layout(**_LAYOUT))),
            self._add("year", w.Dropdown(
                options=[("CY2025", 2025), ("CY2026", 2026)],
                description="Year", style=_STYLE,
                layout=w.Layout(**_LAYOUT))),
            self._add("locality", w.Dropdown(
                options=localities, description="Locality", style=_STYLE,
                layout=w.Layout(width="560px"))),
            self._add("setting", w.ToggleButtons(
                options=[("Office (non-facility)", "non-facility"),
                         ("Hospital (facility)", "facility")],
                description="Setting", style=_STYLE)),
            self._add("units", w.Text(
                description="Units in the visit", placeholder="1",
                continuous_update=True, style=_STYLE,
                layout=w.Layout(**_LAYOUT))),
        ]
        kind = self._add("what_if_kind", w.Dropdown(
            options=[(label, key)
                     for key, label in payers.WHAT_IF_KINDS.items()],
            description="What if", style=_STYLE,
            layout=w.Layout(**_LAYOUT)))
        price = self._add("what_if", w.Text(
            description="Price ($)", placeholder="e.g. 75.00",
            continuous_update=True, style=_STYLE,
            layout=w.Layout(**_LAYOUT)))
        self._amount = w.HTML()
        self._amount.add_class("tb-rate-amount")
        self._chart = w.Image(format="png", layout=w.Layout(width="640px"))
        self._chart.add_class("tb-rate-chart")
        self._table = w.HTML()
        self._table.add_class("tb-rate-table")
        self._what_if_out = w.HTML()
        self._what_if_out.add_class("tb-rate-whatif")
        box = w.VBox([
            w.HTML("<h4>1. The service</h4>"), *fields,
            w.HTML("<h4>2. Medicare fee-schedule amount</h4>"), self._amount,
            w.HTML("<h4>3. What each payer pays for this visit</h4>"),
            self._chart, self._table,
            w.HTML("<h4>4. What if</h4>"), kind, price, self._what_if_out])
        box.add_class("tb-rate-calculator")
        return box

    def _changed(self, _change):
        if not self._quiet:
            self.refresh()

    def _clear(self):
        for box in self._boxes.values():
            box.value = ""
        self.amount = self.rows = self.what_if = None
        self._table.value = ""
        self._what_if_out.value = ""
        self._chart.value = b""

    def _refresh(self):
        self._clear()
        c = self._controls
        try:
            units = payers.parse_units(c["units"].value)
        except payers.InvalidUnits as exc:
            self._boxes["units"].value = _error_html(str(exc))
            units = None
        code = c["code"].value.strip()
        if not code:
            self._boxes["code"].value = _error_html(
                "Type a code, e.g. 97110.")
            self._wait()
            return
        try:
            self.amount = rates.fee_schedule_amount(
                code, c["year"].value, c["locality"].value,
                c["setting"].value)
        except rates.RateError as exc:
            field = {rates.UnknownRate: "code",
                     rates.UnknownLocality: "locality",
                     rates.NotPricedInSetting: "setting"}.get(
                         type(exc), "code")
            self._boxes[field].value = _error_html(str(exc))
            self._wait()
            return
        self._amount.value = _amount_html(self.amount)
        if units is None:
            return
        self.rows = payers.compare_payers(
            code, c["year"].value, c["locality"].value, c["setting"].value,
            units)
        self._table.value = _table_html(self.rows)
        text = c["what_if"].value.strip()
        if text:
            try:
                self.what_if = payers.what_if(text, self.rows,
                                              c["what_if_kind"].value)
            except payers.InvalidPrice as exc:
                self._boxes["what_if"].value = _error_html(str(exc))
        if self.what_if:
            self._what_if_out.value = _what_if_html(self.what_if)
        self._chart.value = _chart_png(self.rows, self.what_if, code,
                                       units, self.amount)

    def _wait(self):
        self._amount.value = (
            f'<div class="tb-rate-wait" style="color:{ERROR}">A field '
            "has a problem, shown in red beside it. Fix it to see the "
            "amount.</div>")


# ---------------------------------------------------------------- helpers

def _amount_html(amount):
    where = f"CY{amount.year}, {amount.locality}, {amount.setting}"
    return (
        f"<div class='tb-rate-value' style='font-size:120%'><b>"
        f"{html.escape(amount.code)}: ${amount.value} per unit</b> "
        f"({html.escape(where)})</div>"
        "<div>[(work RVU x work GPCI) + (PE RVU x PE GPCI) + "
        "(MP RVU x MP GPCI)] x conversion factor</div>"
        f"<div class='tb-rate-formula'><code>"
        f"{html.escape(amount.formula())}</code></div>"
        f"<div style='color:{NOTE};font-size:85%'>Conversion factor "
        f"applies to: {html.escape(amount.conversion_factor_applies_to)}. "
        f"RVUs: {html.escape(amount.rvu_source)}. GPCIs: "
        f"{html.escape(amount.gpci_source)}. Not applied: sequestration, "
        "the multiple-procedure reduction, the 85% CQ/CO rate.</div>")


def _money(value):
    return "" if value is None else f"${value}"


def _table_html(rows):
    body = "".join(
        f"<tr class='tb-rate-row-{r.plan_id}'><td>{html.escape(r.name)}</td>"
        f"<td style='text-align:right'>{_money(r.allowed)}</td>"
        f"<td style='text-align:right'>{_money(r.plan_pays)}</td>"
        f"<td style='text-align:right'>{_money(r.client_pays)}</td>"
        f"<td style='font-size:85%'>{html.escape(r.basis)}</td></tr>"
        for r in rows)
    return ("<table class='tb-rate-payers'><tr><th>Plan</th><th>Allowed</th>"
            "<th>Plan pays</th><th>Client pays</th><th>How</th></tr>"
            f"{body}</table><p style='color:{NOTE};font-size:85%'>Synthetic "
            "plans: invented rates and cost shares. Deductible assumed met. "
            "Medicare's 20% coinsurance is UNVERIFIED in the datasets.</p>")


def _what_if_html(result):
    kind = "negotiated rate" if result.kind == "negotiated" else \
        "cash price"
    pct = "" if result.pct_of_medicare is None else \
        f" = <b class='tb-rate-pct'>{result.pct_of_medicare}%</b> of " \
        f"Medicare's ${result.medicare_allowed} for this visit"
    lines = "".join(
        f"<li>{html.escape(name)} allows ${allowed}: your {kind} is "
        f"{'$' + str(abs(diff))} {'more' if diff >= 0 else 'less'}</li>"
        for name, allowed, diff in result.versus)
    return (f"<div>A {kind} of <b>${result.price}</b>{pct}.</div>"
            f"<ul>{lines}</ul>")


def _chart_png(rows, what_if, code, units, amount):
    priced = [r for r in rows if r.allowed is not None]
    if not priced:
        return b""
    names = [r.name.replace("Synthetic ", "") for r in priced]
    plan = [float(r.plan_pays) for r in priced]
    client = [float(r.client_pays) for r in priced]
    fig = Figure(figsize=(7.5, 0.55 * len(priced) + 1.6), dpi=90)
    ax = fig.subplots()
    ax.barh(names, plan, color="#2e7d32", label="plan pays")
    ax.barh(names, client, left=plan, color="#f9a825",
            label="client pays")
    if what_if is not None:
        ax.axvline(float(what_if.price), color="#b00020",
                   linestyle="--", label=f"what-if ${what_if.price}")
    ax.invert_yaxis()
    ax.set_xlabel("US dollars for the visit")
    ax.set_title(f"{code} x {units}, CY{amount.year} {amount.locality}"
                 f" ({amount.setting})")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _error_html(text):
    return error_html(text, "tb-rate-error")
