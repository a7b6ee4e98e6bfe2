"""An offline matcher for what a buyer's chat message is about, Russian and English.

`match_intent(text)` gives one `Intent`; `intent_scores(text)` the weighted evidence behind it.
No model and no network: the text is normalised (lowercase, ё→е, English contractions spelled
out as "not", punctuation dropped, a few misspellings of key words corrected conservatively), then
each intent scores the sum of the weights of its patterns (word stems and short constructions)
that occur. A score below `THRESHOLD` is no evidence.

Decision rules, in order:

1. Text that addresses the bot rather than the seller ("ignore your instructions ...",
   "игнорируй инструкции ...") is OTHER: a person should read it.
2. THANKS only when the message is mainly thanks: it wins when no other intent has evidence at
   least as strong, and never when a contrast follows it ("спасибо, но где заказ?" is
   WHERE_IS_ORDER, "спасибо, но пришло не то" is OTHER). "Thanks in advance" / "заранее
   спасибо" is politeness, not thanks.
3. A cause beats the action it leads to: DEFECT and WRONG_SIZE beat RETURN whenever they have
   evidence ("размер не подошел, хочу вернуть" is WRONG_SIZE, "брак, верните деньги" is DEFECT),
   because their templates already offer the exchange or return.
4. Otherwise the highest score wins; ties go DEFECT, WRONG_SIZE, RETURN, WHERE_IS_ORDER (the
   more specific problem first; a late refund is a return question). Pre-sale questions (stock,
   which size to pick, shipping costs or countries, "can I return it if it doesn't fit?", where a
   product is made) score for OTHER, and OTHER wins when it scores at least as high as the best
   intent.
5. Nothing at or above the threshold: OTHER.

A bare "где"/"where"/"доставка" is not enough for WHERE_IS_ORDER: it needs an order word
(заказ, посылка, order, parcel ...) or a "not arrived / still waiting / in transit" construction.
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
# Words that make "где"/"where"/"when" about an order rather than about a product.
_RU_ORDER = r"(?:заказ|посылк|товар|доставк|покупк|отправлени|трек)"
_EN_ORDER = r"(?:order|parcel|package|stuff|item|delivery|shipment|things|purchase|tracking)"
# A number of days, weeks ... is not a size ("заказ уже 10 дней").
_NOT_A_COUNT = r"(?! (?:дн|ден|недел|час|мин|раз|руб|шт|day|week|hour|min))"

_PATTERNS: dict[Intent, list[tuple[str, float]]] = {
    Intent.WHERE_IS_ORDER: [
        # Russian
        (r"\bгде\b", 0.5),
        (rf"\bгде\b(?: \w+){{0,3}} {_RU_ORDER}|\b{_RU_ORDER}\w*(?: \w+){{0,3}} где\b", 2.5),
        (r"\bзаказ", 0.3),
        (
            r"\bк[оа]гда\b(?: \w+){0,3} (?:при[дш]|приед|приве|доставя|доставит|отправ|получ"
            rf"|ждать|будет (?:\w+ )?(?:{_RU_ORDER}|в пвз|в пункт|у меня|доставлен))",
            2.0,
        ),
        (r"\bсрок\w* (?:\w+ )?доставк|\bдат\w* доставк", 2.0),
        (r"\bдостав", 0.5),
        (r"\bстатус", 1.5),
        (r"\bтрек", 2.5),
        (r"отслеж", 2.0),
        (r"\bдолго\b", 1.0),
        (r"\bвез(?:ет|ете|ут|ли)\b", 1.0),
        (r"\bжду\b|\bждем\b|\bожида", 1.0),
        (r"\bсколько (?:\w+ )?ждать", 2.0),
        (
            r"\bне (?:при[шх]ел|пришл[аои]|приех\w*|привез\w*|доставил\w*|доставлен\w*"
            r"|получил\w*|получаю|отправил\w*|отправлен\w*|доехал\w*|дошл\w*|дошел)",
            2.0,
        ),
        (r"\bничего не (?:при|получ)", 1.0),
        (r"\bотправ(?:ил|лен|ят|ите|ка|ляете)", 1.5),
        (r"\bпвз\b|\bпункт\w* выдач", 0.7),
        (r"\bкурьер", 0.7),
        (r"\bперенес", 1.0),
        (r"\bпотерял", 2.0),
        (r"\bзаказ\w*\b.*\bкогда\b|\bкогда\b.*\bзаказ", 1.0),
        (r"\bсобира(?:ется|ют)", 1.0),
        (r"\bв пути\b", 1.5),
        (rf"\bне (?:могу|можем|смог\w*) найти (?:\w+ )?{_RU_ORDER}", 2.0),
        (r"\bзастрял|\bзавис|\bне двига|\bстоит на месте|\bне обновля|\bне меня", 1.5),
        (r"\bсортировк|\bсортировоч", 1.0),
        (r"\bдо сих пор\b|\bтак и не\b|\bвсе еще\b|\bпо прежнему\b", 0.5),
        # English
        (r"\bwhere\b", 0.5),
        (rf"\bwhere(?: s| is| are)?(?: \w+){{0,2}} {_EN_ORDER}", 2.5),
        (r"\btrack", 2.5),
        (r"\btrack\w*(?: \w+){0,2} (?:not|never) (?:work|updat|show|load|move)", 2.5),
        (r"\bdeliver(?:y|ed|ing)?\b", 0.6),
        (r"\bdelivery (?:date|status|time|estimate)\b|\bestimated delivery\b", 2.0),
        (r"\bship(?:ped|ping|ment)?\b", 1.2),
        (
            r"\bwhen\b(?: \w+){0,4} (?:arrive|come|ship|deliver|get here|be here|receive"
            r"|dispatch|send|get (?:it|them|my|the|this|mine|our))",
            2.0,
        ),
        (r"\blate\b|\bdelay", 1.5),
        (r"\bdispatch|\bin transit\b|\bstuck\b", 1.5),
        (r"\bprocessing\b|\bstill nothing\b|\bnot (?:here|yet)\b", 1.5),
        (r"\bupdate", 0.8),
        (r"\bstatus\b", 1.5),
        (r"\b(?:was |got |been )?lost\b", 2.0),
        (
            r"\b(?:not|never) (?:yet )?(?:received|receive|arrived|arrive|delivered|come|came"
            r"|shown up|show up|showed up|turned up|got here)\b"
            r"|\bnothing (?:s |has )?(?:arrived|came|come|at)\b",
            2.0,
        ),
        (
            rf"\bnot (?:yet )?(?:get|got|gotten)(?: \w+){{0,2}} {_EN_ORDER}"
            r"|\bnot (?:yet )?(?:get|got|gotten) (?:it|them|anything)\b",
            2.0,
        ),
        (r"\bpickup point\b|\bpick up point\b|\bcourier\b", 0.7),
        (r"\bon (?:its|it s|the|their) way\b", 2.0),
        (
            rf"\b(?:news|updates?|info\w*|word)(?: \w+){{0,2}} (?:on|about|for|regarding|of)"
            rf" (?:my |the |our )?{_EN_ORDER}",
            2.5,
        ),
        (r"\bstill waiting\b|\bwaiting (?:for|on) (?:my|the|it|them|our)\b", 2.0),
        (r"\border\b", 0.3),
        (r"\bnot (?:moved|moving|updated|updating|changed)\b|\bno (?:movement|updates?)\b", 1.5),
        (rf"\b(?:can|could) not (?:find|locate) (?:my |the |our )?{_EN_ORDER}", 2.0),
        (
            r"\b(?:been|taking|takes) (?:forever|ages|so long|too long|over a week"
            r"|(?:\d+|two|three|four|several|many) (?:days|weeks))\b",
            1.0,
        ),
        (r"\bno (?:sign|trace|news|word) (?:of|on|about)\b", 2.0),
        (
            r"\b(?:did|have|has) (?:you|it|they|my \w+)(?: \w+)? (?:send|sent|ship|shipped|dispatch)"
            r"|\b(?:sent|shipped) (?:it |them |out )?(?:already|yet)\b",
            2.0,
        ),
    ],
    Intent.RETURN: [
        # Russian
        (r"\bвозвр|\bвозрат|\bвозращ", 2.5),
        (r"\bверн(?:ут|ите|и|у|ем|ете)\b|\bвернуть", 2.5),
        (r"\bобмен|\bпомен(?:ять|яю|яйте|яете)|\bзамен", 2.0),
        (r"\bденьг|\bденег|\bсредств", 1.5),
        (r"\bотказ(?:аться|ываюсь|алась|ался)|\bотмен", 2.0),
        (r"\bпередумал", 2.0),
        (r"\bсда(?:ть|л|ла|ли|м)\b|\bобратно\b", 1.5),
        (r"\bне (?:пригодил|нужен|нужна|нужно|понравил|подходит по цвету)", 1.5),
        # The refund's status: "когда придут деньги", "деньги так и не вернули".
        (
            r"\b(?:деньг|денег|средств|возврат)\w*(?: \w+){0,4}"
            r" (?:при[дш]|вернут|верну|поступ|зачисл|верн|нет\b)"
            r"|\b(?:когда|скоро ли|сколько (?:\w+ )?ждать)\b(?: \w+){0,4}"
            r" (?:деньг|денег|средств|возврат)",
            3.0,
        ),
        # English
        (r"\breturn", 2.5),
        (r"\brefund", 2.5),
        (r"\bexchange|\bswap|\breplace", 2.0),
        (r"\bmoney back\b|\bsend (?:it|this|them) back\b|\bcancel", 2.5),
        (r"\bchanged my mind\b", 2.0),
        (r"\b(?:brought|took|taken|sent|dropped) (?:it|them|the \w+|my \w+) (?:back|off)\b", 2.0),
        (
            r"\b(?:when|how long|still waiting|not (?:yet )?(?:received|got|get))\b(?: \w+){0,6}"
            r" (?:money|refund)|\b(?:money|refund)(?: \w+){0,4} (?:not (?:yet )?(?:come|arrived"
            r"|received|back|here)|still)\b",
            3.0,
        ),
    ],
    Intent.WRONG_SIZE: [
        # Russian
        (r"\bразмер", 0.8),
        (
            r"\bразмер\w* (?:\w+ )?не (?:подош|подход|соответ|тот|совпад)"
            r"|\bне (?:мой|тот|подошел|подошла|подходит) размер",
            3.0,
        ),
        (r"\bв размер не\b|\bне в размер\b", 3.0),
        (r"маломер|большемер|\bмаловат|\bвеликоват|\bмал[аоы]?\b|\bвелик[аои]?\b", 2.0),
        (r"\bжм(?:ут|ет)\b|\bне налез|\bне сел[аои]?\b|\bв обтяжку\b|\bтесн|\bузк", 2.0),
        (r"\bкоротк|\bдлинн|\bдлинее", 1.5),
        (r"\bогромн(?:ая|ый|ые|ой|ым)\b|\bкрошечн|\bне влез|\bне застег|\bне засун", 2.0),
        (
            r"\b(?:сидит|сидят|слишком|очень|сильно|великовато) свободн|\bсвободн\w* (?:в|на) \w+"
            r"|\bмешком\b|\bмешковат|\bболта(?:ется|ются)",
            2.0,
        ),
        (r"\bна (?:\w+ )?размер\w* (?:больше|меньше)|\bразмер\w* (?:по)?(?:больше|меньше)", 2.5),
        (rf"\b(?:заказ\w*|брал\w*|взял\w*) (?:размер\w* )?{_SIZE}\b{_NOT_A_COUNT}", 2.0),
        (rf"\b{_SIZE} вместо {_SIZE}\b|\bвместо {_SIZE} (?:пришел|пришла|прислали)", 3.0),
        # English
        (r"\bsiz(?:e|es|ing)\b", 0.8),
        (
            r"\btoo (?:small|big|large|tight|loose|short|long|narrow|wide|baggy|snug)\b"
            r"|\bfits? (?:a bit |very |too |really |way |quite )?(?:small|big|large|tight|loose"
            r"|short|long)\b",
            3.0,
        ),
        (r"\b(?:not|never) fit", 3.0),
        (
            r"\bwrong size\b|\bsize (?:up|down)\b|\b(?:bigger|smaller|larger) (?:size|one|pair)\b"
            r"|\bruns (?:small|big|large)\b|\bhalf a size\b",
            3.0,
        ),
        (r"\btight\b|\bloose\b|\bsnug\b|\bbaggy\b|\bhuge on\b|\btiny on\b", 2.0),
        (r"\bcan not (?:even )?(?:get|put) (?:my |it |them )?(?:\w+ )?(?:in|on)\b", 2.0),
        (rf"\bordered (?:a |an |size )?{_SIZE} (?:got|received|came|but)", 2.5),
        (rf"\b{_SIZE} instead of (?:a |an |size )?{_SIZE}\b", 3.0),
    ],
    Intent.DEFECT: [
        # Russian
        (r"\bбрак", 3.0),
        (
            r"разбит|\bбит(?:ый|ая|ое)\b|слома|поломк|\bтрещ|тресн|царапин|поцарап|\bскол(?:ы|ом|а)?\b"
            r"|отколо|вмятин",
            2.5,
        ),
        (r"\bдыр|порван|порвал|разош(?:ел|лись|лась)|поврежд|испорч|протек|отвал|оторва", 2.5),
        (
            r"\bне (?:работа|включа|заряжа|греет|крут|запуска|игра|звуч|горит|светит|подключ"
            r"|соедин|сопряга|коннект|видит|ловит|реагир|держит|печата)",
            2.5,
        ),
        (
            r"\bпятн(?:о|а|ы|ом|ами|ах)?\b|\bв пятнах\b|\bплесен|\bотслаива|\bоблез|\bпогнут|затяжк"
            r"|полинял|линяет|катышк|нитки торчат|\bмят(?:ая|ый|ое|ые)\b|\bпомят|\bсмят",
            2.5,
        ),
        (r"\bгрязн|\bиспачка|\bзапачка|\bв грязи\b", 2.5),
        (
            r"\bвоня|\bвонь|\bвонюч|\bзапах\w* (?:\w+ )?(?:хими|краск|резин|плесен|гар)|\bхимией",
            2.5,
        ),
        (r"\bмокр|\bпромок|\bразвод|\bотсырел", 2.0),
        (
            r"\bне хватает\b|\bнекомплект|\bнет в комплекте|\bне полностью\b"
            r"|\bнет (?:\w+ )?(?:детал|част|элемент|шуруп|винт|болт|кабел|провод|инструкци)",
            2.0,
        ),
        (r"\bзапах", 1.0),
        # English
        (
            r"\bbroken\b|\bbroke\b|\bdamag|\bcrack|\bscratch|\bdent(?:ed|s)?\b|\bshatter|\bsmash"
            r"|\bchipped\b|\bin pieces\b",
            2.5,
        ),
        (
            r"\bhole\b|\btorn\b|\bripped\b|\b(?:came|come|coming|fell|fall|falling) (?:apart|off"
            r"|undone)\b|\bstain|\bbled\b|\bleak",
            2.5,
        ),
        (
            r"\bdefect|\bfaulty\b|\bstopped working\b|\bnot (?:working|charging|turning on)\b"
            r"|\bdead on arrival\b",
            2.5,
        ),
        (r"\bpeel|\bbent\b|\bwobbl|\bmold|\bmould", 2.0),
        (
            r"\b(?:not|never) (?:work|charge|turn on|switch on|start|connect|pair|respond"
            r"|power on|boot|hold a charge)",
            2.5,
        ),
        (
            r"\bscreen\b(?: \w+){0,2} (?:black|blank|dead|flicker\w*|dark)\b|\bdead pixel"
            r"|\bblack screen\b",
            2.5,
        ),
        (r"\bstink|\bsmells? (?:bad|awful|terrible|weird|strange|of|like)\b", 2.5),
        (r"\bdirty\b|\bstained\b|\bsoaked\b|\bwet\b|\bmoldy\b", 2.5),
        (r"\bseams?\b", 1.0),
        (r"\bmissing (?:parts|pieces|part|piece|screws)\b|\bincomplete\b", 2.5),
    ],
    Intent.THANKS: [
        (r"спасиб|\bспс\b|\bпасиб|благодар|\bсенкс", 2.0),
        (r"\bthank|\bthx\b|\bty\b|\bcheers\b|\bappreciat|\bthnx\b|\bthanx\b", 2.0),
        # Plain satisfaction: "всё супер", "получил, всё хорошо", "everything's perfect".
        (
            r"\bвсе (?:\w+ )?(?:супер|отлично|хорошо|замечательно|прекрасно|идеально|класс|ок"
            r"|в порядке)\b|\bв восторге\b|\bочень (?:понравил|довольн)|\bвсе понравил"
            r"|\bрекомендую\b",
            1.5,
        ),
        (
            r"\beverything (?:s |is |was |looks |went |arrived )?(?:\w+ )?(?:fine|great|perfect"
            r"|good|ok|okay|fantastic|amazing)\b|\ball good\b|\blove (?:it|them)\b"
            r"|\bworks (?:great|perfectly|fine)\b|\bhappy with\b|\b(?:would|highly) recommend\b",
            1.5,
        ),
        (r"\bсупер\b|\bотличн|\bкласс|\bдовольн|\bлучши|\bвопрос решен", 0.5),
        (r"\bgreat\b|\bperfect\b|\bexcellent\b|\bproblem solved\b|\bawesome\b", 0.5),
    ],
    Intent.OTHER: [
        # Pre-sale questions that borrow the other intents' words.
        (r"\bкакой (?:\w+ )?(?:брать|выбрать|взять|подойдет)|\bразмерн\w* сетк", 3.0),
        (r"\bв наличии\b|\bпоступлени|\bпоступит", 3.0),
        (r"\bесть ли\b|\bбудет ли\b|\bбудут ли\b|\bdo you have\b", 1.0),
        (r"\bwhich size\b|\bwhat size (?:should|to|do)\b|\bsize chart\b", 3.0),
        (r"\bin stock\b|\brestock|\bavailable in\b", 3.0),
        (
            r"\bdo you (?:ship|deliver)\b|\bдоставляете (?:ли )?в\b|\bесть ли доставка\b"
            r"|\bдоставка (?:в|до) [а-я]+ есть\b",
            3.0,
        ),
        # What delivery costs, not where it is.
        (
            r"\bсколько стоит доставк|\bстоимост\w* доставк|\bдорог\w* (?:\w+ )?доставк"
            r"|\bдоставк\w* (?:\w+ )?дорог|\bhow much (?:is |does )?(?:the )?(?:shipping|delivery)"
            r"|\b(?:shipping|delivery) (?:cost|fee|price|charge)",
            3.0,
        ),
        # Where a product comes from, where to find a manual or leave a review.
        (
            r"\bгде\b(?: \w+){0,3} (?:произв|сделан|изготов|инструкц|оставить отзыв)"
            r"|\bwhere\b(?: \w+){0,4} (?:made|manufactured|produced|from|manual|instructions"
            r"|review)\b|\bmade in\b",
            3.0,
        ),
        # A condition about a purchase not yet made: "можно ли вернуть, если не подойдет?".
        (
            r"\bесли (?:\w+ )?не (?:подойдет|подойдут|понравится|понравятся|подходит|подойти)"
            r"|\bif (?:it|they|the \w+) (?:does not|do not|will not) (?:fit|suit|work)\b",
            3.0,
        ),
        (
            r"\b(?:перед покупкой|до покупки|планирую (?:купить|заказать)|собираюсь (?:купить"
            r"|заказать)|думаю (?:купить|заказать|взять))\b|\bthinking (?:of|about) (?:ordering"
            r"|buying)\b|\bbefore (?:i )?(?:order|buy)(?:ing)?\b|\bplanning to (?:order|buy)\b",
            2.0,
        ),
        (
            r"\bкогда (?:\w+ )?(?:будет|будут|начнется|появ\w*) (?:\w+ )?(?:скидк|распродаж|акци"
            r"|завоз)|\bскидк|\bраспродаж|\bпромокод|\bdiscount|\bcoupon|\bpromo\b|\bon sale\b",
            1.5,
        ),
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
_CONTRAST = re.compile(r"\b(?:но|однако|только вот|а вот|зато|but|however|though)\b")

_COMPILED: dict[Intent, list[tuple[re.Pattern[str], float]]] = {
    intent: [(re.compile(pattern), weight) for pattern, weight in patterns]
    for intent, patterns in _PATTERNS.items()
}
_THANKS_WORDS = _COMPILED[Intent.THANKS]

# English contractions, before punctuation is dropped: "haven't" -> "have not".
_CONTRACTIONS = (
    (re.compile(r"\b(?:can['’`ʼ]t|cannot)\b"), "can not"),
    (re.compile(r"\bwon['’`ʼ]t\b"), "will not"),
    (re.compile(r"\bshan['’`ʼ]t\b"), "shall not"),
    (re.compile(r"\bain['’`ʼ]t\b"), "is not"),
    (re.compile(r"(\w)n['’`ʼ]t\b"), r"\1 not"),
)
# The same written without the apostrophe, as tokens.
_BARE_CONTRACTIONS = {
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "can not",
    "wont": "will not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "havent": "have not",
    "hasnt": "has not",
    "hadnt": "had not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "wheres": "where is",
    "whats": "what is",
}

# Key words buyers often misspell. A token of at least 6 letters is read as one of these only
# when it shares the first 3 letters and is very close (difflib ratio >= 0.9), and never when it
# is itself a real word (`_REAL_WORDS`): "возраст" stays "возраст", "deliver" stays "deliver".
_VOCABULARY = (
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
)
_VOCABULARY_SET = frozenset(_VOCABULARY)
_REAL_WORDS = frozenset(
    {
        "возраст",
        "возраста",
        "возрасту",
        "возрастом",
        "размах",
        "отправила",
        "отправило",
        "deliver",
        "delivers",
        "tracing",
        "traced",
        "parcels",
        "packages",
        "returns",
        "refunds",
        "thanked",
        "brokers",
    }
)


@lru_cache(maxsize=4096)
def _correct(token: str) -> str:
    if len(token) < 6 or token in _VOCABULARY_SET or token in _REAL_WORDS or not token.isalpha():
        return token
    candidates = [word for word in _VOCABULARY if word[:3] == token[:3]]
    close = difflib.get_close_matches(token, candidates, n=1, cutoff=0.9)
    return close[0] if close else token


def normalize(text: str) -> str:
    """Lowercase, ё→е, contractions spelled out, punctuation to spaces, misspellings corrected."""
    lowered = unicodedata.normalize("NFKC", text).lower().replace("ё", "е")
    for pattern, replacement in _CONTRACTIONS:
        lowered = pattern.sub(replacement, lowered)
    cleaned = "".join(char if char.isalnum() else " " for char in lowered)
    tokens = (_BARE_CONTRACTIONS.get(token, token) for token in cleaned.split())
    return " ".join(_correct(token) for token in " ".join(tokens).split())


def _scores(normalized: str) -> dict[Intent, float]:
    scores = {intent: 0.0 for intent in Intent}
    for intent, patterns in _COMPILED.items():
        for pattern, weight in patterns:
            if pattern.search(normalized):
                scores[intent] += weight
    if _POLITE_IN_ADVANCE.search(normalized):
        scores[Intent.THANKS] = 0.0
    return scores


def intent_scores(text: str) -> dict[Intent, float]:
    """The summed pattern weights per intent for `text` (every intent present, 0.0 for none)."""
    return _scores(normalize(text))


def _contrast_after_thanks(normalized: str) -> bool:
    """Whether a "but"/"но" comes after the first word of thanks or satisfaction."""
    starts = [
        found.start() for pattern, _ in _THANKS_WORDS if (found := pattern.search(normalized))
    ]
    if not starts:
        return False
    return _CONTRAST.search(normalized, min(starts)) is not None


def match_intent(text: str) -> Intent:
    """The buyer's intent for `text`; see the module docstring for the rules."""
    normalized = normalize(text)
    if not normalized or _INJECTION.search(normalized):
        return Intent.OTHER
    scores = _scores(normalized)
    evidence = {
        intent: score
        for intent, score in scores.items()
        if score >= THRESHOLD and intent is not Intent.OTHER
    }
    thanks = evidence.pop(Intent.THANKS, 0.0)
    contrast = thanks and _contrast_after_thanks(normalized)
    if not evidence:
        return Intent.THANKS if thanks and not contrast else Intent.OTHER
    if thanks > max(evidence.values()) and not contrast:
        return Intent.THANKS
    if Intent.DEFECT in evidence or Intent.WRONG_SIZE in evidence:
        evidence.pop(Intent.RETURN, None)
    # max() keeps the first of equal scores, so the order is the tie-break.
    order = (Intent.DEFECT, Intent.WRONG_SIZE, Intent.RETURN, Intent.WHERE_IS_ORDER)
    best = max((intent for intent in order if intent in evidence), key=evidence.__getitem__)
    if scores[Intent.OTHER] >= evidence[best]:
        return Intent.OTHER
    return best
