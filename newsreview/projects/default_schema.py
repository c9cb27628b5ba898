"""The default Arabic-news label schema (FORMATS.md §10): Wojood entity keys, ACE 2005
event and role keys."""

DEFAULT_SCHEMA_NAME = "Arabic news (Wojood + ACE)"

# key, Arabic, English, shortcut, colour
ENTITIES = [
    ("PERS", "شخص", "Person", "p", "#F4A6A6"),
    ("ORG", "منظمة / مؤسسة", "Organisation", "o", "#9EC5FE"),
    ("OCC", "منصب / مهنة", "Occupation / title", "j", "#FFD8A8"),
    ("GPE", "كيان جغرافي سياسي", "Geo-political entity", "g", "#B2F2BB"),
    ("LOC", "موقع جغرافي", "Location", "l", "#C3FAE8"),
    ("FAC", "منشأة", "Facility", "f", "#D0BFFF"),
    (
        "NORP",
        "جماعة (جنسية، دينية، سياسية)",
        "Group (nationality, religion, politics)",
        "n",
        "#FFC9E9",
    ),
    ("EVENT", "حدث مسمى", "Named event", "e", "#E9ECEF"),
    ("DATE", "تاريخ", "Date", "d", "#FFEC99"),
    ("TIME", "وقت", "Time", "t", "#FFF3BF"),
    ("MONEY", "مبلغ مالي", "Money", "m", "#D3F9D8"),
    ("WEAPON", "سلاح", "Weapon", "w", "#FFA8A8"),
    ("VEHICLE", "مركبة", "Vehicle", "v", "#A5D8FF"),
    ("CRIME", "جريمة / تهمة", "Crime / charge", "c", "#EEBEFA"),
]

ROLE_NAMES = {
    "PARTICIPANT": ("مشارك", "Participant"),
    "PLACE": ("المكان", "Place"),
    "TIME": ("الزمان", "Time"),
    "ARTIFACT": ("المنقول", "Thing or person moved"),
    "AGENT": ("الفاعل", "Agent"),
    "ORIGIN": ("المنطلق", "Origin"),
    "DESTINATION": ("الوجهة", "Destination"),
    "VEHICLE": ("وسيلة النقل", "Vehicle"),
    "ATTACKER": ("المهاجم", "Attacker"),
    "TARGET": ("الهدف", "Target"),
    "INSTRUMENT": ("الأداة", "Instrument"),
    "ENTITY": ("الجهة", "Entity"),
    "PERSON": ("الشخص", "Person"),
    "CRIME": ("الجرم", "Crime"),
    "DEFENDANT": ("المتهم", "Defendant"),
    "PROSECUTOR": ("جهة الاتهام", "Prosecutor"),
    "ADJUDICATOR": ("الجهة القضائية", "Adjudicator"),
    "VICTIM": ("الضحية", "Victim"),
    "POSITION": ("المنصب", "Position"),
}

PLACE = ("PLACE", ["GPE", "LOC", "FAC"])
TIME = ("TIME", ["DATE", "TIME"])

# Roles that may take several arguments (declared `ROLE+` in brat's annotation.conf).
MULTIPLE_ROLES = {
    "PARTICIPANT",
    "ARTIFACT",
    "ATTACKER",
    "TARGET",
    "ENTITY",
    "PERSON",
    "DEFENDANT",
    "VICTIM",
    "AGENT",
    "CRIME",
}

# key, Arabic, English, shortcut, colour, roles
EVENTS = [
    (
        "CONTACT_MEET",
        "لقاء / اجتماع",
        "Meeting",
        "1",
        "#1971C2",
        [("PARTICIPANT", ["PERS", "ORG", "GPE", "NORP"]), PLACE, TIME],
    ),
    (
        "CONTACT_PHONE_WRITE",
        "اتصال / مراسلة",
        "Call or correspondence",
        "2",
        "#1098AD",
        [("PARTICIPANT", ["PERS", "ORG", "GPE"]), TIME],
    ),
    (
        "MOVEMENT_TRANSPORT",
        "تنقل / زيارة",
        "Travel / transport",
        "3",
        "#2F9E44",
        [
            ("ARTIFACT", ["PERS", "ORG", "WEAPON", "VEHICLE"]),
            ("AGENT", ["PERS", "ORG", "GPE"]),
            ("ORIGIN", ["GPE", "LOC", "FAC"]),
            ("DESTINATION", ["GPE", "LOC", "FAC"]),
            ("VEHICLE", ["VEHICLE"]),
            TIME,
        ],
    ),
    (
        "AGREEMENT",
        "اتفاق / تعاون",
        "Agreement / cooperation (not ACE)",
        "4",
        "#5C940D",
        [("PARTICIPANT", ["PERS", "ORG", "GPE"]), PLACE, TIME],
    ),
    (
        "CONFLICT_ATTACK",
        "هجوم",
        "Attack",
        "5",
        "#C92A2A",
        [
            ("ATTACKER", ["PERS", "ORG", "GPE", "NORP"]),
            ("TARGET", ["PERS", "ORG", "GPE", "FAC", "LOC", "VEHICLE"]),
            ("INSTRUMENT", ["WEAPON", "VEHICLE"]),
            PLACE,
            TIME,
        ],
    ),
    (
        "CONFLICT_DEMONSTRATE",
        "مظاهرة / احتجاج",
        "Demonstration",
        "6",
        "#E8590C",
        [("ENTITY", ["PERS", "ORG", "NORP"]), PLACE, TIME],
    ),
    (
        "JUSTICE_ARREST_JAIL",
        "اعتقال / إيداع السجن",
        "Arrest / jail",
        "7",
        "#862E9C",
        [
            ("PERSON", ["PERS"]),
            ("AGENT", ["PERS", "ORG", "GPE"]),
            ("CRIME", ["CRIME"]),
            PLACE,
            TIME,
        ],
    ),
    (
        "JUSTICE_CHARGE_INDICT",
        "اتهام / متابعة قضائية",
        "Charge / indictment",
        "8",
        "#5F3DC4",
        [
            ("DEFENDANT", ["PERS", "ORG"]),
            ("PROSECUTOR", ["PERS", "ORG", "GPE"]),
            ("ADJUDICATOR", ["PERS", "ORG"]),
            ("CRIME", ["CRIME"]),
            PLACE,
            TIME,
        ],
    ),
    (
        "JUSTICE_SENTENCE",
        "حكم قضائي",
        "Sentence",
        "9",
        "#364FC7",
        [
            ("DEFENDANT", ["PERS", "ORG"]),
            ("ADJUDICATOR", ["PERS", "ORG"]),
            ("CRIME", ["CRIME"]),
            PLACE,
            TIME,
        ],
    ),
    (
        "LIFE_DIE",
        "وفاة / مقتل",
        "Death",
        "0",
        "#495057",
        [
            ("VICTIM", ["PERS"]),
            ("AGENT", ["PERS", "ORG", "GPE"]),
            ("INSTRUMENT", ["WEAPON", "VEHICLE"]),
            PLACE,
            TIME,
        ],
    ),
    (
        "PERSONNEL_START_POSITION",
        "تعيين",
        "Appointment",
        "q",
        "#087F5B",
        [("PERSON", ["PERS"]), ("ENTITY", ["ORG", "GPE"]), ("POSITION", ["OCC"]), PLACE, TIME],
    ),
    (
        "PERSONNEL_END_POSITION",
        "إعفاء / انتهاء مهام",
        "Leaving a post",
        "y",
        "#A61E4D",
        [("PERSON", ["PERS"]), ("ENTITY", ["ORG", "GPE"]), ("POSITION", ["OCC"]), PLACE, TIME],
    ),
]

# The role an event of each type is not complete without (issue 12): who met, who moved,
# who was arrested…; ACE 2005 annotates the others only when the text names them.
REQUIRED_ROLES = {
    "CONTACT_MEET": {"PARTICIPANT"},
    "CONTACT_PHONE_WRITE": {"PARTICIPANT"},
    "MOVEMENT_TRANSPORT": {"ARTIFACT"},
    "AGREEMENT": {"PARTICIPANT"},
    "CONFLICT_ATTACK": {"TARGET"},
    "CONFLICT_DEMONSTRATE": {"ENTITY"},
    "JUSTICE_ARREST_JAIL": {"PERSON"},
    "JUSTICE_CHARGE_INDICT": {"DEFENDANT"},
    "JUSTICE_SENTENCE": {"DEFENDANT"},
    "LIFE_DIE": {"VICTIM"},
    "PERSONNEL_START_POSITION": {"PERSON"},
    "PERSONNEL_END_POSITION": {"PERSON"},
}

# Event attributes (issue 12): key, Arabic, English, allowed values (none: free text).
# realis is ACE/ERE's: did it happen, will it, did it not, or is it only supposed.
ATTRIBUTES = [
    (
        "realis",
        "الواقعية",
        "Realis",
        ["actual", "planned", "negated", "hypothetical"],
    ),
    ("note", "ملاحظة", "Note", []),
]
