"""`stylesprint manifest`: the Slack app manifest for the configured names (bot/branding.py)."""

from __future__ import annotations

import json

import typer

from stylesprint.cli.common import settings_or_exit


def register(app: typer.Typer) -> None:
    @app.command()
    def manifest(
        socket: bool = typer.Option(False, "--socket",
                                    help="For Socket Mode: no request URLs."),
        as_json: bool = typer.Option(False, "--json", help="JSON instead of YAML."),
    ) -> None:
        """Print the Slack app manifest for this bot's command, names and address.

        Built from STYLESPRINT_COMMAND, STYLESPRINT_APP_NAME, STYLESPRINT_BOT_DISPLAY_NAME,
        STYLESPRINT_BRAND and STYLESPRINT_PUBLIC_URL (bot/manifest.yml is the template), so
        the app Slack knows and the bot that answers agree. Paste it at api.slack.com/apps
        -> Create New App -> From an app manifest.
        """
        from bot.branding import Branding, manifest_yaml
        from bot.branding import manifest as build

        settings = settings_or_exit()
        branding = Branding.from_settings(settings)
        if as_json:
            typer.echo(json.dumps(build(branding, settings.bot.public_url, socket_mode=socket),
                                  indent=2, ensure_ascii=False))
            return
        typer.echo(manifest_yaml(branding, settings.bot.public_url, socket_mode=socket), nl=False)
