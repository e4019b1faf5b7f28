"""KakaoTalk (and e-mail) messages to guests on every change that matters to them.

- ``messages``: the texts, per message kind and language, and KRW/date formatting.
- the channels they leave through are shared: ``hotel.notification_channels``.
- ``services``: one message per (event, channel), logged in ``Notification``, sent outside
  any transaction by the ``customer.notify`` handler.
"""
