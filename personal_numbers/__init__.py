"""My Number and application-id rules: check digit, detection, redaction.

A low package: it imports nothing of the project, so ``handlers`` and
``models`` can both use it without importing each other. The rules live in
``personal_numbers.redact``; the separator look-alikes in
``personal_numbers.lookalikes``.
"""
