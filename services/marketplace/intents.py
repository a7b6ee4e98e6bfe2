"""An offline matcher for what a buyer's chat message is about, Russian and English.

`match_intent(text)` gives one `Intent`; `intent_scores(text)` the weighted evidence behind it.
No model and no network: the text is normalised (lowercase, ё→е, punctuation dropped, a few
common misspellings corrected with `difflib`), then each intent scores the sum of the weights of
its patterns (word stems and short phrases) that occur. A score below `THRESHOLD` is no evidence.

Decision rules, in order:

1. Text that addresses the bot rather than the seller ("ignore your instructions ...",
   "игнорируй инструкции ...") is OTHER: a person should read it.
2. THANKS only when the message is mainly thanks: it wins when no other intent has evidence at
   least as strong, and never when a contrast follows ("спасибо, но где заказ?" is
   WHERE_IS_ORDER). "Thanks in advance" / "заранее спасибо" is politeness, not thanks.
3. A cause beats the action it leads to: DEFECT and WRONG_SIZE beat RETURN whenever they have
   evidence ("размер не подошел, хочу вернуть" is WRONG_SIZE, "брак, верните деньги" is DEFECT),
   because their templates already offer the exchange or return.
4. Otherwise the highest score wins; ties go DEFECT, WRONG_SIZE, RETURN, WHERE_IS_ORDER (the
   more specific problem first; a late refund is a return question). Pre-sale questions (stock, which size to pick, shipping to a country)
   score for OTHER, and OTHER wins when it scores at least as high as the best intent.
5. Nothing at or above the threshold: OTHER.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from enum import StrEnum
from functools import lru_cache


class Intent(StrEnum):
    WHERE_IS_ORDER = "where-is-order"
    RETURN = "return"  # return or exchange
    WRONG_SIZE = "wrong-size"
    DEFECT = "defect"  # defect or damage
    THANKS = "thanks"
    OTHER = "other"


THRESHOLD = 1.0

_SIZE = r"(?:xxs|xs|s|m|l|xl|xxl|xxxl|[мсл]|хс|хл|\d{2}(?: ?5)?)"

_PATTERNS: dict[Intent, list[tuple[str, float]]] = {
    Intent.WHERE_IS_ORDER: [
        # Russian
        (r"\bгде\b", 1.0),
        (r"\bгде (?:\w+ ){0,2}(?:заказ|посылк|товар|доставк|покупк)", 2.5),
        (r"\bзаказ", 0.3),
        (
            r"\bкогда\b(?: \w+){0,3} (?:при[дш]|приед|приве|доставя|доставк|будет|отправ|получ|ждать)",
            2.0,
        ),
        (r"\bсрок\w* (?:\w+ )?доставк", 2.0),
        (r"\bдостав", 1.0),
        (r"\bстатус", 1.5),
        (r"\bтрек", 2.5),
        (r"отслеж", 2.0),
        (r"\bдолго\b", 1.0),
        (r"\bвез(?:ет|ете|ут|ли)\b", 1.0),
        (r"\bжду\b|\bждем\b|\bожида", 1.0),
        (r"\bсколько (?:\w+ )?ждать", 2.0),
        (r"\bне (?:при[шх]ел|пришл[аои]|доставил\w*|получил\w*|получаю|отправил\w*)", 2.0),
        (r"\bничего не (?:при|получ)", 1.0),
        (r"\bотправ(?:ил|лен|ят|ите|ка|ляете)", 1.5),
        (r"\bпвз\b|\bпункт\w* выдач", 0.7),
        (r"\bперенес", 1.0),
        (r"\bпотерял", 2.0),
        (r"\bзаказ\w*\b.*\bкогда\b|\bкогда\b.*\bзаказ", 1.0),
        (r"\bсобира(?:ется|ют)", 1.0),
        # English
        (r"\bwhere\b", 1.0),
        (
            r"\bwhere(?: s| is| are)?(?: \w+)? (?:order|parcel|package|stuff|item|delivery|shipment|things)",
            2.5,
        ),
        (r"\btrack", 2.5),
        (
            r"\btrack\w*(?: \w+)? (?:doesn t|does not|doesnt|isn t|isnt|not) (?:work|updat|show)",
            2.0,
        ),
        (r"\bdeliver(?:y|ed)?\b", 1.2),
        (r"\bship(?:ped|ping|ment)?\b", 1.2),
        (
            r"\bwhen\b(?: \w+){0,4} (?:arrive|come|ship|deliver|get here|be here|receive|dispatch|send)",
            2.0,
        ),
        (r"\blate\b|\bdelay", 1.5),
        (r"\bdispatch|\bin transit\b|\bstuck\b", 1.5),
        (r"\bprocessing\b|\bstill nothing\b|\bnot (?:here|yet)\b", 1.5),
        (r"\bupdate", 0.8),
        (r"\bstatus\b", 1.5),
        (r"\b(?:was |got |been )?lost\b", 2.0),
        (r"\bnot (?:received|arrived|delivered)|\bnothing at\b|\bnever (?:came|arrived)", 2.0),
        (r"\bpickup point\b|\bpick up point\b", 0.7),
    ],
    Intent.RETURN: [
        # Russian
        (r"\bвозвр|\bвозрат|\bвозращ", 2.5),
        (r"\bверн(?:уть|ут|ите|и|у|ем|ете)\b|\bвернуть", 2.5),
        (r"\bобмен|\bпомен(?:ять|яю|яйте|яете)|\bзамен", 2.0),
        (r"\bденьг|\bденег|\bсредств", 1.5),
        (r"\bотказ(?:аться|ываюсь|алась|ался)|\bотмен", 2.0),
        (r"\bпередумал", 2.0),
        (r"\bсдать\b|\bобратно\b", 1.5),
        (r"\bне (?:пригодил|нужен|нужна|нужно|понравил|подходит по цвету)", 1.5),
        # English
        (r"\breturn", 2.5),
        (r"\brefund", 2.5),
        (r"\bexchange|\bswap|\breplace", 2.0),
        (r"\bmoney back\b|\bsend (?:it|this|them) back\b|\bcancel", 2.5),
        (r"\bchanged my mind\b", 2.0),
    ],
    Intent.WRONG_SIZE: [
        # Russian
        (r"\bразмер", 0.8),
        (
            r"\bразмер\w* не (?:подош|подход|соответ|тот|совпад)|\bне (?:мой|тот|подошел) размер",
            3.0,
        ),
        (r"\bв размер не\b|\bне в размер\b", 3.0),
        (r"маломер|большемер|\bмаловат|\bвеликоват|\bмал[аоы]?\b|\bвелик[аои]?\b", 2.0),
        (r"\bжм(?:ут|ет)\b|\bне налез|\bне сел[аои]?\b|\bв обтяжку\b|\bтесн|\bузк", 2.0),
        (r"\bкоротк|\bдлинн|\bдлинее", 1.5),
        (r"\bогромн(?:ая|ый|ые|ой|ым)\b|\bкрошечн|\bне влез|\bне застег", 2.0),
        (r"\bна (?:\w+ )?размер\w* (?:больше|меньше)", 2.0),
        (rf"\b(?:заказ\w*|брал\w*|взял\w*) (?:\w+ )?{_SIZE}\b", 2.0),
        # English
        (r"\bsiz(?:e|es|ing)\b", 0.8),
        (r"\btoo (?:small|big|large|tight|loose|short|long|narrow|wide)\b", 3.0),
        (r"\b(?:doesn t|does not|didn t|dont|don t|doesnt|didnt|not) fit", 3.0),
        (
            r"\bwrong size\b|\bsize (?:up|down)\b|\b(?:bigger|smaller|larger) size\b|\bruns (?:small|big|large)\b|\bhalf a size\b",
            3.0,
        ),
        (r"\btight\b|\bloose\b|\bhuge on\b|\btiny on\b", 2.0),
        (r"\bcan t (?:even )?(?:get|put) (?:my |it |them )?(?:\w+ )?(?:in|on)\b", 2.0),
        (rf"\bordered (?:a |an |size )?{_SIZE} (?:got|received|came|but)", 2.5),
    ],
    Intent.DEFECT: [
        # Russian
        (r"\bбрак", 3.0),
        (
            r"разбит|\bбит(?:ый|ая|ое)\b|слома|поломк|\bтрещ|тресн|царапин|поцарап|\bскол(?:ы|ом|а)?\b|отколо|вмятин",
            2.5,
        ),
        (r"\bдыр|порван|порвал|разош(?:ел|лись|лась)|поврежд|испорч|протек|отвал|оторва", 2.5),
        (r"\bне (?:работа|включа|заряжа|греет|крут|запуска|игра|звуч|горит|светит)", 2.5),
        (
            r"\bпятн(?:о|а|ы|ом|ами|ах)?\b|\bв пятнах\b|\bплесен|\bотслаива|\bоблез|\bпогнут|затяжк|полинял|линяет|катышк|нитки торчат|\bмят(?:ая|ый|ое|ые)\b",
            2.5,
        ),
        (r"\bне хватает\b|\bнекомплект|\bнет в комплекте", 2.0),
        (r"\bзапах", 1.0),
        # English
        (
            r"\bbroken\b|\bbroke\b|\bdamag|\bcrack|\bscratch|\bdent(?:ed|s)?\b|\bshatter|\bsmash|\bchipped\b",
            2.5,
        ),
        (
            r"\bhole\b|\btorn\b|\bripped\b|\bcame apart\b|\bfell apart\b|\bstain|\bbled\b|\bleak",
            2.5,
        ),
        (
            r"\bdefect|\bfaulty\b|\bstopped working\b|\bnot (?:working|charging|turning on)\b|\bdead on arrival\b",
            2.5,
        ),
        (r"\bpeel|\bbent\b|\bwobbl|\bmold|\bmould", 2.0),
        (
            r"\b(?:doesn t|does not|doesnt|won t|wont|will not) (?:work|charge|turn on|switch on|start)",
            2.0,
        ),
        (r"\bmissing (?:parts|pieces|part|piece|screws)\b|\bincomplete\b", 2.5),
    ],
    Intent.THANKS: [
        (r"спасиб|\bспс\b|\bпасиб|благодар|\bсенкс", 2.0),
        (r"\bthank|\bthanks\b|\bthx\b|\bty\b|\bcheers\b|\bappreciat|\bthnx\b|\bthanx\b", 2.0),
        (r"\bсупер\b|\bотличн|\bкласс|\bдовольн|\bлучши|\bвопрос решен", 0.5),
        (r"\blove it\b|\bgreat\b|\bperfect\b|\bexcellent\b|\bproblem solved\b|\bawesome\b", 0.5),
    ],
    Intent.OTHER: [
        # Pre-sale questions that borrow the other intents' words.
        (r"\bкакой (?:\w+ )?(?:брать|выбрать|взять|подойдет)|\bразмерн\w* сетк", 3.0),
        (r"\bв наличии\b|\bпоступлени|\bпоступит", 3.0),
        (r"\bwhich size\b|\bwhat size (?:should|to|do)\b|\bsize chart\b", 3.0),
        (r"\bin stock\b|\brestock|\bavailable in\b", 3.0),
        (r"\bdo you (?:ship|deliver)\b|\bдоставляете (?:ли )?в\b|\bесть ли доставка\b", 3.0),
    ],
}

_INJECTION = re.compile(
    r"\bignore (?:all |any |your |the |previous |prior )*(?:instructions|rules|prompt)"
    r"|\b(?:you are|act as) (?:an? )?(?:ai|assistant|language model|chatgpt|gpt)\b"
    r"|\bsystem prompt\b"
    r"|\bигнорир\w* (?:\w+ )?(?:инструкц|правил|указани)"
    r"|\bзабудь (?:\w+ )?(?:инструкц|правил|указани)"
)
_POLITE_IN_ADVANCE = re.compile(
    r"\b(?:thanks|thank you|thx) in advance\b|\bзаранее (?:спасибо|благодар\w*)\b"
    r"|\b(?:спасибо|благодарю) заранее\b"
)
_CONTRAST = re.compile(r"\b(?:но|однако|только вот|а вот|but|however|though)\b")

_COMPILED: dict[Intent, list[tuple[re.Pattern[str], float]]] = {
    intent: [(re.compile(pattern), weight) for pattern, weight in patterns]
    for intent, patterns in _PATTERNS.items()
}

# Words buyers often misspell; a token close to one of these (difflib ratio >= 0.84) is read as it.
_VOCABULARY = (
    "заказ",
    "посылка",
    "доставка",
    "возврат",
    "обменять",
    "размер",
    "маломерит",
    "большемерит",
    "спасибо",
    "благодарю",
    "сломался",
    "сломалась",
    "разбитый",
    "разбитое",
    "поврежден",
    "повреждено",
    "бракованный",
    "царапина",
    "отправили",
    "отслеживается",
    "здравствуйте",
    "parcel",
    "package",
    "delivery",
    "delivered",
    "tracking",
    "return",
    "refund",
    "exchange",
    "broken",
    "damaged",
    "defective",
    "scratched",
    "thanks",
    "thank",
)
_VOCABULARY_SET = frozenset(_VOCABULARY)


@lru_cache(maxsize=4096)
def _correct(token: str) -> str:
    if len(token) < 5 or token in _VOCABULARY_SET or token.isdigit():
        return token
    close = difflib.get_close_matches(token, _VOCABULARY, n=1, cutoff=0.84)
    return close[0] if close else token


def normalize(text: str) -> str:
    """Lowercase, ё→е, punctuation and symbols to spaces, common misspellings corrected."""
    lowered = unicodedata.normalize("NFKC", text).lower().replace("ё", "е")
    cleaned = "".join(char if char.isalnum() else " " for char in lowered)
    return " ".join(_correct(token) for token in cleaned.split())


def intent_scores(text: str) -> dict[Intent, float]:
    """The summed pattern weights per intent for `text` (every intent present, 0.0 for none)."""
    normalized = normalize(text)
    scores = {intent: 0.0 for intent in Intent}
    for intent, patterns in _COMPILED.items():
        for pattern, weight in patterns:
            if pattern.search(normalized):
                scores[intent] += weight
    if _POLITE_IN_ADVANCE.search(normalized):
        scores[Intent.THANKS] = 0.0
    return scores


def match_intent(text: str) -> Intent:
    """The buyer's intent for `text`; see the module docstring for the rules."""
    normalized = normalize(text)
    if not normalized or _INJECTION.search(normalized):
        return Intent.OTHER
    scores = intent_scores(text)
    evidence = {
        intent: score
        for intent, score in scores.items()
        if score >= THRESHOLD and intent is not Intent.OTHER
    }
    if not evidence:
        return Intent.OTHER
    thanks = evidence.pop(Intent.THANKS, 0.0)
    if not evidence:
        return Intent.THANKS
    best_other = max(evidence.values())
    if thanks > best_other and not _CONTRAST.search(normalized):
        return Intent.THANKS
    if Intent.DEFECT in evidence or Intent.WRONG_SIZE in evidence:
        evidence.pop(Intent.RETURN, None)
    # max() keeps the first of equal scores, so the order is the tie-break.
    order = (Intent.DEFECT, Intent.WRONG_SIZE, Intent.RETURN, Intent.WHERE_IS_ORDER)
    best = max((intent for intent in order if intent in evidence), key=evidence.__getitem__)
    if scores[Intent.OTHER] >= evidence[best]:
        return Intent.OTHER
    return best
