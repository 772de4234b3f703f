"""A text field in a form where Enter moves on to the next field, losing no key.

Textual hands each key to the widget that has focus when the app reads it, through
that widget's own queue, and an ``Input`` acts on Enter only once the key has gone
round as a binding. A student who types their name, Enter and their join code in one
go, on a served session that is busy, has the code read while the name field still
has focus: the code ends up in the name. This field moves focus the moment it handles
Enter, and passes any key still queued for it on to wherever focus is now.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class FormField(Input):
    """An ``Input`` whose Enter moves focus to ``then`` (a selector) at once."""

    def __init__(self, *, then: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.then = then

    async def _on_key(self, event: events.Key) -> None:
        focused = self.screen.focused
        if focused is not None and focused is not self:
            # Read while this field had focus, handled after Enter moved it on.
            event.stop()
            event.prevent_default()
            focused._forward_event(events.Key(event.key, event.character))
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            if self.then is not None:
                self.screen.set_focus(self.screen.query_one(self.then))
            await self.action_submit()
        # Otherwise Input's own ``_on_key`` runs next: Textual calls each class's in turn.
