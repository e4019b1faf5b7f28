"""KakaoTalk (and e-mail) messages to guests on every change that matters to them.

- ``messages``: the texts, per message kind and language, and KRW/date formatting.
- ``channels``: the channel port and its adapters (console, locmem, alimtalk; e-mail).
- ``services``: one message per (event, channel), logged in ``Notification``, sent outside
  any transaction by the ``customer.notify`` handler.
"""
