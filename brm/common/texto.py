"""Text that came from outside (a robot's log line, its error message) made safe to show and to export."""

import re

# ANSI escape sequences: CSI (`ESC [ ... letter`, colours and cursor moves), OSC (`ESC ] ... BEL or ESC \\`)
# and the two-character ones (`ESC letter`).
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]")
# Other control characters (C0 but tab, DEL, C1) are made visible instead of passed on raw.
_CONTROLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def _visivel(casamento: re.Match) -> str:
    codigo = ord(casamento.group())
    # U+2400..U+241F are the Control Pictures of C0 (␀ ␇ ␊ ...), U+2421 is ␡; C1 has none: a replacement char.
    if codigo < 0x20:
        return chr(0x2400 + codigo)
    return "\u2421" if codigo == 0x7F else "\ufffd"


def texto_seguro(texto: str) -> str:
    """`texto` without ANSI sequences and with every other control character shown as a visible symbol.

    Tabs stay. A line break inside one log line becomes ␊, so a line is always one line.
    """
    return _CONTROLE.sub(_visivel, _ANSI.sub("", texto or ""))
