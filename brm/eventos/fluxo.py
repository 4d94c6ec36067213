"""The stream of one channel to one browser, and the Redis listener that feeds the streams of a web process.

django-eventstream's own stream (`views.stream`) trusts the order in which Redis pub/sub messages arrive and
sends whatever is queued. With more than one sender (workers, beat, web processes) that order is not the
order of the ids, and a message can arrive after the stream already read its event from storage. Measured
against a real server: six senders at once gave each client hundreds of repeats, ids out of order and a
missing event. Its Redis listener also dies with its connection: after a Redis restart a web process relayed
nothing until it was restarted.

Here the ids decide, not the arrival order:

- a stream remembers the last id it sent and never sends an id at or below it (repeats are dropped);
- a message whose id is not the next one (one came early, some were lost while Redis was away, the queue
  overflowed) makes the stream read storage from its last id, where every event up to the counter is
  (`ArmazenamentoRedis` stores atomically); pub/sub is only the fast path;
- the listener reconnects with backoff, and after each subscription tells every stream to read storage, so
  what was sent while it was away arrives; when the Redis data itself was lost (a restart without
  persistence: the mark changed, or the counter went back), the stream says `stream-reset` and sends the
  channel's events from the start of the new data.
"""

import asyncio
import contextvars
import json
import logging
import random
import threading
from collections import OrderedDict

from asgiref.sync import sync_to_async
from django.conf import settings
from django_eventstream.event import Event
from django_eventstream.utils import make_id, sse_encode_error, sse_encode_event
from django_eventstream.views import Listener, ListenerManager

from .armazenamento import ArmazenamentoRedis

logger = logging.getLogger(__name__)

# django-eventstream's pub/sub channel: `send_event` publishes there.
CANAL_REDIS = "events_channel"
# Events per storage read.
LIMITE_LEITURA = 100
# Seconds without events before a keep-alive (proxies close idle connections).
MANTER_VIVO = 20
ESPERA_MINIMA, ESPERA_MAXIMA = 0.2, 5.0
# Seconds the listener waits for a message before looking again (and noticing it was cancelled).
ESPERA_MENSAGEM = 1.0

# The first bytes: padding (some proxies hold the first 2 KB back) and the opening event.
ABERTURA = ":" + " " * 2048 + "\n\nevent: stream-open\ndata:\n\n"
MANTIDO = "event: keep-alive\ndata:\n\n"


class GerenciadorDeOuvintes(ListenerManager):
    """The streams of this process by channel (the library's), fed by a Redis listener that reconnects.

    Installed in place of the library's in `EventosConfig.ready`, so `send_event` without Redis and
    `channel_permission_changed` reach these streams too.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.listeners_by_channel = {}
        # The library's listener (no reconnect) stays off; ours runs in `_ouvir`.
        self.redis_listener = None
        self.redis_listener_started = False
        self._tarefa: asyncio.Task | None = None

    def add_listener(self, listener):
        if getattr(settings, "EVENTSTREAM_REDIS", None) is not None:
            self._garantir_ouvinte_redis()
        super().add_listener(listener)

    def _garantir_ouvinte_redis(self) -> None:
        loop = asyncio.get_running_loop()
        with self.lock:
            if self._tarefa is None or self._tarefa.done() or self._tarefa.get_loop() is not loop:
                # A context of its own: the listener serves every stream of the process, and its lines must not
                # carry the request id of the stream that happened to start it.
                self._tarefa = loop.create_task(
                    self._ouvir(), name="eventos: ouvinte do Redis", context=contextvars.Context()
                )

    async def _ouvir(self) -> None:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        espera = ESPERA_MINIMA
        while True:
            # No retries inside redis-py: its pub/sub reconnects and subscribes again by itself, silently, and the
            # streams would never learn that they must read what was sent meanwhile (or that the data was lost).
            cliente = Redis(
                **{
                    "socket_connect_timeout": 5,
                    "socket_keepalive": True,
                    **settings.EVENTSTREAM_REDIS,
                    "retry": Retry(NoBackoff(), 0),
                }
            )
            try:
                async with cliente.pubsub() as pubsub:
                    await pubsub.subscribe(CANAL_REDIS)
                    if espera > ESPERA_MINIMA:
                        logger.info("Atualizações ao vivo: reconectado ao Redis.")
                    espera = ESPERA_MINIMA
                    # Whatever was sent while not subscribed (before the first subscription, or while Redis was
                    # away) is in storage: every stream reads it from there.
                    self.reler_todos()
                    while True:
                        mensagem = await pubsub.get_message(timeout=ESPERA_MENSAGEM)
                        # redis-py (8.1) can swallow a cancellation that comes while it connects or subscribes,
                        # and the task then waited on the socket forever (uvicorn never finished stopping).
                        if asyncio.current_task().cancelling():
                            raise asyncio.CancelledError
                        if mensagem is not None and mensagem["type"] == "message":
                            self._receber(mensagem["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning(
                    "Atualizações ao vivo: sem conexão com o Redis (%s); nova tentativa em %.1f s.", exc, espera
                )
            finally:
                await cliente.aclose()
            await asyncio.sleep(espera * random.uniform(0.8, 1.2))
            espera = min(espera * 2, ESPERA_MAXIMA)

    def _receber(self, bruto: bytes) -> None:
        try:
            mensagem = json.loads(bruto)
            pub_id = mensagem["pub_id"]
            evento = Event(mensagem["channel"], mensagem["event_type"], mensagem["data"], id=pub_id)
        except (ValueError, KeyError, TypeError):
            logger.warning("Atualizações ao vivo: mensagem inválida no Redis ignorada.")
            return
        self.add_to_queues(evento.channel, evento)

    def add_to_queues(self, channel, event):
        # The library's, without a thread hop when called from the event loop itself (the Redis listener): it
        # woke each stream with call_soon_threadsafe, one write to the loop's wake-up socket per stream and event.
        # bench/sse.py (500 streams): p95 127 and 247 ms with it, 92 and 130 ms without.
        with self.lock:
            acordar = []
            for listener in self.listeners_by_channel.get(channel, ()):
                itens = listener.channel_items.setdefault(channel, [])
                if len(itens) < MAX_PENDENTES:
                    itens.append(event)
                else:
                    listener.overflow = True
                acordar.append(listener)
        _acordar(acordar)

    def reler_todos(self) -> None:
        """Every stream of this process reads storage from its last id (what pub/sub may not have brought)."""
        with self.lock:
            todos = {listener for listeners in self.listeners_by_channel.values() for listener in listeners}
            for listener in todos:
                listener.overflow = True
        _acordar(todos)


# As the library: a stream whose queue is full reads storage instead.
MAX_PENDENTES = 10


def _acordar(listeners) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    for listener in listeners:
        if listener.loop is loop:
            listener.aevent.set()
        else:
            listener.wake_threadsafe()


# The same event goes to every stream of its channel with the same id, so it is encoded once per process
# (bench/sse.py, a burst to 500 streams: 38 µs of the web process's CPU per delivery before, 25 after). The key
# has the content too: after Redis loses its data, the same id is another event.
_codificados: OrderedDict[tuple[str, int, str, str], str] = OrderedDict()
CODIFICADOS_MAXIMO = 2000


def _evento(canal: str, tipo: str, dados: str, ultimo: int) -> str:
    chave = (canal, ultimo, tipo, dados)
    texto = _codificados.get(chave)
    if texto is None:
        texto = _codificados[chave] = sse_encode_event(tipo, dados, event_id=make_id({canal: ultimo}))
        if len(_codificados) > CODIFICADOS_MAXIMO:
            _codificados.popitem(last=False)
    return texto


def _recomeco(canal: str, ultimo: int) -> str:
    return sse_encode_event("stream-reset", {"channels": [canal]}, event_id=make_id({canal: ultimo}), json_encode=True)


async def fluxo(*, canal: str, ultimo: int | None, usuario_id, gerenciador: GerenciadorDeOuvintes):
    """The body of one stream: what was missed after `ultimo` (None: nothing, only what comes from now on),
    then every new event of `canal`, each once and in id order, with keep-alives; ends when the client leaves."""
    from django_eventstream.utils import get_storage

    armazenamento: ArmazenamentoRedis = get_storage()
    # Reads run in the shared thread pool, not in a thread held by this request for the stream's whole life.
    ler = sync_to_async(armazenamento.ler, thread_sensitive=False)
    ouvinte = Listener()
    ouvinte.user_id = usuario_id
    ouvinte.channels = {canal}
    ouvinte.assign_loop()
    gerenciador.add_listener(ouvinte)
    marca = None
    try:
        # The opening goes with the first read: once the browser sees it, every later event reaches it (an event
        # sent between an earlier opening and the first read fell before the stream's starting point).
        abertura = ABERTURA
        while True:
            # Catch up from storage, up to the counter.
            while True:
                try:
                    leitura = await ler(canal, ultimo, LIMITE_LEITURA)
                except Exception as exc:
                    # The browser reconnects by itself, with its last id; nothing is lost.
                    logger.warning("Atualizações ao vivo: leitura do Redis falhou (%s); fluxo encerrado.", exc)
                    return
                corpo, abertura = abertura, ""
                if ultimo is None:
                    ultimo, marca = leitura.atual, leitura.marca
                elif (marca is not None and leitura.marca != marca) or leitura.atual < ultimo:
                    # Redis lost its data (restarted without persistence): the ids start again from 1, and
                    # what the page shows may be stale. It is told, then gets the new data from the start.
                    marca, ultimo = leitura.marca, 0
                    yield corpo + _recomeco(canal, ultimo)
                    continue
                else:
                    marca = leitura.marca
                    primeiro = leitura.eventos[0].id if leitura.eventos else leitura.atual + 1
                    if primeiro != ultimo + 1 and leitura.atual > ultimo:
                        # Expired (events are kept 24 hours): the page is told that it missed some.
                        ultimo = primeiro - 1
                        corpo += _recomeco(canal, ultimo)
                    for evento in leitura.eventos:
                        ultimo = evento.id
                        corpo += _evento(canal, evento.type, evento.data, ultimo)
                if corpo:
                    yield corpo
                if ultimo >= leitura.atual:
                    break

            # Caught up: wait for pub/sub.
            while True:
                while not ouvinte.aevent.is_set():
                    # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a cancellation that comes
                    # with the event (a client leaving while events flow), and the stream then ran on forever.
                    try:
                        async with asyncio.timeout(MANTER_VIVO):
                            await ouvinte.aevent.wait()
                    except TimeoutError:
                        yield MANTIDO
                with gerenciador.lock:
                    itens = ouvinte.channel_items.get(canal, [])
                    reler, erro = ouvinte.overflow, ouvinte.error
                    ouvinte.channel_items, ouvinte.overflow = {}, False
                    ouvinte.aevent.clear()
                corpo = ""
                for evento in itens:
                    numero = int(evento.id) if evento.id is not None else None
                    if numero is None or numero <= ultimo:
                        continue
                    if numero != ultimo + 1:
                        reler = True
                        break
                    ultimo = numero
                    corpo += _evento(canal, evento.type, evento.data, ultimo)
                if corpo:
                    yield corpo
                if erro:
                    yield sse_encode_error(erro["condition"], erro["text"], extra=erro.get("extra"))
                    return
                if reler:
                    break
    finally:
        ouvinte.aevent.set()
        gerenciador.remove_listener(ouvinte)
