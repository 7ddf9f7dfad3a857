"""The team's own names: a renamed command and bot, settings only, over signed HTTP
through the Slack stand-in; `stylesprint manifest` declares what the app listens to."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import yaml
from bot_harness import eventually, running_bot
from typer.testing import CliRunner

from bot.branding import Branding, manifest
from bot.settings import ServingSettings

RENAMED = {"command": "/askharbor", "app_name": "Harbor Help", "bot_display_name": "Harbor",
           "brand": "Harbor & Co"}


def test_a_renamed_command_is_answered_and_the_old_name_is_not(
        engine: Any, standin: Any, records: Any, tmp_path: Path) -> None:
    with running_bot(engine, standin, records, tmp_path, bot=RENAMED) as bot:
        helped = bot.command("help", command="/askharbor")
        assert helped.status_code == 200
        usage = helped.json()["text"]
        assert usage.startswith("*Harbor Help*") and "`/askharbor ask <question>`" in usage
        assert "@Harbor <question>" in usage and "stylesprint" not in usage.lower()

        unknown = bot.command("frobnicate", command="/askharbor")
        assert "`/askharbor` has:" in unknown.json()["text"]

        asked = bot.command("ask What is the return window for online orders?",
                            command="/askharbor")
        assert asked.status_code == 200 and "Looking that up" in asked.json()["text"]
        (post,) = standin.wait_for("chat.postMessage")
        assert post.response["ok"] and post.params["channel"] == "C0SUPPORT"
        eventually(lambda: bot.records.find_by_message("C0SUPPORT", post.response["ts"]))

        # another workspace is refused in the team's own name
        refused = bot.command("ask What is the return window?", command="/askharbor",
                              team_id="T0ELSEWHERE")
        assert refused.status_code == 200 and refused.text == "Harbor Help does not answer here."

        # the old name is not a command of this app any more: nothing is answered
        old = bot.command("ask What is the return window?", command="/stylesprint")
        assert old.status_code == 404
        assert len(standin.calls_to("chat.postMessage")) == 1

        bot.event({"type": "app_home_opened", "user": "UAGENT1", "channel": "D0HOME",
                   "tab": "home", "event_ts": f"{time.time():.6f}"})
        (home,) = standin.wait_for("views.publish")
        blocks = json.dumps(home.params["view"]["blocks"], ensure_ascii=False)
        assert '"Harbor Help"' in blocks and "/askharbor ask" in blocks
        # the knowledge base's own words may name the retailer; the bot's names may not
        assert "StyleSprint Assist" not in blocks and "/stylesprint" not in blocks


def test_the_manifest_declares_the_configured_command_names_and_url() -> None:
    settings = ServingSettings(_env_file=None, bot={
        **RENAMED, "public_url": "https://help.harbor.example/"})
    data = manifest(Branding.from_settings(settings), settings.bot.public_url)
    (command,) = data["features"]["slash_commands"]
    assert command["command"] == "/askharbor"
    assert command["url"] == "https://help.harbor.example/slack/events"
    assert data["display_information"]["name"] == "Harbor Help"
    assert data["features"]["bot_user"]["display_name"] == "Harbor"
    assert "Harbor & Co" in data["display_information"]["description"]
    assert "StyleSprint" not in json.dumps(data) and "stylesprint" not in json.dumps(data)
    socket = manifest(Branding.from_settings(settings), socket_mode=True)
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "url" not in socket["features"]["slash_commands"][0]
    assert "request_url" not in socket["settings"]["interactivity"]


def test_stylesprint_manifest_prints_yaml_for_the_environment(monkeypatch: Any) -> None:
    from stylesprint.cli import app

    monkeypatch.setenv("STYLESPRINT_COMMAND", "/askharbor")
    monkeypatch.setenv("STYLESPRINT_APP_NAME", "Harbor Help")
    result = CliRunner().invoke(app, ["manifest"])
    assert result.exit_code == 0, result.output
    printed = yaml.safe_load(result.output)
    assert printed["features"]["slash_commands"][0]["command"] == "/askharbor"
    assert printed["display_information"]["name"] == "Harbor Help"

    monkeypatch.setenv("STYLESPRINT_COMMAND", "/two words")
    bad = CliRunner().invoke(app, ["manifest"])
    assert bad.exit_code == 2 and "STYLESPRINT_COMMAND" in bad.output
    assert len(bad.output.strip().splitlines()) == 1


def test_a_second_command_in_the_manifest_keeps_its_name(monkeypatch: Any,
                                                         tmp_path: Path) -> None:
    """Adding a slash command is its listener, its registration and its manifest entry:
    the manifest renames only the template's own command (docs/architecture.md)."""
    import bot.branding

    data = yaml.safe_load(bot.branding.MANIFEST_TEMPLATE.read_text(encoding="utf-8"))
    data["features"]["slash_commands"].append(
        {"command": "/stylesprint-gaps", "url": "https://x.example/slack/events",
         "description": "This week's knowledge gaps", "should_escape": False})
    template = tmp_path / "manifest.yml"
    template.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setattr(bot.branding, "MANIFEST_TEMPLATE", template)
    names = [c["command"] for c in manifest(Branding(command="/harbor"),
                                            "https://help.harbor.example")
             ["features"]["slash_commands"]]
    assert names == ["/harbor", "/stylesprint-gaps"]
