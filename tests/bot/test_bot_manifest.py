"""The app manifest matches what the bot listens to, so the app works after one paste."""

from __future__ import annotations

from pathlib import Path

import yaml

import bot

MANIFEST = Path(bot.__file__).parent / "manifest.yml"


def test_manifest_declares_the_command_scopes_events_and_interactivity() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/stylesprint" and command["url"].endswith("/slack/events")
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {"commands", "chat:write", "reactions:read", "app_mentions:read",
                      "users:read", "channels:history", "groups:history", "usergroups:read",
                      "channels:read", "groups:read"}
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.channels",
        "reaction_added",
        "reaction_removed",
        "app_uninstalled",
        "tokens_revoked",
    }
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"] is True and home["messages_tab_enabled"] is True
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert manifest["features"]["bot_user"]["display_name"]


def test_every_subscribed_event_has_a_listener() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    listeners = Path(bot.__file__).parent / "listeners" / "events"
    registered = (listeners / "__init__.py").read_text()
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        kind = event.split(".")[0]  # message.channels is delivered as a "message" event
        assert f'app.event("{kind}")' in registered
        assert (listeners / f"{kind}.py").is_file()
