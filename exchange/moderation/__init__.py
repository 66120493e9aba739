"""Community moderation: flags with trust-weighted auto-hide, a review queue, actions on
content and members under one policy (``policy.can``), and a hash-chained, append-only audit
log. See docs/moderation.md for the rules table."""
