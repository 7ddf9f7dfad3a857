"""The team's own names: the slash command, the bot's name and the brand, from settings.

Everything an agent reads about the bot itself (the help text, the App Home header, the
"unknown subcommand" note) is built from one `Branding`, and so is the Slack app manifest
(`manifest()`, printed by `stylesprint manifest`): the command the manifest declares is
the command the app listens to, so a renamed command cannot go unanswered. The reply
wording itself lives in the brand-voice file (qa_engine/compose/assets/brand_voice.yml).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.settings import ServingSettings

MANIFEST_TEMPLATE = Path(__file__).parent / "manifest.yml"
_TEMPLATE_APP, _TEMPLATE_BRAND = "StyleSprint Assist", "StyleSprint"
_TEMPLATE_COMMAND = "/stylesprint"
_TEMPLATE_URL = "https://stylesprint.example.com"


@dataclass(frozen=True)
class Branding:
    """The names the bot goes by (defaults: StyleSprint's own)."""

    command: str = _TEMPLATE_COMMAND
    app_name: str = _TEMPLATE_APP
    display_name: str = _TEMPLATE_BRAND
    brand: str = _TEMPLATE_BRAND

    @classmethod
    def from_settings(cls, settings: ServingSettings) -> Branding:
        bot = settings.bot
        return cls(command=bot.command, app_name=bot.app_name,
                   display_name=bot.bot_display_name, brand=bot.brand)

    def usage(self) -> str:
        """The help text (`<command> help`, App Home, a mention without a question)."""
        c = self.command
        return (
            f"*{self.app_name}* answers product and policy questions from the knowledge base.\n"
            f"• `{c} ask <question>`: e.g. `{c} ask What is the return window for "
            "online orders?`\n"
            f"• `{c} help`: this message\n"
            f"• Mention me in a channel or thread: `@{self.display_name} <question>`\n"
            "React to an answer with :+1: if it helped or :-1: if it is wrong; a :-1: lets you "
            "suggest the right answer."
        )


def _rename(text: str, branding: Branding) -> str:
    """The template's names replaced (through markers, so no name is replaced twice)."""
    marked = (text.replace(_TEMPLATE_APP, "\0app\0").replace(_TEMPLATE_COMMAND, "\0cmd\0")
              .replace(_TEMPLATE_BRAND, "\0brand\0"))
    return (marked.replace("\0app\0", branding.app_name)
            .replace("\0cmd\0", branding.command).replace("\0brand\0", branding.brand))


def manifest(branding: Branding, public_url: str = _TEMPLATE_URL, *,
             socket_mode: bool = False) -> dict[str, Any]:
    """The Slack app manifest (bot/manifest.yml as the template) for these names.

    Socket Mode: no request URLs (Slack sends everything over the socket)."""
    data: dict[str, Any] = yaml.safe_load(MANIFEST_TEMPLATE.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    info = data["display_information"]
    info["name"] = branding.app_name
    info["description"] = _rename(info["description"], branding)[:140]
    info["long_description"] = _rename(info["long_description"], branding)
    data["features"]["bot_user"]["display_name"] = branding.display_name
    url = public_url.rstrip("/") + "/slack/events"
    for command in data["features"]["slash_commands"]:
        if command["command"] == _TEMPLATE_COMMAND:  # the team's own name for it
            command["command"] = branding.command
        command["description"] = _rename(command["description"], branding)
        command["url"] = url
    settings = data["settings"]
    settings["event_subscriptions"]["request_url"] = url
    settings["interactivity"]["request_url"] = url
    if socket_mode:
        settings["socket_mode_enabled"] = True
        del settings["event_subscriptions"]["request_url"]
        del settings["interactivity"]["request_url"]
        for command in data["features"]["slash_commands"]:
            del command["url"]
    return data


def manifest_yaml(branding: Branding, public_url: str = _TEMPLATE_URL, *,
                  socket_mode: bool = False) -> str:
    head = (f"# Slack app manifest for {branding.app_name} (`stylesprint manifest`).\n"
            "# api.slack.com/apps -> Create New App -> From an app manifest -> paste this.\n")
    body = yaml.safe_dump(manifest(branding, public_url, socket_mode=socket_mode),
                          sort_keys=False, allow_unicode=True, width=88)
    return head + body
