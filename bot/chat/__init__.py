"""Chat adapters: everything that speaks Slack (and the local stand-in used for tests and demos)."""
