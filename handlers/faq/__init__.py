"""FAQ: a resident's question in their own words -> a topic (or an honest "not sure").

``handlers.faq.engine.get_engine().predict(text)`` is the whole public surface.
Everything Japanese (examples, keywords, synonyms, stop words) lives in ``data/``.
"""
