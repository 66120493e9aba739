"""The people and asks of the demo community (``exchange demo``), as plain data.

Twelve members across timezones, one of them a moderator; six confirmed helps (most thanked),
one ask in progress with a conversation, and a handful of open asks. Times are weekly slots in
each member's own timezone: ``(weekday 0=Monday, "HH:MM", "HH:MM")``.
"""

from __future__ import annotations

from dataclasses import dataclass

WEEKDAYS = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    timezone: str
    skills: tuple[str, ...]
    bio: str
    slots: tuple[tuple[int, str, str], ...] = ()
    role: str = "member"
    area: str | None = None
    capacity: int = 2


@dataclass(frozen=True)
class Ask:
    author: str
    title: str
    minutes: int
    tags: tuple[str, ...] = ()
    details: str = ""
    helper: str | None = None
    confirm: bool = False
    actual: int | None = None
    messages: tuple[tuple[str, str], ...] = ()
    thanks: tuple[str, str] | None = None
    window_days: tuple[int, int] | None = None
    mode: str = "online"
    area: str | None = None


def every(days: tuple[int, ...], start: str, end: str) -> tuple[tuple[int, str, str], ...]:
    return tuple((d, start, end) for d in days)


PEOPLE = (
    Person("maya", "Maya Okafor", "Europe/London", ("writing", "editing", "careers"),
           "Editor by day. Happy to read one paragraph or a whole cover letter.",
           every(WEEKDAYS, "18:00", "20:00"), role="moderator", capacity=3),
    Person("tomas", "Tomás Rivera", "Europe/Berlin", ("python", "data", "statistics"),
           "Data engineer. Ask me about pandas, SQL, or why your chart looks odd.",
           every((1, 3), "19:00", "21:30"), area="Kreuzberg, Berlin"),
    Person("priya", "Priya Raman", "Asia/Kolkata", ("statistics", "research", "books"),
           "PhD student in epidemiology; I keep a long list of friendly stats books.",
           every(WEEKDAYS, "07:00", "08:30")),
    Person("jonas", "Jonas Berg", "Europe/Berlin", ("cooking", "gardening", "bikes"),
           "Bakes bread, fixes bikes, grows too many tomatoes.",
           every(WEEKEND, "10:00", "13:00"), area="Kreuzberg, Berlin"),
    Person("amara", "Amara Mensah", "Africa/Accra", ("careers", "negotiation", "interviews"),
           "Recruiter for ten years. Twenty minutes on an offer can save you a year.",
           every((0, 2, 4), "12:00", "13:00")),
    Person("lee", "Lee Chen", "America/Los_Angeles", ("design", "css", "accessibility"),
           "Front-end developer who cares about contrast ratios.",
           every(WEEKDAYS, "17:30", "19:00")),
    Person("sofia", "Sofia Rossi", "Europe/Rome", ("italian", "languages", "travel"),
           "Teaches Italian; will happily chat slowly.",
           every((1, 2, 3), "20:00", "22:00")),
    Person("noah", "Noah Williams", "America/New_York", ("spreadsheets", "budgeting", "taxes"),
           "Accountant who likes a tidy spreadsheet more than is reasonable.",
           every(WEEKEND, "09:00", "11:00")),
    Person("hana", "Hana Sato", "Asia/Tokyo", ("photography", "design"),
           "Photographer. I can help you find the light in a dim room.",
           every((5,), "14:00", "18:00")),
    Person("ravi", "Ravi Patel", "Europe/Dublin", ("linux", "networking", "python"),
           "Sysadmin. SSH keys, home networks, the printer that won't print.",
           every(WEEKDAYS, "12:30", "13:30") + every(WEEKEND, "10:00", "12:00")),
    Person("ellen", "Ellen Murphy", "Australia/Sydney", ("writing", "parenting", "books"),
           "Mum of two, children's book reviewer, recovering perfectionist.",
           every((0, 3), "20:30", "21:30")),
    Person("kofi", "Kofi Asante", "America/Toronto", ("music", "guitar", "careers"),
           "Music teacher changing careers into UX research.",
           every((2, 5), "18:00", "20:00")),
)

MODERATOR = "maya"

ASKS = (
    Ask("ellen", "Recommend a beginner book on statistics", 10, ("statistics", "books"),
        "I'd like to understand the numbers in school reports. Friendly, not a textbook.",
        helper="priya", confirm=True,
        messages=(("priya", "Try 'The Art of Statistics' by Spiegelhalter - stories first, "
                   "formulas later."),
                  ("ellen", "Perfect, ordered it from the library!")),
        thanks=("Exactly the kind of book I was hoping for.",
                "I finally understood what a confidence interval is.")),
    Ask("kofi", "Second pair of eyes on one paragraph of my cover letter", 15,
        ("writing", "careers"), "It's the opening paragraph for a UX research role. "
        "Done = it sounds like me, only clearer.",
        helper="maya", confirm=True,
        messages=(("maya", "Lead with the classroom research you did - that's your hook."),),
        thanks=("Thank you - it reads like me now, only braver.",
                "I sent it the same evening and got an interview.")),
    Ask("lee", "15 minutes to talk through a job offer decision", 15, ("careers", "negotiation"),
        "Two offers, one remote. I keep going in circles and need someone to ask good questions.",
        helper="amara", confirm=True, actual=25,
        thanks=("You asked the one question I was avoiding.",
                "I took the remote offer and negotiated a start date that works.")),
    Ask("priya", "Why does my pandas groupby double-count rows?", 30, ("python", "data"),
        "A merge before the groupby seems to duplicate things. Done = the totals match.",
        helper="tomas", confirm=True,
        messages=(("tomas", "Check for duplicate keys on the right side of the merge first."),
                  ("priya", "That was it - two rows per district. Thank you!")),
        thanks=("Saved me an evening of staring at the screen.", "")),
    Ask("sofia", "Sanity-check my monthly budget spreadsheet", 20, ("spreadsheets", "budgeting"),
        "Just want to know if the categories make sense before I start tracking.",
        helper="noah", confirm=True),
    Ask("hana", "Why does my sourdough come out flat?", 15, ("cooking",),
        "Third loaf, same pancake. Photos available.",
        helper="jonas", confirm=True,
        thanks=("The fridge trick worked - my loaf has a proper ear now!",
                "Weekend baking is fun again.")),
    Ask("jonas", "Walk me through setting up SSH keys for my home server", 20,
        ("linux", "networking"), "Done = I can log in from my laptop without a password.",
        helper="ravi", window_days=(1, 5),
        messages=(("ravi", "Happy to! Saturday morning your time?"),
                  ("jonas", "Saturday at 10 works. I'll have the laptop ready."))),
    Ask("noah", "Practise ten minutes of Italian small talk", 10, ("italian", "languages"),
        "Off to Bologna next month. Very slow, very patient conversation please.",
        window_days=(2, 9)),
    Ask("lee", "Which of two logo sketches reads better small?", 10, ("design",),
        "Two versions attached; I need a gut reaction at favicon size."),
    Ask("amara", "Quick read of a short letter to my landlord", 10, ("writing",),
        "Asking for a repair. Done = polite, firm, under 150 words."),
    Ask("sofia", "Tips for photographing food in a dim kitchen", 15, ("photography",),
        "Phone camera only. I want my blog pictures to look less grey."),
    Ask("ravi", "Pick a first song to learn on guitar", 10, ("guitar", "music"),
        "Complete beginner, three chords so far."),
    Ask("jonas", "An extra pair of hands to carry a bookshelf upstairs", 20, (),
        "Second floor, no lift. Coffee and cake included.", window_days=(1, 6),
        mode="in_person", area="Kreuzberg, Berlin"),
)
