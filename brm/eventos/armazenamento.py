"""Where events are kept (Redis, 24 hours), so a stream that falls behind or reconnects reads what it missed.

django-eventstream's `RedisStorage` with these changes:

- An event is stored in one atomic step (a Lua script: the channel's counter, the event, the mark). The
  library's two steps (INCR, then SETEX) let a reader see counter N before event N exists: with two senders
  at once, a stream read in between skipped that event for good.
- Reads are one round trip (MULTI: the counter, the mark and the events by MGET) instead of one GET per event.
  So while the counter says N, events 1..N are all there (unless expired), and a stream that got event N
  knows that every id below it can be read.
- The channel's counter expires with its last event (the library kept one counter per channel for ever: one
  key per robot job, never removed). A browser that comes back after that gets `stream-reset`.
- A mark of the Redis data (a random value kept in Redis): when Redis restarts without its data, the counters
  start again from 1 and the mark changes, which tells an open stream that the ids it holds mean nothing now.

One Redis client (and its connection pool) per process, shared by every thread: the library opened one per
thread, that is one per open stream under ASGI.
"""

import json
import threading
import uuid
from typing import NamedTuple

import redis
from django_eventstream.event import Event
from django_eventstream.storage import EVENT_TIMEOUT, RedisStorage

MARCA = "eventos:marca"
# Seconds an event is kept: the library's 24 hours.
VALIDADE = EVENT_TIMEOUT * 60

_ACRESCENTAR = """
local id = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
redis.call('SET', KEYS[2] .. id, ARGV[1], 'EX', tonumber(ARGV[2]))
redis.call('SET', KEYS[3], ARGV[3], 'NX')
return id
"""

# One client (and the script registered on it) per connection settings, shared by every thread of the process.
_clientes: dict[str, tuple[redis.Redis, object]] = {}
_trava = threading.Lock()


def _contador(canal: str) -> str:
    return f"event_counter:{canal}"


def _prefixo(canal: str) -> str:
    return f"event:{canal}:"


class Leitura(NamedTuple):
    eventos: list[Event]  # in id order; ids above `depois_de`, at most `limite`
    atual: int  # the channel's last id
    marca: str  # the mark of the Redis data that was read


class ArmazenamentoRedis(RedisStorage):
    """`EVENTSTREAM_STORAGE_CLASS`: the library's Redis storage, stored atomically and read in one round trip."""

    def _cliente(self) -> tuple[redis.Redis, object]:
        chave = repr(sorted(self.connection_details.items()))
        par = _clientes.get(chave)
        if par is None:
            with _trava:
                if chave not in _clientes:
                    cliente = redis.Redis(**self.connection_details)
                    # redis-py's Script loads itself again when Redis answers NOSCRIPT (after a restart).
                    _clientes[chave] = (cliente, cliente.register_script(_ACRESCENTAR))
                par = _clientes[chave]
        return par

    @property
    def redis(self) -> redis.Redis:
        return self._cliente()[0]

    def append_event(self, channel: str, event_type: str, data) -> Event:
        acrescentar = self._cliente()[1]
        registro = json.dumps({"type": event_type, "data": data})
        event_id = acrescentar(
            keys=[_contador(channel), _prefixo(channel), MARCA], args=[registro, VALIDADE, uuid.uuid4().hex]
        )
        return Event(channel, event_type, data, id=int(event_id))

    def ler(self, canal: str, depois_de: int | None, limite: int = 100) -> Leitura:
        """The channel's last id, the data's mark and, when `depois_de` is given, the events after it."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(MARCA, uuid.uuid4().hex, nx=True)
            pipe.get(MARCA)
            pipe.get(_contador(canal))
            if depois_de is not None:
                pipe.mget([f"{_prefixo(canal)}{i}" for i in range(depois_de + 1, depois_de + limite + 1)])
            _, marca, atual, *brutos = pipe.execute()
        eventos = []
        if brutos:
            for posicao, bruto in enumerate(brutos[0], start=depois_de + 1):
                if bruto is not None:
                    registro = json.loads(bruto)
                    eventos.append(Event(canal, registro["type"], registro["data"], id=posicao))
        return Leitura(eventos, int(atual or 0), marca.decode())

    def get_events(self, channel: str, last_id: int, limit: int = 100) -> list[Event]:
        return self.ler(channel, int(last_id), limit).eventos

    def get_current_id(self, channel: str) -> int:
        return int(self.redis.get(_contador(channel)) or 0)
