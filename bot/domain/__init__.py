"""Pure domain rules: no chat, storage, document or scheduler imports (checked in CI)."""
