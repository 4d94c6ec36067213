"""Sends live events from a process of its own, on the Redis of its environment (REDIS_URL):
`python -m tests.integracao.enviar_eventos <canal> <primeiro> <quantidade>` sends `quantidade` events of type
`teste` with data {"i": primeiro, ...}, one after another."""

import sys

import django


def main(canal: str, primeiro: int, quantidade: int) -> None:
    django.setup()
    from django_eventstream import send_event

    for i in range(primeiro, primeiro + quantidade):
        send_event(canal, "teste", {"i": i})


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
