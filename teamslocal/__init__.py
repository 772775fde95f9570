"""A Microsoft Teams stand-in beside the product, as ``localslack`` is Slack's: never
imported by ``bot`` or ``storage`` (an import-linter contract says so).

- :mod:`teamslocal.roster` — the people, team and chats of 架空市, and the Agents
  Playground's configuration file made from them;
- :mod:`teamslocal.activities` — activities as Teams sends them to a bot (messages with
  ``<at>`` mentions, ``adaptiveCard/action`` and ``fileConsent/invoke`` invokes);
- :mod:`teamslocal.playground` — Microsoft 365 Agents Playground (npm
  ``@microsoft/m365agentsplayground``) run headless, driven through its client routes, and
  read back through its events recording;
- :mod:`teamslocal.connector` — a small connector of our own, for what the playground does
  not implement (file consent and the OneDrive upload session), and for running without
  Node (the demo, when the playground is not installed);
- :mod:`teamslocal.harness` — the real bot (``bot.bootstrap_teams``) served on a local port
  against either side;
- :mod:`teamslocal.cycle` and :mod:`teamslocal.demo` — a whole meeting cycle, for the e2e
  tests and ``shienbot demo --platform teams``.
"""
