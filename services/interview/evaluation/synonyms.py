"""A small hand-written thesaurus of interview vocabulary, English and Russian.

Each group is a set of words or short phrases that a key point and an answer may use for the same
idea ("regular syncs" / "weekly calls", "статистика устарела" / "обновить статистику"). The groups
mix the two languages on purpose: answers switch between them ("сделал rollback").

Each group is one string of `|`-separated terms. Words are stemmed when the table is loaded, so
any inflection of a listed word matches; list the forms whose stems differ ("созвон",
"созваниваться"). A phrase matches its words in that order. Keep groups tight: a word that
belongs to several ideas ("check") is better left out than allowed to credit unrelated points.
"""

from __future__ import annotations

SYNONYM_GROUPS: tuple[str, ...] = (
    # --- meetings and collaboration ------------------------------------------------------------
    (
        "sync | syncs | call | calls | meeting | meetings | standup | stand-up | catch-up | "
        "check-in | one-on-one | 1:1 | синк | синки | созвон | созвоны | созваниваться | "
        "созванивались | встреча | встречи | стендап | планёрка | митинг | один на один"
    ),
    (
        "regular | regularly | weekly | daily | recurring | periodic | every week | every day | "
        "each week | once a week | регулярный | регулярно | еженедельный | еженедельно | ежедневный "
        "| ежедневно | каждую неделю | каждый день | раз в неделю | периодически"
    ),
    "shared | common | joint | together | общий | общие | совместный | вместе | сообща",
    (
        "checklist | checklists | artifact | artifacts | artefact | document | doc | docs | spec | "
        "template | notion | confluence | wiki | чек-лист | чеклист | артефакт | документ | "
        "спецификация | шаблон | вики"
    ),
    (
        "early | from the start | from day one | beginning | upfront | up front | in advance | "
        "beforehand | ahead | рано | заранее | с самого начала | с первого дня | на старте | до "
        "старта | сразу"
    ),
    (
        "privately | one-on-one | in private | face to face | лично | наедине | один на один | с "
        "глазу на глаз"
    ),
    (
        "tactfully | gently | kindly | politely | respectfully | тактично | мягко | деликатно | "
        "вежливо | бережно"
    ),
    (
        "lead | manager | boss | team lead | teamlead | supervisor | руководитель | руководство | "
        "менеджер | тимлид | начальник | лид"
    ),
    (
        "colleague | teammate | coworker | co-worker | peer | junior | коллега | сотрудник | "
        "напарник | джун"
    ),
    (
        "third person | third party | mediator | neutral person | product manager | третий человек "
        "| третье лицо | посредник | продакт | продакт-менеджер"
    ),
    (
        "friction | disagreement | disagree | disagreed | conflict | argue | arguing | dispute | "
        "tension | трение | разногласие | конфликт | спор | спорить | поспорили | разошлись"
    ),
    "constructively | calmly | конструктивно | спокойно | без ссор",
    (
        "pairing | pair | paired | pair programming | парная | в паре | парное программирование | "
        "пейринг"
    ),
    (
        "break down | breaking down | split | decompose | decomposition | smaller pieces | small "
        "steps | smaller tasks | декомпозиция | разбить | разбил | разбивать | маленькие шаги | "
        "мелкие задачи"
    ),
    (
        "resources | materials | articles | links | guides | tutorial | материалы | статьи | ссылки "
        "| гайды | туториал"
    ),
    (
        "root cause | real reason | underlying reason | what was wrong | turned out | первопричина "
        "| настоящая причина | корень проблемы | в чём причина | оказалось"
    ),
    "ownership | owner | responsibility | ответственность | владелец",
    "reputation | credit | репутация | заслуга",
    (
        "growth | grow | grew | learned | develop | capability | skills | рост | расти | вырос | "
        "научился | развитие | навыки"
    ),
    # --- common rubric verbs and their everyday equivalents ------------------------------------
    "notice | notices | spot | spots | detect | see early | заметить | замечает | заметил | увидеть",
    (
        "approach | approaches | talk to | talked to | speak with | reach out | asked him | "
        "asked her | обращается | обратиться | поговорить | поговорил | подойти | подошёл"
    ),
    (
        "find out | finds out | figure out | identify | identifies | investigate | выяснить | "
        "выясняет | выяснил | разобраться | узнать"
    ),
    (
        "offer | offering | suggest | suggesting | propose | recommend | предлагать | предложить | "
        "посоветовать"
    ),
    "solution | solutions | fix | remedy | решение | решения | вариант",
    "help | helps | support | assist | помогать | помог | помочь | поддержать",
    "task | ticket | tickets | story | задача | тикет | задачу",
    "share | sharing | send | sent | give | поделиться | скинуть | скинул | отправить",
    "leave | leaves | keep | kept | let him | let her | оставить | оставляет | оставил",
    "protect | protects | defend | cover for | защищать | беречь | бережёт | прикрыть",
    (
        "involve | involved | invite | invited | include | bring in | brought in | привлечь | "
        "подключить | подключился | подключил | позвать | вовлечь"
    ),
    (
        "hand-off | handoff | handover | over the wall | передача | передачи работы | "
        "готового в конце"
    ),
    (
        "resolve | resolves | settle | sort out | solve | agree | agreed | решить | решает | "
        "уладить | договориться | договорились"
    ),
    "instead of | rather than | вместо",
    (
        "calculate | calculates | compute | computes | estimate | count | рассчитать | "
        "рассчитывает | посчитать | считаю | считать"
    ),
    "prevent | prevents | stop | stops | forbid | disallow | запрещает | не даёт | не позволяет",
    "binding | variable | name | переменная | переменной | имя",
    "log | logs | record | records | track | write down | логировать | логирую | записывать",
    "pytorch | torch | пайторч",
    "cudnn | cuda | gpu | gpu kernels | видеокарта",
    "state | стейт | состояние",
    (
        "process death | kill the process | kills the process | process is killed | "
        "смерть процесса | убьёт процесс | убивает процесс"
    ),
    "preflight | префлайт | предварительный",
    "lookup | lookups | look up | find the rows | поиск",
    "scan | scans | scanning | read the whole | сканирование | сканировать | проход",
    # --- outcomes and measurement --------------------------------------------------------------
    (
        "quantifies | quantify | measurable | numbers | percent | metrics | количественно | "
        "измеримый | цифры | процент | процентов"
    ),
    (
        "result | outcome | impact | effect | as a result | in the end | результат | итог | эффект "
        "| в итоге | в результате"
    ),
    (
        "before and after | before vs after | before/after | до и после | до правки и после | до "
        "изменений и после"
    ),
    (
        "confirm | verify | validate | prove | compare | comparing | подтвердить | подтверждать | "
        "сверить | сравнить | сравниваю | убедиться"
    ),
    (
        "bug | bugs | defect | defects | issue | issues | problem | problems | баг | баги | дефект "
        "| проблема | ошибка"
    ),
    "production | prod | live | production is affected | продакшен | продакшн | прод | боевой",
    # --- databases -------------------------------------------------------------------------------
    (
        "sorted | ordered | in order | sort | order | отсортированный | упорядоченный | "
        "упорядоченно | по порядку | сортировка"
    ),
    "lookup | lookups | find | search | seek | поиск | найти | искать",
    (
        "full table scan | full scan | seq scan | sequential scan | whole table | entire table | "
        "scan all rows | полное сканирование | полный проход | всю таблицу | вся таблица | "
        "сканировать таблицу"
    ),
    "b-tree | btree | tree | b-дерево | дерево",
    (
        "slows down | slower | slow | slows | get slower | overhead | замедляет | медленнее | "
        "медленный | тормозит | замедляться"
    ),
    (
        "write | writes | insert | inserts | update | updates | delete | deletes | запись | вставка "
        "| обновление | удаление | вставку"
    ),
    (
        "maintained | maintain | rebuilt | rebuild | kept up to date | поддерживать | перестраивать "
        "| обновлять | актуальном состоянии"
    ),
    "disk | storage | disk space | space | диск | место | хранилище",
    (
        "memory | ram | cache | buffer cache | память | оперативная память | оперативной памяти | "
        "озу | кэш"
    ),
    (
        "low-selectivity | low selectivity | few distinct values | boolean | flag | true/false | "
        "низкая селективность | низкой селективностью | булев | флаг"
    ),
    "planner | optimizer | optimiser | query planner | планировщик | оптимизатор",
    (
        "rarely used | ignored | ignore | won't use | not use | игнорирует | проигнорирует | не "
        "будет использовать | не использует"
    ),
    (
        "misestimates | misestimate | estimates are off | guesses | wrong estimate | ошибается в "
        "оценке"
    ),
    "statistics | stats | analyze | статистика | статистику",
    (
        "fresh | refresh | up to date | stale | outdated | актуальность | актуальный | обновить | "
        "устаревший | свежий"
    ),
    (
        "composite | multi-column | multicolumn | compound | several columns | составной | "
        "многоколоночный | несколько колонок"
    ),
    "equality | exact match | equals | точное совпадение | равенство",
    "range | range column | interval | диапазон | интервал",
    "column | columns | field | fields | колонка | столбец | поле",
    "function on the column | lower() | функция над колонкой | функцию",
    (
        "implicit cast | implicit casts | type mismatch | compares a varchar to a number | неявное "
        "приведение | приведение типов"
    ),
    "plan | query plan | execution plan | план | план запроса",
    "estimated | estimate | expected | row estimates | оценка | ожидаемое",
    "actual | real | фактическое | реальное",
    # --- APIs and pagination -----------------------------------------------------------------------
    (
        "offset | limit/offset | offset/limit | page number | jump to page | оффсет | смещение "
        "страницы"
    ),
    (
        "skipped rows | skips rows | earlier rows | still read | пропущенные записи | пропускаемые "
        "строки"
    ),
    "duplicate | duplicates | twice | lost | дубль | дублируются | дважды | теряются",
    (
        "cursor | keyset | seek method | last seen | next_cursor | continuation token | курсор | "
        "курсорная | последнего элемента"
    ),
    "opaque | token | непрозрачный | токен",
    (
        "page size | cap | caps | max page | bounded | at most | размер страницы | ограничиваем | "
        "максимальный размер | ограничение"
    ),
    "stable | consistent | equally fast | стабильный | стабильны",
    # --- frontend / JavaScript / browser -----------------------------------------------------------
    (
        "function-scoped | function scope | whole function | visible in the function | область "
        "видимости функции | во всей функции"
    ),
    (
        "block-scoped | block scope | curly braces | inside the block | область видимости блока | "
        "внутри блока | фигурных скобках | блока"
    ),
    (
        "hoisting | hoisted | moved to the top | raised | поднятие | поднимаются | переносится "
        "наверх | всплытие"
    ),
    (
        "temporal dead zone | tdz | dead zone | referenceerror | мёртвая зона | мертвой зоне | "
        "временная мёртвая зона"
    ),
    (
        "reassignment | reassign | assign a new value | assigning a new value | rebind | "
        "переприсваивание | переназначить | присвоить новое значение | переприсвоить"
    ),
    (
        "immutable | frozen | can't change | cannot change | неизменяемый | неизменяемым | менять "
        "нельзя"
    ),
    "by default | everywhere | always | по умолчанию | всегда | везде",
    (
        "avoid | avoiding | never use | don't use | do not use | избегать | отказ | не использую | "
        "не пишу"
    ),
    (
        "same-origin | same origin | origin | same protocol | scheme | protocol | один источник | "
        "того же протокола | источник | протокол | схема"
    ),
    "host | domain | hostname | хост | домен",
    "preflight | options request | ask permission | предварительный запрос",
    "credentials | cookies | cookie | куки | cookie-файлы",
    "wildcard | * | asterisk | звёздочка | звездочки | звездочка",
    "specific origin | exact origin | конкретный источник | конкретный домен",
    "server | backend | api side | сервер | бэкенд | бэкенде",
    "proxy | reverse proxy | прокси",
    "disabling checks | disable the check | turn off | отключение проверок | отключать проверку",
    # --- DevOps / Kubernetes -----------------------------------------------------------------------
    (
        "rollback | roll back | rolling back | rollout undo | revert | previous version | откат | "
        "откатить | откатываю | откатываться | вернуть предыдущую версию"
    ),
    "crashed | died | dead | previous | failed | упавший | упал | предыдущий",
    "logs | log | output | логи | лог | вывод",
    (
        "events | exit code | last state | события | код выхода | код завершения | прошлое "
        "состояние | последнее состояние"
    ),
    "oomkilled | oom | out of memory | нехватка памяти | oom-killed",
    "liveness | liveness probe | health check | healthcheck | проба | liveness-проба",
    (
        "startupprobe | startup probe | initial delay | initialdelayseconds | начальная задержка | "
        "startup-проба"
    ),
    "slow-starting | boots slowly | slow start | медленно стартует | медленно стартующее",
    "configmap | secret | secrets | config | configuration | конфиг | конфигурация | секреты",
    "command | args | entrypoint | команда | команда запуска",
    "dependencies | dependency | database | зависимости | база",
    "unreachable | not reachable | unavailable | недоступный | недоступные",
    # --- product / statistics --------------------------------------------------------------------
    "hypothesis | expect | we expect | гипотеза | ожидаем",
    (
        "primary metric | main metric | key metric | north star | основная метрика | главная "
        "метрика | ключевая метрика"
    ),
    "conversion | конверсия",
    "sample size | how many users | размер выборки | сколько нужно пользователей",
    "mde | minimum detectable effect | smallest effect | минимальный эффект",
    "baseline | current conversion | current rate | базовый уровень | текущая конверсия",
    "significance | alpha | значимость | альфа",
    "power | мощность",
    "randomizes | randomize | split | assign | делю | рандомизирует | распределяю",
    "session | sessions | visits | сессия | визиты",
    (
        "weekly cycles | full weeks | whole weeks | полные недели | целыми неделями | полными "
        "неделями"
    ),
    "sample ratio mismatch | srm",
    "guardrail | guardrails | harm | counter-metric | защитные | защитные метрики",
    "average order value | average basket | average check | aov | средний чек",
    "errors | failures | ошибки | сбои",
    "decision rule | stopping rule | правило решения | правило остановки",
    (
        "peeking | look at the results | early stopping | подглядывает | заглядываю | досрочная "
        "остановка"
    ),
    # --- machine learning ----------------------------------------------------------------------
    "bias | смещение",
    "variance | дисперсия",
    "overly simple | too simple | simplistic | упрощённая | слишком простая | слишком простых",
    "sensitivity | changes | чувствительность | меняется",
    "underfitting | underfit | недообучение | недообучена",
    "overfitting | overfit | переобучение | переобучилась | переобучена",
    "training | train | training set | трейн | обучение | обучающая",
    "validation | validation set | val | валидация",
    "high error | bad | poor | high loss | плохо | высокая ошибка",
    "low training error | маленькая ошибка",
    "gap | much worse | difference | разрыв | сильно больше | разница",
    "regularisation | regularization | регуляризация",
    "simpler model | smaller model | simplify | упрощение модели | простая модель",
    "learning curves | learning curve | кривые обучения | кривая обучения",
    "commit hash | git commit | commit | хэш коммита | коммит",
    "snapshot | frozen | dataset version | dvc | снимок | версионирую",
    "pins | pinned | lock file | lock files | lock-файл | зафиксированные версии",
    "environment | docker image | docker | окружение | docker-образ",
    "seed | seeds | random seed | сид | сиды",
    "non-deterministic | nondeterministic | недетерминированный | недетерминированы",
    "experiment tracker | mlflow | weights & biases | wandb | трекер экспериментов",
    "parameters | hyperparameters | params | параметры | гиперпараметры",
    # --- mobile --------------------------------------------------------------------------------------
    "rotation | rotate | configuration change | поворот | изменение конфигурации",
    (
        "destroys and recreates | recreated | уничтожает и пересоздаёт | уничтожается и создаётся "
        "заново | пересоздаётся"
    ),
    "survives | outlives | persists | переживает | сохраняется",
    "process death | смерть процесса",
    "leak | leaks | memory leak | утечка | утечка памяти",
    "long-lived | singleton | static field | долгоживущий | синглтон | статическое поле",
    "reference | references | ссылка | ссылки",
    "ui state | screen state | состояние ui | состояние экрана",
)
