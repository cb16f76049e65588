"""Delivery of prepared messages to the outside world (e-mail over SMTP, chat incoming webhooks)."""
