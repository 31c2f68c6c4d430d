"""The myna-desk Flask application: ``create_app()`` builds everything.

Nothing happens at import. Settings come from the environment; a mapping
passed to ``create_app`` overrides environment variables of the same names
(tests) and may add Flask settings.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from bot.config import ConfigError, load_settings
from models.city import PROJECT_ROOT
from models.crypto import Keyring, install_keyring
from models.db import db

log = logging.getLogger("myna_desk")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    overrides = dict(config or {})
    env = {**os.environ, **{k: v for k, v in overrides.items() if isinstance(v, str)}}
    served_port = _flask_run_port()
    if served_port and not env.get("PORT"):
        env["PORT"] = str(served_port)  # `flask run --port N`: the simulator posts to N
    try:
        settings = load_settings(env)
    except ConfigError as exc:
        import click

        if click.get_current_context(silent=True) is not None:
            raise click.ClickException(str(exc)) from None  # one line on the command line
        raise

    app = Flask(
        __name__,
        instance_path=str(settings_instance_dir()),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=None,
    )
    from bot.cli_errors import GuardedGroup

    app.cli = GuardedGroup(app.name)  # a missing database is one line on any command
    from bot.sessions import SessionInterface

    app.session_interface = SessionInterface()  # none for the platforms' webhooks
    from bot.ids import Int32Converter

    app.url_map.converters["int"] = Int32Converter  # before any route: ids are 32-bit
    app.config.update(settings.as_flask_config())
    app.config.update({k: v for k, v in overrides.items() if not isinstance(v, str)})

    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client address (login throttling) is the one the last trusted proxy saw.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    install_keyring(Keyring.from_setting(settings.data_encryption_key))
    db.bind(settings.database_url, settings.db_pool_size, settings.db_max_overflow)
    _configure_logging(app)
    from bot import db_guard

    db_guard.install(app)  # PostgreSQL time limits for requests; 503 when busy

    from bot.delivery import Delivery
    from bot.pipeline import EventPipeline

    delivery = Delivery(app.config)
    app.extensions["delivery"] = delivery
    app.extensions["event_processor"] = EventPipeline(
        delivery, app.config["EVENT_WORKERS"], linger=app.config["BATCH_LINGER_MS"] / 1000
    )
    from bot.line.recording import Recorder

    app.extensions["recorder"] = Recorder()

    from bot import cli, health
    from bot.line import webhook
    from bot.twilio_sms import routes as twilio_sms
    from bot.twilio_voice import routes as twilio_voice

    app.register_blueprint(health.bp)
    app.register_blueprint(webhook.bp)
    from bot.line import fast_path

    fast_path.install(app)  # POST /line/webhook below Flask (issue 16)
    app.register_blueprint(twilio_voice.bp)
    app.register_blueprint(twilio_sms.bp)
    cli.register(app)
    from bot import api, cli_schedule

    api.register(app)  # staff schedule API at /api/v1 (tokens: STAFF_API_TOKENS)
    app.cli.add_command(cli_schedule.schedule_cli)
    from bot import cli_staff, console

    console.register(app)  # staff console at /console
    app.cli.add_command(cli_staff.staff_cli)
    from bot import flyer, public

    public.register(app)  # /events, /events.ics, /events.json (issue 14)
    app.cli.add_command(flyer.flyer_command)
    from bot.cli_api_tokens import api_token_cli
    from bot.cli_reports import report_cli

    app.cli.add_command(report_cli)
    from bot.sandbox.terminal import sandbox_cli

    app.cli.add_command(api_token_cli)
    app.cli.add_command(sandbox_cli)  # its commands refuse outside sandbox mode

    if settings.sandbox:
        from bot.sandbox.simulator import register as register_sandbox

        register_sandbox(app)
        _sandbox_notice(app)
    if app.config["SCHEDULER"] == "inprocess" and not app.config.get("TESTING"):
        from scheduler.clock import start_in_process

        start_in_process(app)
    return app


def _flask_run_port() -> int | None:
    """The port of ``flask run`` (its option or FLASK_RUN_PORT) when that is what runs."""
    import click

    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.command.name != "run":
        return None
    port = ctx.params.get("port")
    return port if isinstance(port, int) else None


def _sandbox_notice(app: Flask) -> None:
    """Where the simulator is, when this process serves it (not for other commands)."""
    import click

    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.command.name != "run":
        log.debug("sandbox mode: no LINE credentials; LINE calls go to the local stand-in")
        return
    log.warning(
        "SANDBOX MODE: no LINE credentials; LINE calls go to the local stand-in at %s "
        "and the resident simulator is at %s/sandbox",
        app.config["LINE_API_BASE_URL"],
        app.config["PUBLIC_BASE_URL"],
    )


GC_THRESHOLDS = (20_000, 50, 100)  # the web processes' (CPython's default: 700, 10, 10)


def web_app() -> Flask:
    """The app as the Procfile's ``web`` line serves it (gunicorn --preload).

    Built once in gunicorn's master, before the workers are forked, with
    everything the first event would otherwise build while LINE waits: the
    FAQ engine, every message template compiled, the conversation flows. The
    workers share these pages with the master until they write to them.
    """
    app = create_app()
    warm_up()
    release_mapped_dictionary()
    # Everything built so far lives as long as the process. Frozen, the collector
    # never scans it again and the forked workers keep sharing its pages; a
    # request allocates thousands of short-lived objects, so the young generation
    # is collected less often (issue 16: about 5 % of a worker's CPU).
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    return app


def warm_up() -> None:
    from handlers.faq.engine import get_engine
    from handlers.flows.registry import load_flows
    from handlers.text import env

    load_flows()
    templates = env()
    for name in templates.list_templates(extensions=["txt"]):
        templates.get_template(name)
    get_engine().predict("")


def release_mapped_dictionary() -> None:
    """Drop the master's page mappings of the tokenizer dictionary (Linux).

    Building the FAQ index reads much of SudachiPy's memory-mapped dictionary.
    The master never tokenizes again, so it gives those pages back: they stay
    in the page cache, shared by the workers, which map only the pages their
    questions use (``handlers/faq/mapped_dictionary.py``).
    """
    from handlers.faq.mapped_dictionary import release_mapped

    release_mapped(".dic")


def settings_instance_dir():
    from bot.config import INSTANCE_DIR

    return INSTANCE_DIR


class _QuietPolling(logging.Filter):
    """Drop access-log lines of the simulator's polling (once a second)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "/_sandbox/requests" not in record.getMessage()


def _configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=os.environ.get("LOG_LEVEL", "INFO"),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, _QuietPolling) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(_QuietPolling())
