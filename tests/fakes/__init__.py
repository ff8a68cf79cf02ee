"""Fake provider servers (Twilio, Telegram) and the provider side of webhooks, for tests on 127.0.0.1 only.

`FakeTwilio` and `FakeTelegram` answer the API calls our senders make through the real SDKs and record every
request; `webhooks` signs and posts requests the way Twilio and Telegram post to us.
"""
