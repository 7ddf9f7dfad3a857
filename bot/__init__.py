"""Slack Bolt app for StyleSprint Assist."""
