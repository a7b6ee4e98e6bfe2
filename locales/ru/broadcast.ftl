## /broadcast: составление рассылки в админ-группе, до подтверждения

broadcast-ask-text = { $admin }, пришлите сообщение для рассылки #{ ID($id) }: текст с любым оформлением (жирный, курсив, ссылки…) или фото с подписью. До 4096 символов, с фото — до 1024. /cancel — отменить.
broadcast-ask-new-text = { $admin }, пришлите новый текст рассылки #{ ID($id) }, с любым оформлением. { $photo ->
    [yes] Он идёт подписью к фото, поэтому не длиннее { $limit } символов.
   *[no] Не длиннее { $limit } символов.
} Фото с подписью заменит и фото. /cancel — отменить.
broadcast-ask-caption = 🖼 Фото сохранено. { $admin }, теперь пришлите текст под ним (не длиннее { $limit } символов) или /cancel.
broadcast-ask-photo = { $admin }, пришлите фото для рассылки #{ ID($id) }: как фото или файлом-картинкой до 10 МБ. С фото текст не длиннее { $caption_limit } символов; подпись к фото заменит текст. /cancel — отменить.
broadcast-ask-button = { $admin }, пришлите кнопку под рассылкой #{ ID($id) } в виде <code>надпись | https://адрес</code> или надпись в одной строке, а адрес в следующей. Надпись — не длиннее 64 символов. /cancel — отменить.
broadcast-ask-days = { $admin }, сколько дней пользователи не заходили в бота? Пришлите целое число от 1 до 3650. /cancel — отменить.
broadcast-expired = Этот шаг устарел. Начните заново: /broadcast.
broadcast-image-refused = Telegram не принял эту картинку ({ $reason }). Ничего не изменено. Пришлите другое фото или /cancel.

broadcast-problem-empty-text = Сообщение пустое. Пришлите текст или фото с подписью. Или /cancel.
broadcast-problem-text-too-long = В тексте { $length } символов, Telegram разрешает не больше { $limit }. Ничего не изменено. Пришлите текст покороче или /cancel.
broadcast-problem-caption-too-long = С фото текст становится подписью: не больше { $limit } символов, а в этом { $length }. Ничего не изменено. Пришлите текст покороче (или сначала уберите фото) или /cancel.
broadcast-problem-photo-too-big = Картинка весит { $size } МБ, а Telegram принимает фото до { $limit } МБ. Ничего не изменено. Пришлите картинку поменьше или /cancel.
broadcast-problem-not-a-photo = Это не фото. Пришлите фото или файл-картинку (JPG, PNG…) до 10 МБ. Или /cancel.
broadcast-problem-bad-button = Пришлите кнопку в виде <code>надпись | https://адрес</code> или надпись в одной строке, а адрес в следующей. Или /cancel.
broadcast-problem-button-label-too-long = Надпись на кнопке — не больше { $limit } символов. Пришлите покороче или /cancel.
broadcast-problem-bad-url = Кнопка не откроет <code>{ $url }</code>. Нужен полный адрес с http://, https:// или tg://, например <code>https://example.com/offer</code>. Или /cancel.
broadcast-problem-bad-days = Пришлите целое число дней от 1 до { $limit } или /cancel.
broadcast-problem-not-a-draft = Эта рассылка уже запущена или удалена: её нельзя изменить или отправить ещё раз.
broadcast-problem-changed = Черновик изменили после этого предпросмотра. Откройте предпросмотр ещё раз и отправьте.
broadcast-problem-empty-audience = В этой аудитории сейчас никого нет — отправлять некому. Выберите другую аудиторию.

broadcast-card-title = 📣 <b>Черновик рассылки #{ ID($id) }</b>
broadcast-card-text = 📝 Текст: { $length } из { $limit } символов · «{ $excerpt }»
broadcast-card-photo = 🖼 Фото: { $photo ->
    [yes] есть
   *[no] нет
}
broadcast-card-button = 🔘 Кнопка: { $label } → { $url }
broadcast-card-no-button = 🔘 Кнопка: нет
broadcast-card-audience = 👥 Аудитория: { $audience } · { $count ->
    [one] { $count } получатель
    [few] { $count } получателя
   *[other] { $count } получателей
}
broadcast-card-hint = 👁 Предпросмотр покажет сообщение точно так, как его получат пользователи; ничего не отправится, пока вы не подтвердите там.

broadcast-button-edit-text = ✏️ Изменить текст
broadcast-button-add-photo = 🖼 Добавить фото
broadcast-button-remove-photo = 🗑 Убрать фото
broadcast-button-add-button = 🔘 Добавить кнопку
broadcast-button-remove-button = 🗑 Убрать кнопку
broadcast-button-audience = 👥 Аудитория: { $audience } ({ $count })
broadcast-button-preview = 👁 Предпросмотр
broadcast-button-discard = ✖ Удалить черновик
broadcast-button-back = ◀ Назад
broadcast-button-back-to-draft = ◀ К черновику
broadcast-button-send = 📣 Отправить { $count ->
    [one] { $count } пользователю
   *[other] { $count } пользователям
}

broadcast-audience-title = 👥 <b>Кому отправить рассылку #{ ID($id) }?</b> В скобках — сколько пользователей бот может охватить сейчас: не заблокированных и не заблокировавших бота.
broadcast-audience-option = { $chosen ->
    [yes] ✅ { $audience } ({ $count })
   *[no] { $audience } ({ $count })
}
broadcast-audience-inactive-option = { $chosen ->
    [yes] ✅ Не заходили { $days } дн. ({ $count }) · изменить…
   *[no] 💤 Не заходили N дней…
}
broadcast-audience-all = Все пользователи
broadcast-audience-language = Язык: { $language }
broadcast-audience-paid = Платили хотя бы раз
broadcast-audience-never-paid = Ни разу не платили
broadcast-audience-inactive = Не заходили { $days } дн.

broadcast-confirm = ☝️ Так сообщение увидят пользователи. Получателей: { $count } ({ $audience }).
broadcast-confirm-nobody = ☝️ Так сообщение увидят пользователи, но в этой аудитории ({ $audience }) сейчас никого нет. Вернитесь к черновику и выберите другую аудиторию.
broadcast-preview-refused = ⚠️ Telegram не принял предпросмотр: { $reason }. Ничего не отправлено. Вернитесь к черновику и измените фото или текст.
broadcast-started = ✅ Рассылка #{ ID($id) } запущена: получателей — { $count }.
broadcast-discarded = ✖ Черновик #{ ID($id) } удалён.
