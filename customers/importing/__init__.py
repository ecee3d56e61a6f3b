"""Importing customers and their contacts from CSV or XLSX: read, validate every row, preview, commit.

The flow, one service per step (in `batches`):

1. `import_batch_preview` (upload): refuse what needs no reading of rows (too large, empty, .xls, an
   XLSX that unpacks to too much), store the file as a CHECKING ImportBatch and enqueue the check.
   `import_batch_check` (Celery task, with time and memory limits): read the file, validate every
   row, compare it with the database, and record the counts, a sample of the rows as read and the
   other encodings that decode the file (PREVIEWED, or INVALID with per-row errors or the message
   that refuses the whole file). Nothing in the customer master is written.
   `import_batch_reread`: a PREVIEWED or INVALID CSV batch is checked again in another encoding that
   decodes it too (a GBK file can be valid UTF-8), audited.
2. `import_batch_confirm`: PREVIEWED -> QUEUED by a conditional UPDATE, then enqueue the commit task
   after the transaction commits. A double click queues once.
3. `import_batch_commit` (Celery task): read and validate the stored file again against the database
   as it is now, then write everything in one transaction, or nothing (FAILED with a message).

Customers are matched by code, so importing the same file twice changes nothing the second time, and
an export (customers/exporting.py) imports back unchanged.

The stages, each a module, each importing only those before it:
`columns` (the column vocabulary) -> `reading` (bytes to a table of cells, headers to columns) ->
`validating` (cells to clean values, row errors) -> `planning` (clean rows compared with the
database: what would change) -> `writing` (the plans, in bulk) -> `batches` (the services above).
"""
