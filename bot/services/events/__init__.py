"""Events: the librarians' YAML, iCalendar feeds and DPL CMS, merged, de-duplicated and queried.

model     Event, the vocabulary of categories and audiences
files     events/*.yaml and feeds/*.ics in the knowledge folder (kb check validates them)
ics       iCalendar feeds, recurrences expanded per question
dplcms    the DPL CMS REST API: /api/v1/events and /api/v1/opening_hours
merge     one event from several sources
remote    the last good data of the remote sources, refreshed by scheduler/events.py
catalog   all of it, per question
query     filters, ordering, and the nearest offers when nothing matches
"""

from bot.services.events.catalog import EventCatalog
from bot.services.events.model import AUDIENCES, CATEGORIES, Event, EventState, Source
from bot.services.events.query import EventQuery, nearest, select
from bot.services.events.remote import RemoteEvents

__all__ = [
    "AUDIENCES",
    "CATEGORIES",
    "Event",
    "EventCatalog",
    "EventQuery",
    "EventState",
    "RemoteEvents",
    "Source",
    "nearest",
    "select",
]
