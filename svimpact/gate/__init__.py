"""The disclosure gate: a last look at a report directory before a run is marked complete.

:func:`scan_report` reads every text file under the report directory (HTML, CSV, executed
notebooks, JSON, Markdown, SVG) and lists, as :class:`Finding`\\ s:

* **unsuppressed small counts** in published tables. A published count must be 0, ``[c]``, or
  above the rule's suppression limit and a multiple of its rounding base (``nhs-hes``: 0, ``[c]``
  or a multiple of 5 from 10 up). Which columns are counts: the sidecar
  ``tables/<table>.meta.json`` written by the publisher (``{"counts": [...], "rule": "..."}``)
  when present; otherwise the naming convention of :data:`COUNT_COLUMN` (``n``, ``count``,
  ``users``, ``participants``, ``beneficiaries``, ``households``, ``n_*``, ``*_users``,
  ``*_count``...: nouns for people counted). The same
  columns are checked in HTML tables (``index.html`` and notebook outputs). Population
  denominators from official statistics (``population``) are not counts of service users.
* **participant identifiers** and **postcodes** from the inputs, anywhere in any file (matched as
  whole tokens; data URIs such as embedded PNGs are skipped). The gate report never repeats an
  identifier: it shows its first characters only.
* **counts of people in text** (prose, map labels, headlines): a number followed by a noun for
  people (``3 users``, ``12 participants``) must obey the rule too; ranges such as ``1 to 7
  users`` or ``1-7 users`` (legends) are not counts.
* **record listings** in notebook outputs and HTML: a table (HTML or a DataFrame printed as text)
  with an identifier-like column (``id``, ``*_id``, ``nhs_number``...) and more than
  ``max_listing_rows`` rows.
* **secrets** (e.g. the pseudonymisation key) anywhere.

Word copies of the chapter (``.docx``) are read too: their text for identifiers, postcodes and
secrets, their tables for small counts and listings. Images (PNG) are not read.

:func:`gate_batch` collects the identifiers and postcodes from a batch's inputs (raw and
pseudonymised) and scans its report directory.

The package: :mod:`~svimpact.gate.extract` (text and tables out of each file type),
:mod:`~svimpact.gate.rules` (what counts as a leak), :mod:`~svimpact.gate.inputs` (what to look
for), :mod:`~svimpact.gate.scan` (one report directory), :mod:`~svimpact.gate.batch` (a batch) and
:mod:`~svimpact.gate.report` (the verdict).
"""

from svimpact.gate.batch import gate_batch, gate_report
from svimpact.gate.inputs import LookFor, input_identifiers
from svimpact.gate.report import Finding, GateReport
from svimpact.gate.rules import COUNT_COLUMN
from svimpact.gate.scan import scan_report

__all__ = ["COUNT_COLUMN", "Finding", "GateReport", "LookFor", "gate_batch", "gate_report", "input_identifiers",
           "scan_report"]
