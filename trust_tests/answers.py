"""What every answer parser reads: the model's own turn, lower-cased with typographic apostrophes
made plain. Pure text, no model."""

from __future__ import annotations

import re

# Where the model's turn is over: an end-of-turn token left in the text (a run that did not stop at
# the model's end of sequence, as in DecodingTrust's stored mpt-7b-chat generations, goes on with
# unrelated web text), or the model writing the next speaker's turn itself.
_TURN_END = re.compile(r"<\|(?:im_end|endoftext|eot_id|eom_id|end)\|>|</s>|\[/?inst\]|"
                       r"\n\s*(?:#+\s*)?(?:human|user|instruction)\s*:", re.IGNORECASE)


def own_turn(text: str) -> str:
    """The answer up to where the model's turn ends, lower-cased, ’ as '."""
    return _TURN_END.split(text, 1)[0].lower().replace("’", "'")

