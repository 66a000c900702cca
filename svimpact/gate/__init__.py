"""The disclosure gate: a last look at a report directory before a run is marked complete.

Threat model: a reader holds every published file. :func:`scan_report` reads every file under
the report directory, whatever its type (:mod:`~svimpact.gate.extract`): HTML, SVG and XML pages,
JavaScript, JSON, CSV and TSV, Excel (openpyxl), Word (python-docx: body, tables, headers and
footers, notes, comments, text boxes, image alt text, properties), executed notebooks (sources,
every output, attachments, metadata), PNG text chunks, data URIs embedded anywhere (decoded and
read as the type they declare), the members of other zips, and every file's own name. A file it
cannot read (a PDF, a damaged document) is itself a finding: the gate cannot vouch for it.
Text is normalised first: Unicode compatibility forms (non-breaking and thin spaces become
spaces), zero-width characters removed, lower case. It lists, as :class:`Finding`\\ s:

* **values from the inputs** (:mod:`~svimpact.gate.inputs`, :mod:`~svimpact.gate.match`): the
  participants' identifiers, raw and pseudonymised, as whole tokens in any case; their postcodes
  in any spacing; their dates of birth in any common written form; free-text values of their
  free-text columns; and the pseudonymisation key. **Identifiers made only of digits** count only
  where an identifier would stand (a column or key named like an identifier, or straight after a
  word that introduces one: ``ID 1234``, ``participant 1234``), or at nine digits and more: a bare
  four- to eight-digit number is indistinguishable from a year, a population, a cost or a map
  coordinate, so a service numbering its people 1001-1999 is not failed by its own report (see
  :mod:`~svimpact.gate.match` for the reasoning and what this leaves uncaught). A finding never
  repeats the value it found, and a file whose name holds one is not named.
* **unsuppressed counts in tables** (CSV, TSV, Excel sheets, HTML and Word tables, notebook
  outputs). A published count must be 0, ``[c]``, or above the rule's suppression limit and a
  multiple of its rounding base (``nhs-hes``: 0, ``[c]`` or a multiple of 5 from 10 up). Which
  columns are counts: the sidecar ``tables/<table>.meta.json`` written by the publisher
  (``{"counts": [...], "rule": "..."}``) when present; otherwise the naming convention of
  :data:`COUNT_COLUMN` (``n``, ``count``, ``users``, ``participants``, ``households``, ``n_*``,
  ``*_users``, ``*_count``...: nouns for people counted). Population denominators from official
  statistics (``population``) are not counts of service users.
* **counts of people in text** (prose, labels, alt text, JavaScript strings, data strings): a
  number or a number word before a noun for people (``3 users``, ``Three participants``,
  ``twenty-three households``), and ``n=3``, ``n = 3``, ``(n 3)``, must obey the rule too. Ranges
  and bounds (``1 to 7 users``, ``1-7 users``, ``fewer than 8 people``, ``at least one``,
  ``one in four people``) are not counts, nor is a year before a noun (``in 2024 participants``).
* **counts under a count key in data** (JSON, JavaScript, a map's data island): ``"users": 3``,
  the reach map's ``"u":"3"``.
* **record listings**: a table (HTML, Word, Excel, CSV, or a DataFrame printed as text) with an
  identifier-like column (``id``, ``*_id``, ``nhs_number``...) and more than
  ``max_listing_rows`` rows.

:func:`gate_batch` collects what to look for from a batch's inputs and scans its report
directory; the batch runs the same scan on every output it writes (:mod:`svimpact.report.tail`).

The package: :mod:`~svimpact.gate.extract` and :mod:`~svimpact.gate.office` (what each file
holds), :mod:`~svimpact.gate.inputs` and :mod:`~svimpact.gate.match` (the inputs' values and
finding them), :mod:`~svimpact.gate.rules` (counts and listings), :mod:`~svimpact.gate.scan`
(one report directory), :mod:`~svimpact.gate.batch` (a batch) and :mod:`~svimpact.gate.report`
(the verdict).
"""

from svimpact.gate.batch import gate_batch, gate_report
from svimpact.gate.inputs import LookFor, input_identifiers
from svimpact.gate.report import Finding, GateReport
from svimpact.gate.rules import COUNT_COLUMN
from svimpact.gate.scan import scan_report

__all__ = ["COUNT_COLUMN", "Finding", "GateReport", "LookFor", "gate_batch", "gate_report", "input_identifiers",
           "scan_report"]
