"""Reports to the city: figures, photos with faces blurred, report content, Excel, PDF, versions
(docs/reports.md). No Flask here."""
