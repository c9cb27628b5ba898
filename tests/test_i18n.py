"""The Arabic translation: pages switch to Arabic and right-to-left, the document text keeps
its own direction in either language, and the catalogue is complete, compiled and keeps
every placeholder and key name."""

import gettext
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LOCALE_DIR = Path(settings.LOCALE_PATHS[0]) / "ar" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"
AR_PLURALS = (
    "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
    "n%100>=11 && n%100<=99 ? 4 : 5;"
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# Key names stay Latin in the Arabic text: they are what is printed on the keyboard.
# ("Delete" is left out: in the catalogue it is the verb on a button, translated.)
KEY_NAMES = ("Ctrl", "Shift", "Alt", "Tab", "Backspace", "Esc")
HTML_RTL = '<html lang="ar" dir="rtl">'
HTML_LTR = '<html lang="en" dir="ltr">'


@pytest.fixture(autouse=True)
def _back_to_english():
    """LocaleMiddleware activates Arabic on this thread; later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int | None, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def read_po(path: Path) -> list[Entry]:
    """A small .po reader: enough for Django's makemessages output (no msgctxt, no obsolete)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgid_plural|msgid|msgstr(?:\[(\d)\])?) (".*")$', line)
        if match:
            keyword, index, literal = match.groups()
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index) if index is not None else None)
                current.msgstr[target[1]] = ""
            else:
                target = (keyword, None)
            _append(current, target, json.loads(literal))
        elif line.startswith('"') and target is not None:
            _append(current, target, json.loads(line))
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    return entries


def _append(entry: Entry, target: tuple[str, int | None], text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] += text
    elif name == "msgid":
        entry.msgid += text
    else:
        entry.msgid_plural = (entry.msgid_plural or "") + text


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    entries = read_po(PO_PATH)
    assert entries[0].msgid == "", "the .po must start with its header"
    return entries


def messages(catalogue: list[Entry]) -> list[Entry]:
    return catalogue[1:]


# --- pages ------------------------------------------------------------------------------


def test_setlang_switches_the_login_page_to_arabic_and_right_to_left(client):
    response = client.post(
        reverse("set_language"), {"language": "ar", "next": reverse("accounts:login")}, follow=True
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert HTML_RTL in page
    assert "<h1>تسجيل الدخول</h1>" in page
    assert "اسم المستخدم" in page
    assert "كلمة المرور" in page
    assert "نسيت كلمة المرور؟" in page
    # The switcher now offers the way back, labelled in English.
    assert 'value="en" class="link-button" lang="en">English</button>' in page


def test_the_language_choice_persists_across_pages(client, annotator):
    client.force_login(annotator)
    client.post(reverse("set_language"), {"language": "ar", "next": "/"})

    page = client.get(reverse("projects:project-list")).content.decode()

    assert HTML_RTL in page
    assert "<h1>المشاريع</h1>" in page


def test_login_page_stays_english_and_left_to_right_without_a_choice(client):
    page = client.get(reverse("accounts:login")).content.decode()

    assert HTML_LTR in page
    assert "<h1>Log in</h1>" in page
    assert 'lang="ar">العربية</button>' in page


def test_project_list_in_arabic_counts_documents_with_the_arabic_singular(
    client, annotator, seed_document
):
    client.force_login(annotator)

    page = client.get(reverse("projects:project-list"), headers={"Accept-Language": "ar"})

    text = page.content.decode()
    assert HTML_RTL in text
    assert "<h1>المشاريع</h1>" in text
    assert "مستند واحد" in text
    assert "1 document" not in text
    assert "تسجيل الخروج" in text


def test_document_list_in_arabic(client, annotator, seed_document):
    client.force_login(annotator)

    page = client.get(
        reverse("documents:document-list", args=[seed_document.project.slug]),
        headers={"Accept-Language": "ar"},
    ).content.decode()

    assert HTML_RTL in page
    assert "البحث في المستندات" in page
    assert 'placeholder="ابحث في العنوان أو النص…"' in page
    assert "حالتك" in page
    assert "لم يبدأ" in page
    assert ">توسيم</a>" in page
    assert "سُلِّم 0 من أصل 1 من المستندات" in page


def _document_article(page: str) -> str:
    match = re.search(r'<article class="document document--annotate"[^>]*>', page)
    assert match, "the annotate page has no document text container"
    return match.group(0)


def test_annotate_page_in_arabic_is_right_to_left_with_arabic_controls(
    client, annotator, seed_document
):
    client.force_login(annotator)
    url = reverse("annotations:annotate", args=[seed_document.project.slug, seed_document.pk])

    response = client.get(url, headers={"Accept-Language": "ar"})

    page = response.content.decode()
    assert response.status_code == 200
    assert HTML_RTL in page
    for arabic in (
        "اختصارات لوحة المفاتيح",
        ">تراجع</button>",
        ">إعادة</button>",
        ">تسليم</button>",
        "الكيانات",
        "الأحداث",
        "نص المستند: حدِّد نصًا ثم اضغط مفتاح وسم",
        "حذف التوسيم المحدَّد",
    ):
        assert arabic in page, arabic
    # Key names keep their Latin spelling next to the Arabic explanations.
    assert "<kbd>Ctrl</kbd>+<kbd>Z</kbd>" in page
    assert "(ومع Ctrl: كلمةً كلمة)" in page
    assert "Keyboard shortcuts" not in page
    article = _document_article(page)
    assert 'lang="ar"' in article
    assert 'dir="rtl"' in article


def test_annotate_page_in_english_is_left_to_right_but_the_arabic_text_stays_rtl(
    client, annotator, seed_document
):
    client.force_login(annotator)
    url = reverse("annotations:annotate", args=[seed_document.project.slug, seed_document.pk])

    page = client.get(url, headers={"Accept-Language": "en"}).content.decode()

    assert HTML_LTR in page
    assert "Keyboard shortcuts" in page
    assert "اختصارات لوحة المفاتيح" not in page
    article = _document_article(page)
    assert 'lang="ar"' in article
    assert 'dir="rtl"' in article


def test_error_messages_from_services_are_translated():
    with translation.override("ar"):
        assert translation.gettext("There is nothing to undo.") == "لا يوجد ما يمكن التراجع عنه."
        assert (
            translation.gettext("There is no label “%(key)s” in this project's schema.")
            % {"key": "PERS"}
            == "لا يوجد وسم «PERS» في مخطط هذا المشروع."
        )


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "لا مقاطع"),
        (1, "مقطع واحد"),
        (2, "مقطعان"),
        (3, "3 مقاطع"),
        (10, "10 مقاطع"),
        (11, "11 مقطعًا"),
        (99, "99 مقطعًا"),
        (100, "100 مقطع"),
        (103, "103 مقاطع"),
    ],
)
def test_arabic_plural_forms_pick_the_right_noun_form(n, expected):
    with translation.override("ar"):
        text = translation.ngettext("%(n)s span", "%(n)s spans", n) % {"n": n}

    assert text == expected


# --- the catalogue ----------------------------------------------------------------------


def test_po_header_declares_arabic_and_its_six_plural_forms(catalogue):
    header = catalogue[0].msgstr[None]

    assert "Language: ar\n" in header
    assert "charset=UTF-8" in header
    assert f"Plural-Forms: {AR_PLURALS}\n" in header
    assert "fuzzy" not in catalogue[0].flags


def test_po_has_no_untranslated_or_fuzzy_entries(catalogue):
    problems = []
    for entry in messages(catalogue):
        if "fuzzy" in entry.flags:
            problems.append(f"line {entry.line}: fuzzy {entry.msgid!r}")
        expected = range(6) if entry.msgid_plural is not None else [None]
        if sorted(entry.msgstr, key=lambda k: -1 if k is None else k) != list(expected):
            problems.append(f"line {entry.line}: wrong msgstr forms for {entry.msgid!r}")
        elif not all(text.strip() for text in entry.msgstr.values()):
            problems.append(f"line {entry.line}: untranslated {entry.msgid!r}")

    assert len(messages(catalogue)) > 300
    assert problems == []


def test_po_translations_keep_every_placeholder(catalogue):
    problems = []
    for entry in messages(catalogue):
        wanted = set(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural is None:
            if set(PLACEHOLDER.findall(entry.msgstr[None])) != wanted:
                problems.append(entry.msgid)
            continue
        wanted |= set(PLACEHOLDER.findall(entry.msgid_plural))
        for index, text in entry.msgstr.items():
            found = set(PLACEHOLDER.findall(text))
            # Zero, one and two may spell the number out ("مقطعان"); from three on the
            # number is shown, so every placeholder must be there.
            if not found <= wanted or (index >= 3 and found != wanted):
                problems.append(f"{entry.msgid} [{index}]")

    assert problems == []


def test_po_translations_keep_html_and_key_names(catalogue):
    problems = []
    for entry in messages(catalogue):
        for text in entry.msgstr.values():
            for tag in re.findall(r"</?\w+>", entry.msgid):
                if tag not in text:
                    problems.append(f"{entry.msgid!r}: {tag}")
            for key in KEY_NAMES:
                if re.search(rf"\b{key}\b", entry.msgid) and key not in text:
                    problems.append(f"{entry.msgid!r}: {key}")

    assert problems == []


def test_compiled_mo_matches_the_po(catalogue):
    """CI does not compile messages: the committed .mo must be rebuilt after editing the .po."""
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    stale = []
    for entry in messages(catalogue):
        if entry.msgid_plural is None:
            if compiled.gettext(entry.msgid) != entry.msgstr[None]:
                stale.append(entry.msgid)
            continue
        for n, index in ((0, 0), (1, 1), (2, 2), (5, 3), (11, 4), (100, 5)):
            if compiled.ngettext(entry.msgid, entry.msgid_plural, n) != entry.msgstr[index]:
                stale.append(f"{entry.msgid} [{index}]")

    assert stale == []
