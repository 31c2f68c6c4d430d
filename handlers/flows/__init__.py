"""Conversation flows declared as data: step name -> (ask, answer).

Flows register themselves in ``FLOWS`` when their module is imported by
``handlers.flows.registry``.
"""
